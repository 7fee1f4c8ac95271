// Measured peaks of a device, for rooflines: compute (GFLOP/s of a large float32 MatMul or 3x3 convolution, the
// faster) and memory bandwidth (GB/s of a large element-wise Add), run through the device's own Session like any
// model layer.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/session.h"

namespace dnncost {

struct DevicePeaks {
  double gflops = 0;      // best FLOPs / time of the MatMul or the Conv, the higher
  double gbs = 0;         // best (bytes read + written) / time of Add over two vectors of m float32
  nlohmann::json detail;  // sizes, run counts, best times, method
};

// Builds three one-node graphs in memory (MatMul of two n x n inputs; Conv 3x3, pads 1, of N x 128 x 56 x 56
// with 128 filters, the weights a graph input too; Add of two m-element inputs), plans them and times them on
// `spec`'s session. Sizes grow (doubling) until one run takes long enough to time (MatMul: 50 ms or n = 4096;
// Conv: 50 ms or N = 64; Add: 2 ms or m = 64 Mi elements, starting at 8 Mi = 32 MiB per operand, beyond caches);
// then each is repeated for about `seconds` / 3 (at least 3 runs) and the fastest run gives the peak.
// `stop` is polled between runs (Ctrl-C). Throws what the session throws (e.g. std::bad_alloc).
DevicePeaks measure_device_peaks(const DeviceSpec& spec, double seconds = 1.0, const std::function<bool()>& stop = {});

nlohmann::json peaks_json(const DevicePeaks& p);

}  // namespace dnncost
