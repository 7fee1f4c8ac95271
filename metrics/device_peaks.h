// Measured peaks of a device, for rooflines: compute (GFLOP/s of a large float32 MatMul) and memory bandwidth
// (GB/s of a large element-wise Add), both run through the device's own Session like any model layer.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/session.h"

namespace dnncost {

struct DevicePeaks {
  double gflops = 0;  // best FLOPs / time of an n x n x n MatMul (2 n^3 FLOPs)
  double gbs = 0;     // best (bytes read + written) / time of Add over two vectors of m float32
  nlohmann::json detail;  // sizes, run counts, best times, method
};

// Builds two one-node graphs in memory (MatMul of two n x n inputs; Add of two m-element inputs), plans them
// and times them on `spec`'s session. Sizes grow (doubling) until one run takes long enough to time
// (MatMul: 50 ms or n = 4096; Add: 2 ms or m = 64 Mi elements, starting at 8 Mi = 32 MiB per operand, beyond
// caches); then each is repeated for about `seconds` / 2 (at least 3 runs) and the fastest run gives the peak.
// `stop` is polled between runs (Ctrl-C). Throws what the session throws (e.g. std::bad_alloc).
DevicePeaks measure_device_peaks(const DeviceSpec& spec, double seconds = 1.0,
                                 const std::function<bool()>& stop = {});

nlohmann::json peaks_json(const DevicePeaks& p);

}  // namespace dnncost
