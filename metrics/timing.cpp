// Timing loop and statistics.
#include "metrics/timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace dnncost {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double percentile_sorted(const std::vector<double>& s, double q) {
  if (s.empty()) return 0;
  const double pos = q * static_cast<double>(s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return s[lo] + (s[hi] - s[lo]) * frac;
}

TimingStats summarize(std::vector<double> samples) {
  TimingStats st;
  st.iterations = static_cast<int>(samples.size());
  if (samples.empty()) return st;
  std::sort(samples.begin(), samples.end());
  st.min_ms = samples.front();
  st.max_ms = samples.back();
  st.p10_ms = percentile_sorted(samples, 0.10);
  st.median_ms = percentile_sorted(samples, 0.50);
  st.p90_ms = percentile_sorted(samples, 0.90);
  st.p99_ms = percentile_sorted(samples, 0.99);
  const double sum = std::accumulate(samples.begin(), samples.end(), 0.0);
  st.mean_ms = sum / static_cast<double>(samples.size());
  double var = 0;
  for (double x : samples) var += (x - st.mean_ms) * (x - st.mean_ms);
  st.stddev_ms = samples.size() > 1 ? std::sqrt(var / static_cast<double>(samples.size() - 1)) : 0;
  st.cov = st.mean_ms > 0 ? st.stddev_ms / st.mean_ms : 0;
  st.total_s = sum / 1000.0;
  return st;
}

nlohmann::json stats_json(const TimingStats& s) {
  return {{"median_ms", s.median_ms}, {"p10_ms", s.p10_ms}, {"p90_ms", s.p90_ms}, {"p99_ms", s.p99_ms},
          {"mean_ms", s.mean_ms},     {"min_ms", s.min_ms}, {"max_ms", s.max_ms}, {"stddev_ms", s.stddev_ms},
          {"cov", s.cov},             {"iterations", s.iterations}, {"timed_s", s.total_s}};
}

std::vector<double> time_repeated(const TimingPolicy& policy, const std::function<void()>& body,
                                  const std::function<void()>& sync, const std::function<bool()>& stop) {
  for (int i = 0; i < policy.warmup; ++i) {
    if (stop && stop()) return {};
    body();
    if (sync) sync();
  }
  std::vector<double> samples;
  double total = 0;
  while (static_cast<int>(samples.size()) < policy.max_iters &&
         (static_cast<int>(samples.size()) < policy.min_iters || total < policy.min_time_s)) {
    if (stop && stop()) break;
    const double t0 = now_s();
    body();
    if (sync) sync();
    const double dt = now_s() - t0;
    samples.push_back(dt * 1000.0);
    total += dt;
  }
  return samples;
}

std::vector<double> sample_repeated(const TimingPolicy& policy, const std::function<double()>& timed_ms,
                                    const std::function<bool()>& stop) {
  for (int i = 0; i < policy.warmup; ++i) {
    if (stop && stop()) return {};
    timed_ms();
  }
  std::vector<double> samples;
  const double start = now_s();
  while (static_cast<int>(samples.size()) < policy.max_iters &&
         (static_cast<int>(samples.size()) < policy.min_iters || now_s() - start < policy.min_time_s)) {
    if (stop && stop()) break;
    samples.push_back(timed_ms());
  }
  return samples;
}

}  // namespace dnncost
