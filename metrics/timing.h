// Timing: a repeat-until policy (warm-up, minimum count and minimum time) and robust statistics.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

namespace dnncost {

struct TimingPolicy {
  int warmup = 3;          // untimed runs first
  int min_iters = 10;      // at least this many timed runs
  double min_time_s = 1.0; // and at least this much timed wall time
  int max_iters = 100000;  // never more than this many
};

struct TimingStats {
  int iterations = 0;
  double min_ms = 0, p10_ms = 0, median_ms = 0, mean_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  double stddev_ms = 0;
  double cov = 0;  // coefficient of variation: stddev / mean
  double total_s = 0;
};

// Linear-interpolated percentile (q in [0, 1]) of sorted samples.
double percentile_sorted(const std::vector<double>& sorted, double q);
TimingStats summarize(std::vector<double> samples_ms);
nlohmann::json stats_json(const TimingStats& s);

// Seconds on a monotonic clock (the clock of every dnncost timestamp).
double now_s();

// Runs `body` policy.warmup times, then times it until min_iters and min_time_s are both reached (or
// max_iters, or `stop` returns true); returns the samples in milliseconds. `sync` runs after each call
// inside the timed region (device synchronisation).
std::vector<double> time_repeated(const TimingPolicy& policy, const std::function<void()>& body,
                                  const std::function<void()>& sync = {}, const std::function<bool()>& stop = {});

// As time_repeated, for a body that measures itself (a device timer): runs `timed_ms` policy.warmup times, then
// keeps what it returns until min_iters samples and min_time_s of wall time (or max_iters, or `stop`).
std::vector<double> sample_repeated(const TimingPolicy& policy, const std::function<double()>& timed_ms,
                                    const std::function<bool()>& stop = {});

}  // namespace dnncost
