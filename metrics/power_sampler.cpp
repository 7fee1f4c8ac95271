// Power sampling thread and window summaries (see power_sampler.h).
#include "metrics/power_sampler.h"

#include <algorithm>
#include <chrono>

#include "metrics/timing.h"

namespace dnncost {
namespace {

struct Point {
  double t, v;
};

// Linear interpolation at t between points (sorted by t), holding the end values beyond them.
double value_at(const std::vector<Point>& p, double t) {
  if (t <= p.front().t) return p.front().v;
  if (t >= p.back().t) return p.back().v;
  const auto hi = std::upper_bound(p.begin(), p.end(), t, [](double x, const Point& q) { return x < q.t; });
  const auto lo = hi - 1;
  if (hi->t == lo->t) return hi->v;
  return lo->v + (hi->v - lo->v) * (t - lo->t) / (hi->t - lo->t);
}

template <class Field>
std::vector<Point> points(const std::vector<PowerSample>& samples, Field field) {
  std::vector<Point> p;
  for (const PowerSample& s : samples)
    if (const std::optional<double>& v = field(s)) p.push_back({s.t_s, *v});
  std::stable_sort(p.begin(), p.end(), [](const Point& a, const Point& b) { return a.t < b.t; });
  return p;
}

}  // namespace

std::optional<double> integrate_power(const std::vector<PowerSample>& samples, double t0, double t1) {
  const std::vector<Point> p =
      points(samples, [](const PowerSample& s) -> const std::optional<double>& { return s.watts; });
  if (p.empty() || t1 < t0) return std::nullopt;
  // Breakpoints: the window's edges and every sample strictly inside it; trapezoids between them.
  std::vector<double> ts = {t0};
  for (const Point& q : p)
    if (q.t > t0 && q.t < t1) ts.push_back(q.t);
  ts.push_back(t1);
  double e = 0;
  double prev_v = value_at(p, t0);
  for (size_t i = 1; i < ts.size(); ++i) {
    const double v = value_at(p, ts[i]);
    e += 0.5 * (prev_v + v) * (ts[i] - ts[i - 1]);
    prev_v = v;
  }
  return e;
}

std::optional<double> counter_delta(const std::vector<PowerSample>& samples, double t0, double t1) {
  const std::vector<Point> p =
      points(samples, [](const PowerSample& s) -> const std::optional<double>& { return s.energy_j; });
  if (p.empty() || p.front().t > t0 || p.back().t < t1 || t1 < t0) return std::nullopt;
  return value_at(p, t1) - value_at(p, t0);
}

PowerWindow summarize_power(const std::vector<PowerSample>& samples, double t0, double t1) {
  PowerWindow w;
  w.t0 = t0;
  w.t1 = t1;
  w.window_s = t1 - t0;
  double sm_sum = 0, mem_sum = 0;
  int sm_n = 0, mem_n = 0;
  for (const PowerSample& s : samples) {
    if (s.watts && s.power_is_average) w.power_is_average = true;
    if (s.t_s < t0 || s.t_s > t1) continue;
    ++w.samples;
    if (!s.error.empty()) {
      ++w.failed_reads;
      if (w.first_error.empty()) w.first_error = s.error;
    }
    if (s.watts) w.peak_w = w.peak_w ? std::max(*w.peak_w, *s.watts) : *s.watts;
    if (s.sm_clock_mhz) {
      sm_sum += *s.sm_clock_mhz;
      ++sm_n;
      w.sm_clock_mhz_min = w.sm_clock_mhz_min ? std::min(*w.sm_clock_mhz_min, *s.sm_clock_mhz) : *s.sm_clock_mhz;
      w.sm_clock_mhz_max = w.sm_clock_mhz_max ? std::max(*w.sm_clock_mhz_max, *s.sm_clock_mhz) : *s.sm_clock_mhz;
    }
    if (s.mem_clock_mhz) {
      mem_sum += *s.mem_clock_mhz;
      ++mem_n;
    }
    if (s.temperature_c)
      w.temperature_c_max = w.temperature_c_max ? std::max(*w.temperature_c_max, *s.temperature_c) : *s.temperature_c;
    if (s.power_limit_w) w.power_limit_w = *s.power_limit_w;
  }
  if (sm_n) w.sm_clock_mhz_mean = sm_sum / sm_n;
  if (mem_n) w.mem_clock_mhz_mean = mem_sum / mem_n;

  if (w.window_s <= 0) {
    w.invalid_reason = "empty time window";
    return w;
  }
  w.energy_counter_j = counter_delta(samples, t0, t1);
  w.energy_integrated_j = integrate_power(samples, t0, t1);
  if (w.energy_counter_j) {
    w.method = "energy_counter";
    w.energy_j = *w.energy_counter_j;
  } else if (w.energy_integrated_j) {
    w.method = "integrated_samples";
    w.energy_j = *w.energy_integrated_j;
  } else {
    w.invalid_reason = w.first_error.empty() ? "no reading gave power or energy in the window"
                                             : "no reading gave power or energy in the window: " + w.first_error;
    return w;
  }
  w.avg_w = w.energy_j / w.window_s;
  w.valid = true;
  return w;
}

PowerSampler::PowerSampler(PowerSource& source, double hz) : source_(source), hz_(hz > 0 ? hz : 100) {}

PowerSampler::~PowerSampler() { stop(); }

void PowerSampler::take() {
  const double t0 = now_s();
  PowerSample s = source_.read();
  const double dt = now_s() - t0;
  std::lock_guard<std::mutex> lock(mutex_);
  read_seconds_ += dt;
  ++reads_;
  samples_.push_back(std::move(s));
}

void PowerSampler::start() {
  stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    samples_.clear();
    stopping_ = false;
  }
  take();
  thread_ = std::thread([this] { loop(); });
}

void PowerSampler::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  take();
}

void PowerSampler::loop() {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / hz_));
  auto next = clock::now() + period;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    lock.unlock();
    take();
    lock.lock();
    next += period;
    const auto now = clock::now();
    if (next < now) next = now + period;  // a slow read: skip the missed ticks instead of bursting
  }
}

std::vector<PowerSample> PowerSampler::samples() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

double PowerSampler::mean_read_ms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reads_ ? 1000.0 * read_seconds_ / reads_ : 0.0;
}

}  // namespace dnncost
