// Power measurement for `dnncost profile`: the source chosen for the device, the idle power measured once
// before the first configuration, and per configuration a power window in which the network keeps running
// while the sampler reads the sensor. Produces the record's `power` object (docs/RESULTS.md). When nothing can
// measure, no time is spent waiting and the object says `"available": false` and why, with no numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/power.h"
#include "metrics/power_sampler.h"

namespace dnncost {

struct PowerOptions {
  std::string source = "auto";  // --power: auto, nvml, rapl, none
  double hz = 100;              // --power-hz: sampling rate
  double idle_seconds = 5;      // --idle-seconds: idle measurement before the first configuration (0: none)
  double window_seconds = 5;    // --power-window: seconds of running per configuration (0: no power windows)
};

// Throws ModelError naming the option when a value is out of range.
void check_power_options(const PowerOptions& opt);

class PowerMeter {
 public:
  // The source for the profiled device (choose_power_source).
  PowerMeter(const PowerOptions& opt, const std::string& device_kind, int device_index);
  // A given source (tests).
  PowerMeter(const PowerOptions& opt, std::unique_ptr<PowerSource> source);

  // True when windows will be measured: the source is available and --power-window is not 0.
  bool measuring() const { return measuring_; }
  const std::string& sensor() const { return sensor_; }
  const std::string& unavailable_reason() const { return reason_; }
  // "nvml: NVIDIA H100 80GB HBM3, instant (NVML_FI_DEV_POWER_INSTANT)" / "unavailable (rapl: RAPL absent: ...)"
  std::string summary_line() const;

  // Idle power over --idle-seconds, once (later calls return at once). `stop` is polled about every 50 ms:
  // when it returns true the measurement is abandoned (idle stays unknown).
  void measure_idle(const std::function<bool()>& stop);

  // The record's power object for one configuration: calls `run_once` (one run of the batch, synchronised)
  // until --power-window seconds have passed (at least once) while sampling, then summarises. Measures idle
  // first if not done yet. `images_per_run` is the batch size. `stop` is checked after every run; when it
  // stops the window early the object is still complete for the runs done. Without a usable source returns
  // the unavailable object at once without calling run_once.
  nlohmann::json measure_window(const std::function<void()>& run_once, int64_t images_per_run,
                                const std::function<bool()>& stop);

  // {"available": false, "sensor", "reason"}: for records when measuring() is false.
  nlohmann::json unavailable_json() const;

  // Samples of the idle measurement and of the last window (for the trace's power counter track:
  // add_power_counter_track in power_sampler.h).
  const std::vector<PowerSample>& idle_samples() const { return idle_samples_; }
  const std::vector<PowerSample>& last_window_samples() const { return window_samples_; }

  bool idle_measured() const { return idle_.valid; }
  double idle_w() const { return idle_.avg_w; }

 private:
  void init();

  PowerOptions opt_;
  std::unique_ptr<PowerSource> source_;
  std::string sensor_, reason_;
  bool measuring_ = false;
  bool idle_done_ = false;
  PowerWindow idle_;
  std::vector<PowerSample> idle_samples_, window_samples_;
};

}  // namespace dnncost
