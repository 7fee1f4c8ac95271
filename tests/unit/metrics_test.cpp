// Unit tests of the timing statistics, the timing loop policy and the least-squares fit.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "metrics/fit.h"
#include "core/host_info.h"
#include "metrics/timing.h"

namespace dnncost {
namespace {

TEST(Timing, StatisticsOfKnownSamples) {
  const TimingStats s = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.iterations, 5);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 5);
  EXPECT_DOUBLE_EQ(s.median_ms, 3);
  EXPECT_DOUBLE_EQ(s.mean_ms, 3);
  EXPECT_DOUBLE_EQ(s.p10_ms, 1.4);  // linear interpolation between the 1st and 2nd of 5 sorted samples
  EXPECT_DOUBLE_EQ(s.p90_ms, 4.6);
  EXPECT_NEAR(s.stddev_ms, 1.5811388, 1e-6);  // sample standard deviation
  EXPECT_NEAR(s.cov, 1.5811388 / 3, 1e-6);
  EXPECT_EQ(summarize({}).iterations, 0);
}

TEST(Timing, LoopHonoursMinimumCountAndTime) {
  int calls = 0;
  TimingPolicy p;
  p.warmup = 2;
  p.min_iters = 7;
  p.min_time_s = 0;
  auto samples = time_repeated(p, [&] { ++calls; });
  EXPECT_EQ(samples.size(), 7u);
  EXPECT_EQ(calls, 9);
  p.min_iters = 1;
  p.min_time_s = 0.02;
  const double t0 = now_s();
  samples = time_repeated(p, [] { std::this_thread::sleep_for(std::chrono::milliseconds(2)); });
  EXPECT_GE(now_s() - t0, 0.02);
  double timed = 0;
  for (double ms : samples) timed += ms / 1000.0;
  EXPECT_GE(timed, 0.02);  // the loop stops only once the timed samples add up to min_time_s
  p.max_iters = 3;  // the cap wins over the minimum time
  samples = time_repeated(p, [] {});
  EXPECT_EQ(samples.size(), 3u);
  p.max_iters = 100000;
  p.min_time_s = 10;
  int n = 0;
  samples = time_repeated(p, [&] { ++n; }, {}, [&] { return n >= 5; });  // stop() ends it early
  EXPECT_EQ(n, 5);
}

TEST(Fit, RecoversALineAndItsR2) {
  const LinearFit f = fit_linear({0, 1, 2, 3}, {1, 3, 5, 7});
  ASSERT_TRUE(f.valid);
  EXPECT_NEAR(f.slope, 2, 1e-12);
  EXPECT_NEAR(f.intercept, 1, 1e-12);
  EXPECT_NEAR(f.r2, 1, 1e-12);
  const LinearFit g = fit_linear({0, 1, 2, 3}, {0, 2, 0, 2});
  EXPECT_NEAR(g.slope, 0.4, 1e-12);
  EXPECT_NEAR(g.r2, 0.2, 1e-12);  // SS_res 3.2 of SS_tot 4
  EXPECT_FALSE(fit_linear({1, 1}, {2, 3}).valid);  // no spread in x
  EXPECT_FALSE(fit_linear({1}, {2}).valid);
}

TEST(Host, ReportsMemoryAndCpu) {
  EXPECT_GT(peak_rss_bytes(), 0);
  const int64_t current = current_rss_bytes();  // first: the process may grow between the two reads
  EXPECT_GE(peak_rss_bytes(), current);
  EXPECT_GE(logical_cpus(), 1);
  EXPECT_EQ(utc_timestamp().size(), 20u);
}

}  // namespace
}  // namespace dnncost
