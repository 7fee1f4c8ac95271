// Power sampling: a thread that reads a PowerSource at a fixed rate (timestamps on the now_s() clock, the
// clock of the timing samples and of the trace), and the summary of a time window of samples: average and
// peak power, energy from the source's counter (preferred) and by integrating the power samples.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "metrics/power.h"

namespace dnncost {

// Power over [t0, t1] from timestamped samples, by the trapezoid rule between samples. Inside the samples'
// span the power is interpolated linearly (so a window edge between two samples is exact for a linear
// curve); beyond the first or last sample with power the nearest value is held. Empty without power samples.
std::optional<double> integrate_power(const std::vector<PowerSample>& samples, double t0, double t1);

// Energy counter delta over [t0, t1], the counter interpolated linearly at both edges. Empty unless samples
// with a counter lie at or before t0 and at or after t1.
std::optional<double> counter_delta(const std::vector<PowerSample>& samples, double t0, double t1);

struct PowerWindow {
  bool valid = false;
  std::string invalid_reason;  // when not valid: why there is no energy (every reading failed, ...)
  double t0 = 0, t1 = 0, window_s = 0;
  int samples = 0;       // readings taken inside [t0, t1]
  int failed_reads = 0;  // of which with an error
  std::string first_error;
  std::optional<double> energy_counter_j;     // counter delta, when the source has a counter
  std::optional<double> energy_integrated_j;  // integrated power samples, when the source gives power
  std::string method;                         // "energy_counter" or "integrated_samples": where energy_j comes from
  double energy_j = 0;
  double avg_w = 0;               // energy_j / window_s
  std::optional<double> peak_w;   // highest power sample inside the window
  bool power_is_average = false;  // the power samples were the sensor's own moving averages
  std::optional<double> sm_clock_mhz_mean, sm_clock_mhz_min, sm_clock_mhz_max, mem_clock_mhz_mean;
  std::optional<double> temperature_c_max, power_limit_w;
};

// The summary of the samples over [t0, t1].
PowerWindow summarize_power(const std::vector<PowerSample>& samples, double t0, double t1);

// Reads `source` every 1/hz seconds on its own thread between start() and stop(). start() and stop() each take
// one reading on the calling thread, so the samples always bracket a window that lies between the two calls.
class PowerSampler {
 public:
  PowerSampler(PowerSource& source, double hz);
  ~PowerSampler();
  PowerSampler(const PowerSampler&) = delete;
  PowerSampler& operator=(const PowerSampler&) = delete;

  void start();  // clears earlier samples
  void stop();
  bool running() const { return thread_.joinable(); }
  std::vector<PowerSample> samples() const;
  // Mean time one read() took, in milliseconds (the cost of sampling; 0 before any reading).
  double mean_read_ms() const;
  double hz() const { return hz_; }

 private:
  void loop();
  void take();  // one reading, appended

  PowerSource& source_;
  double hz_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<PowerSample> samples_;
  double read_seconds_ = 0;
  int reads_ = 0;
};

// Adds samples to an execution trace as a counter track in watts: `trace` is a TraceWriter (metrics/trace.h,
// Chrome trace "C" events, microseconds on the now_s() clock) or anything with the same counter() method.
template <class Trace>
void add_power_counter_track(Trace& trace, int pid, const std::vector<PowerSample>& samples,
                             const std::string& track = "power (W)") {
  for (const PowerSample& s : samples)
    if (s.watts) trace.counter(pid, track, s.t_s * 1e6, {{"W", *s.watts}});
}

}  // namespace dnncost
