// The execution trace of `dnncost profile --trace FILE`: one trace process per configuration (model, dims, batch),
// with a track of per-layer spans (the synchronised per-layer pass, one span per layer per iteration, with
// iteration markers), a track of whole-network runs (the headline latency runs), and counter tracks for memory
// (weights + planned live activations at each layer; the process RSS at each iteration) and power (the samples
// of the configuration's power window; the idle measurement in a process of its own). Layout documented in
// docs/RESULTS.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/session.h"
#include "metrics/power.h"
#include "metrics/trace.h"

namespace dnncost {

class ProfileTrace {
 public:
  static constexpr int kLayerTrack = 1;    // per-layer pass
  static constexpr int kNetworkTrack = 2;  // whole-network runs
  static constexpr int kIdlePid = 100000;  // the process holding the idle power samples

  // `path` empty: every call does nothing.
  explicit ProfileTrace(std::string path);
  bool enabled() const { return !path_.empty(); }

  // Starts the process of one configuration: names it and its tracks, and keeps each step's span arguments
  // (op, node, input and output shapes, MACs, FLOPs, bytes, implementation) and planned live bytes.
  void begin_configuration(const std::string& model, int64_t batch, const Session& session);
  // One whole-network run from t0 to t1 (seconds on now_s()), `k`-th timed run.
  void network_run(int k, double t0_s, double t1_s);
  // Start of the k-th timed iteration of the per-layer pass: marker and RSS counter.
  void layer_iteration(int k, double t_s);
  // Step i of the per-layer pass ran from t0 to t1 during iteration k.
  void layer_span(size_t i, int k, double t0_s, double t1_s);
  // The samples of the idle power measurement, once (later calls, and calls without samples, do nothing):
  // a counter track "power (W)" in a process of its own, "idle power (before the first configuration)".
  void idle_power(const std::vector<PowerSample>& samples);
  // The samples of this configuration's power window: its counter track "power (W)".
  void power_window(const std::vector<PowerSample>& samples);
  // Facts for "otherData" (device, peaks, power).
  void note(const std::string& key, nlohmann::json value) { trace_.note(key, std::move(value)); }
  // Writes the whole trace so far (called after every configuration so an interrupted sweep keeps its trace).
  void flush() const;
  const std::string& path() const { return path_; }
  size_t events() const { return trace_.events(); }

 private:
  std::string path_;
  TraceWriter trace_;
  int pid_ = 0;
  std::vector<nlohmann::json> step_args_;
  std::vector<std::string> step_names_;
  std::vector<int64_t> live_bytes_;  // per step: bytes of activation slots live while it runs
  int64_t weight_bytes_ = 0;
  bool idle_written_ = false;
};

// Planned activation bytes live during each step of a plan (row-major sizes, liveness and in-place reuse as
// the memory plan places them).
std::vector<int64_t> live_activation_bytes(const Plan& plan);

}  // namespace dnncost
