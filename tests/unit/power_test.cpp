// Unit tests of power measurement on the CPU: integration and window alignment on known power curves, the
// sampler thread on a scripted source, the RAPL reader on a fake sysfs tree (wrap-around, zones not added),
// NVML loading failing cleanly, the NVML source on a fake libnvidia-ml, and the profile's PowerMeter.
#include "metrics/power.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "engine/cuda/cuda_device.h"
#include "core/errors.h"
#include "metrics/power_meter.h"
#include "metrics/power_sampler.h"
#include "metrics/timing.h"
#include "tests/unit/expect_error.h"

namespace dnncost {
namespace {
using dnncost::testing::expect_error;

namespace fs = std::filesystem;

// Samples of a curve at fixed times (no thread): t = t_first + i / hz.
std::vector<PowerSample> sample_curve(const std::function<double(double)>& watts, double t_first, double t_last,
                                      double hz, bool with_power = true,
                                      const std::function<double(double)>& energy = {}) {
  std::vector<PowerSample> out;
  for (int i = 0;; ++i) {
    const double t = t_first + i / hz;
    if (t > t_last + 1e-12) break;
    PowerSample s;
    s.t_s = t;
    if (with_power) s.watts = watts(t);
    if (energy) s.energy_j = energy(t);
    out.push_back(s);
  }
  return out;
}

// --- integration and alignment ---------------------------------------------------------------------------------

TEST(PowerIntegration, ConstantPowerWithWindowEdgesBetweenSamples) {
  const auto s = sample_curve([](double) { return 100.0; }, 0.0, 2.0, 10);
  // Edges at 0.05 and 1.25 s fall between samples: the window, not the samples' span, is integrated.
  EXPECT_NEAR(*integrate_power(s, 0.05, 1.25), 120.0, 1e-9);
  EXPECT_NEAR(*integrate_power(s, 0.0, 2.0), 200.0, 1e-9);
}

TEST(PowerIntegration, RampIsExactWithInterpolatedEdges) {
  // P(t) = 10 t W: energy over [a, b] = 5 (b^2 - a^2) J, exact for the trapezoid rule with linear edges.
  const auto s = sample_curve([](double t) { return 10.0 * t; }, 0.0, 3.0, 7);
  EXPECT_NEAR(*integrate_power(s, 0.33, 2.77), 5.0 * (2.77 * 2.77 - 0.33 * 0.33), 1e-9);
  // Beyond the samples the nearest value is held: [3, 4] at 30 W.
  EXPECT_NEAR(*integrate_power(s, 2.0, 4.0), 5.0 * (9.0 - 4.0) + 30.0, 1e-9);
}

TEST(PowerIntegration, SquareWaveAndRampWithinOnePercent) {
  // A GPU-like load: 60 W idle, 300 W busy, 0.7 s period, 40% duty, sampled at 100 Hz over 10 s.
  auto square = [](double t) { return std::fmod(t + 0.013, 0.7) < 0.28 ? 300.0 : 60.0; };
  ScriptedPowerSource truth_square(square, false, 0);
  const auto s1 = sample_curve(square, 0.0, 10.0, 100);
  const double e1 = *integrate_power(s1, 0.004, 9.996);
  const double x1 = truth_square.exact_energy(0.004, 9.996);
  EXPECT_NEAR(e1, x1, 0.01 * x1);
  EXPECT_NE(e1, x1);  // the edges between samples do cost something: the test is not vacuous

  auto ramp = [](double t) { return 50.0 + 25.0 * t; };
  ScriptedPowerSource truth_ramp(ramp, false, 0);
  const auto s2 = sample_curve(ramp, 0.0, 10.0, 100);
  const double x2 = truth_ramp.exact_energy(1.2345, 8.765);
  EXPECT_NEAR(*integrate_power(s2, 1.2345, 8.765), x2, 0.01 * x2);
}

TEST(PowerIntegration, CounterDeltaInterpolatesAtTheEdges) {
  // Counter E(t) = 100 t + 7 J (origin arbitrary), sampled at 4 Hz.
  const auto s = sample_curve([](double) { return 100.0; }, 0.0, 2.0, 4, false, [](double t) { return 100.0 * t + 7; });
  EXPECT_NEAR(*counter_delta(s, 0.1, 1.9), 180.0, 1e-9);
  EXPECT_FALSE(counter_delta(s, -0.1, 1.0).has_value());   // no counter reading at or before the start
  EXPECT_FALSE(counter_delta(s, 0.5, 2.5).has_value());    // nor at or after the end
  EXPECT_FALSE(integrate_power(s, 0.1, 1.9).has_value());  // these samples carry no power
}

TEST(PowerSummary, PrefersTheCounterAndReportsBoth) {
  auto watts = [](double t) { return t < 1.0 ? 100.0 : 200.0; };
  auto energy = [](double t) { return t < 1.0 ? 100.0 * t : 100.0 + 200.0 * (t - 1.0); };
  const auto s = sample_curve(watts, 0.0, 2.0, 100, true, energy);
  const PowerWindow w = summarize_power(s, 0.5, 1.5);
  ASSERT_TRUE(w.valid);
  EXPECT_EQ(w.method, "energy_counter");
  EXPECT_NEAR(w.energy_j, 150.0, 1e-9);
  ASSERT_TRUE(w.energy_counter_j && w.energy_integrated_j);
  EXPECT_NEAR(*w.energy_integrated_j, 150.0, 0.01 * 150.0);
  EXPECT_NEAR(w.avg_w, 150.0, 1e-9);
  EXPECT_DOUBLE_EQ(*w.peak_w, 200.0);
  EXPECT_DOUBLE_EQ(w.window_s, 1.0);
  EXPECT_EQ(w.samples, 101);  // 0.50, 0.51, ..., 1.50
  EXPECT_FALSE(w.power_is_average);
}

TEST(PowerSummary, IntegratesWhenThereIsNoCounterAndAlignsPeakToTheWindow) {
  auto watts = [](double t) { return t > 1.8 ? 500.0 : 100.0; };  // a spike after the window
  auto s = sample_curve(watts, 0.0, 2.0, 100);
  for (auto& x : s) x.power_is_average = true;
  const PowerWindow w = summarize_power(s, 0.2, 1.2);
  ASSERT_TRUE(w.valid);
  EXPECT_EQ(w.method, "integrated_samples");
  EXPECT_FALSE(w.energy_counter_j.has_value());
  EXPECT_NEAR(w.energy_j, 100.0, 1e-9);
  EXPECT_DOUBLE_EQ(*w.peak_w, 100.0);  // the spike lies outside the window
  EXPECT_TRUE(w.power_is_average);
}

TEST(PowerSummary, NoUsableReadingIsInvalidWithTheSensorsError) {
  std::vector<PowerSample> s(3);
  for (int i = 0; i < 3; ++i) {
    s[i].t_s = i;
    s[i].error = "nvmlDeviceGetPowerUsage: GPU is lost";
  }
  const PowerWindow w = summarize_power(s, 0.0, 2.0);
  EXPECT_FALSE(w.valid);
  EXPECT_NE(w.invalid_reason.find("GPU is lost"), std::string::npos) << w.invalid_reason;
  EXPECT_EQ(w.failed_reads, 3);
}

// --- the sampler thread ---------------------------------------------------------------------------------------

TEST(PowerSampler, ThreadSamplesAScriptedRampAndBracketsTheWindow) {
  const double origin = now_s();
  auto ramp = [origin](double t) { return 40.0 + 200.0 * (t - origin); };
  ScriptedPowerSource source(ramp, true, origin);
  PowerSampler sampler(source, 200);
  sampler.start();
  const double t0 = now_s();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double t1 = now_s();
  sampler.stop();
  const auto s = sampler.samples();
  ASSERT_GE(s.size(), 10u) << "a 200 Hz sampler took too few readings in 0.3 s";
  EXPECT_LE(s.front().t_s, t0);
  EXPECT_GE(s.back().t_s, t1);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_LT(s[i - 1].t_s, s[i].t_s);
  const PowerWindow w = summarize_power(s, t0, t1);
  ASSERT_TRUE(w.valid);
  const double exact = source.exact_energy(t0, t1);
  EXPECT_NEAR(*w.energy_integrated_j, exact, 0.01 * exact);
  EXPECT_NEAR(*w.energy_counter_j, exact, 0.01 * exact);
  EXPECT_GT(sampler.mean_read_ms(), 0.0);
}

TEST(PowerSampler, StopsPromptlyAtALowRate) {
  ScriptedPowerSource source([](double) { return 1.0; }, false, 0);
  PowerSampler sampler(source, 0.5);  // one reading every 2 s
  sampler.start();
  const double t0 = now_s();
  sampler.stop();
  EXPECT_LT(now_s() - t0, 0.5);
  EXPECT_EQ(sampler.samples().size(), 2u);  // the start and stop readings
}

// --- RAPL on a fake sysfs tree -------------------------------------------------------------------------------

class FakePowercap {
 public:
  FakePowercap() {
    root_ =
        fs::temp_directory_path() / ("dnncost_powercap_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~FakePowercap() { fs::remove_all(root_); }
  std::string root() const { return root_.string(); }
  // A zone directory (relative to the root) with its name, counter and range.
  void zone(const std::string& rel, const std::string& name, uint64_t energy_uj, uint64_t max_uj = 262143328850ull) {
    fs::create_directories(root_ / rel);
    write(rel + "/name", name);
    set(rel, energy_uj);
    write(rel + "/max_energy_range_uj", std::to_string(max_uj));
  }
  void set(const std::string& rel, uint64_t energy_uj) { write(rel + "/energy_uj", std::to_string(energy_uj)); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream f(root_ / rel);
    f << text << "\n";
  }
  fs::path path(const std::string& rel) const { return root_ / rel; }

 private:
  fs::path root_;
  static int counter_;
};
int FakePowercap::counter_ = 0;

TEST(RaplPower, SumsPackagesAndDramWithoutCoreOrPsysAndHandlesWrapAround) {
  FakePowercap pc;
  const uint64_t max1 = 65712999613ull;
  pc.zone("intel-rapl:0", "package-0", 1000000);
  pc.zone("intel-rapl:0/intel-rapl:0:0", "core", 500000);
  pc.zone("intel-rapl:0/intel-rapl:0:1", "uncore", 100000);
  pc.zone("intel-rapl:0/intel-rapl:0:2", "dram", 300000);
  pc.zone("intel-rapl:1", "package-1", max1 - 1000000, max1);  // about to wrap
  pc.zone("intel-rapl:1/intel-rapl:1:0", "dram", 0);
  pc.zone("intel-rapl:2", "psys", 5000000);
  pc.zone("intel-rapl:0:0", "core", 500000);      // sysfs also lists subzones at the top level
  fs::create_directories(pc.path("intel-rapl"));  // the control type folder: no zone
  fs::create_directories(pc.path("dtpm"));

  auto rapl = make_rapl_power_source(pc.root());
  std::string why;
  ASSERT_TRUE(rapl->available(&why)) << why;
  EXPECT_EQ(rapl->sensor(), "rapl");
  const nlohmann::json d = rapl->describe();
  EXPECT_EQ(d["zones"], nlohmann::json({"package-0", "dram (package-0)", "package-1", "dram (package-1)"})) << d.dump();
  EXPECT_NE(d["not_added"].dump().find("core"), std::string::npos) << d.dump();
  EXPECT_NE(d["not_added"].dump().find("psys"), std::string::npos) << d.dump();

  const PowerSample a = rapl->read();
  ASSERT_TRUE(a.energy_j.has_value()) << a.error;
  EXPECT_DOUBLE_EQ(*a.energy_j, 0.0);
  EXPECT_FALSE(a.watts.has_value());  // power needs two readings

  pc.set("intel-rapl:0", 1000000 + 2000000);                // +2 J
  pc.set("intel-rapl:0/intel-rapl:0:0", 500000 + 1000000);  // core +1 J: inside the package's 2 J
  pc.set("intel-rapl:0/intel-rapl:0:2", 300000 + 500000);   // dram +0.5 J
  pc.set("intel-rapl:1", 500000);                           // wrapped: +1 J to the top, +0.5 J after
  pc.set("intel-rapl:1/intel-rapl:1:0", 250000);            // dram +0.25 J
  pc.set("intel-rapl:2", 5000000 + 100000000);              // psys +100 J: not added
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const PowerSample b = rapl->read();
  ASSERT_TRUE(b.energy_j.has_value()) << b.error;
  EXPECT_NEAR(*b.energy_j, 2.0 + 0.5 + 1.5 + 0.25, 1e-9);
  ASSERT_TRUE(b.watts.has_value());
  EXPECT_NEAR(*b.watts, 4.25 / (b.t_s - a.t_s), 1e-6);
  EXPECT_FALSE(b.power_is_average);
}

TEST(RaplPower, AbsentOrUnreadableSaysWhy) {
  std::string why;
  EXPECT_FALSE(make_rapl_power_source("/nonexistent/powercap")->available(&why));
  EXPECT_NE(why.find("RAPL absent"), std::string::npos) << why;
  EXPECT_NE(why.find("/nonexistent/powercap"), std::string::npos) << why;

  FakePowercap empty;
  fs::create_directories(empty.path("intel-rapl"));
  EXPECT_FALSE(make_rapl_power_source(empty.root())->available(&why));
  EXPECT_NE(why.find("no package zone"), std::string::npos) << why;

  FakePowercap garbage;
  garbage.zone("intel-rapl:0", "package-0", 1);
  garbage.write("intel-rapl:0/energy_uj", "lots");
  EXPECT_FALSE(make_rapl_power_source(garbage.root())->available(&why));
  EXPECT_NE(why.find("not readable"), std::string::npos) << why;
  EXPECT_NE(why.find("lots"), std::string::npos) << why;

  FakePowercap locked;
  locked.zone("intel-rapl:0", "package-0", 1);
  chmod(locked.path("intel-rapl:0/energy_uj").c_str(), 0);
  if (geteuid() != 0) {  // root reads files whatever their mode
    EXPECT_FALSE(make_rapl_power_source(locked.root())->available(&why));
    EXPECT_NE(why.find("only root"), std::string::npos) << why;
  }
  auto unavailable = make_rapl_power_source("/nonexistent/powercap");
  EXPECT_FALSE(unavailable->read().energy_j.has_value());  // reading anyway gives no number
}

// --- NVML ----------------------------------------------------------------------------------------------------

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_.c_str(), old_.c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

TEST(NvmlPower, MissingLibraryFailsCleanlyNamingIt) {
  std::string why;
  auto nvml = make_nvml_power_source(NvmlTarget{"0000:01:00.0", 0, 9, 0}, "/nonexistent/libnvidia-ml.so.1");
  EXPECT_EQ(nvml->sensor(), "nvml");
  EXPECT_FALSE(nvml->available(&why));
  EXPECT_NE(why.find("cannot load the NVML library /nonexistent/libnvidia-ml.so.1"), std::string::npos) << why;
  const PowerSample s = nvml->read();
  EXPECT_FALSE(s.watts || s.energy_j);
  EXPECT_FALSE(s.error.empty());
}

TEST(NvmlPower, DefaultLibraryNameIsLibnvidiaMl) {
  ScopedEnv env(kNvmlLibraryEnv, nullptr);
  auto nvml = make_nvml_power_source(NvmlTarget{});
  std::string why;
  if (nvml->available(&why)) GTEST_SKIP() << "this machine has NVML and a GPU";
  EXPECT_NE(why.find("libnvidia-ml.so.1"), std::string::npos) << why;
}

TEST(NvmlPower, ALibraryWithoutNvmlSymbolsIsRejected) {
  std::string why;
  auto nvml = make_nvml_power_source(NvmlTarget{}, "libm.so.6");
  EXPECT_FALSE(nvml->available(&why));
  EXPECT_NE(why.find("has no symbol nvmlInit_v2"), std::string::npos) << why;
}

#ifdef DNNCOST_FAKE_NVML
// Tests on tests/power/fake_nvml.cpp: the library built beside the tests, or DNNCOST_FAKE_NVML_PATH when the
// binaries were moved (tools/gpu/bundle.sh).
class FakeNvml : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("DNNCOST_FAKE_NVML_PATH");
    lib_ = env && *env ? env : DNNCOST_FAKE_NVML;
    if (!fs::exists(lib_)) GTEST_SKIP() << "the fake NVML library " << lib_ << " is not here";
  }
  std::string lib_;
};

TEST_F(FakeNvml, InstantPowerEnergyClocksAndLimit) {
  auto nvml = make_nvml_power_source(NvmlTarget{"0000:01:00.0", 0, 0, 0}, lib_);
  std::string why;
  ASSERT_TRUE(nvml->available(&why)) << why;
  const nlohmann::json d = nvml->describe();
  EXPECT_EQ(d["gpu"], "Fake GPU");
  EXPECT_EQ(d["driver"], "999.0");
  EXPECT_EQ(d["pci_bus_id"], "0000:01:00.0");
  EXPECT_EQ(d["power_reading"], "instant (NVML_FI_DEV_POWER_INSTANT)");
  const PowerSample a = nvml->read();
  EXPECT_TRUE(a.error.empty()) << a.error;
  ASSERT_TRUE(a.watts && a.energy_j);
  EXPECT_DOUBLE_EQ(*a.watts, 100.0);
  EXPECT_FALSE(a.power_is_average);
  EXPECT_DOUBLE_EQ(*a.sm_clock_mhz, 1980);
  EXPECT_DOUBLE_EQ(*a.mem_clock_mhz, 2619);
  EXPECT_DOUBLE_EQ(*a.temperature_c, 40);
  EXPECT_DOUBLE_EQ(*a.power_limit_w, 700);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const PowerSample b = nvml->read();
  EXPECT_NEAR(*b.energy_j - *a.energy_j, 100.0 * (b.t_s - a.t_s), 0.01);  // mJ counter: 1 mJ resolution
  EXPECT_FALSE(b.sm_clock_mhz.has_value());  // clocks, temperature and limit at most every 0.1 s
}

TEST_F(FakeNvml, WithoutInstantFieldFallsBackToAveragedPowerUsage) {
  ScopedEnv no_instant("FAKE_NVML_NO_INSTANT", "1");
  ScopedEnv no_energy("FAKE_NVML_NO_ENERGY", "1");
  auto hopper = make_nvml_power_source(NvmlTarget{"0000:01:00.0", 0, 9, 0}, lib_);
  std::string why;
  ASSERT_TRUE(hopper->available(&why)) << why;
  const nlohmann::json d = hopper->describe();
  EXPECT_NE(d["power_reading"].get<std::string>().find("1-second average"), std::string::npos) << d.dump();
  EXPECT_NE(d["instant_power_missing"].get<std::string>().find("Not Supported"), std::string::npos) << d.dump();
  EXPECT_NE(d["energy_counter"].get<std::string>().find("Not Supported"), std::string::npos) << d.dump();
  const PowerSample s = hopper->read();
  ASSERT_TRUE(s.watts.has_value());
  EXPECT_TRUE(s.power_is_average);
  EXPECT_FALSE(s.energy_j.has_value());

  auto volta = make_nvml_power_source(NvmlTarget{"0000:01:00.0", 0, 7, 0}, lib_);
  ASSERT_TRUE(volta->available(&why)) << why;
  EXPECT_FALSE(volta->read().power_is_average);
  EXPECT_NE(volta->describe()["power_reading"].get<std::string>().find("instantaneous"), std::string::npos);
}

TEST_F(FakeNvml, FailuresSayWhichCallFailed) {
  std::string why;
  {
    ScopedEnv init_fail("FAKE_NVML_INIT_FAIL", "1");
    EXPECT_FALSE(make_nvml_power_source(NvmlTarget{}, lib_)->available(&why));
    EXPECT_NE(why.find("nvmlInit_v2 failed: Driver Not Loaded"), std::string::npos) << why;
  }
  {
    ScopedEnv only("FAKE_NVML_PCI_BUS_ID", "0000:02:00.0");
    EXPECT_FALSE(make_nvml_power_source(NvmlTarget{"0000:01:00.0", 0, 0, 0}, lib_)->available(&why));
    EXPECT_NE(why.find("no GPU with PCI bus id 0000:01:00.0: Not Found"), std::string::npos) << why;
  }
  EXPECT_FALSE(make_nvml_power_source(NvmlTarget{"", 3, 0, 0}, lib_)->available(&why));
  EXPECT_NE(why.find("no GPU with index 3"), std::string::npos) << why;

  auto nvml = make_nvml_power_source(NvmlTarget{}, lib_);
  ASSERT_TRUE(nvml->available(&why)) << why;
  ScopedEnv lost("FAKE_NVML_FAIL_READS", "1");
  const PowerSample s = nvml->read();
  EXPECT_FALSE(s.watts || s.energy_j);
  EXPECT_NE(s.error.find("nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT): GPU is lost"), std::string::npos)
      << s.error;
}

TEST_F(FakeNvml, LibraryChosenByEnvironment) {
  ScopedEnv env(kNvmlLibraryEnv, lib_.c_str());
  auto nvml = make_nvml_power_source(NvmlTarget{});
  std::string why;
  EXPECT_TRUE(nvml->available(&why)) << why;
  EXPECT_EQ(nvml->describe()["library"], lib_);
}
#endif

// On a GPU machine: the real NVML of the first GPU (skipped, saying why, elsewhere).
TEST(NvmlPower, RealGpuReadsPlausiblePower) {
  std::string why;
  const auto gpus = cuda_devices(&why);
  if (gpus.empty()) GTEST_SKIP() << "no GPU: " << why;
  ScopedEnv env(kNvmlLibraryEnv, nullptr);
  auto nvml = make_nvml_power_source(NvmlTarget{gpus[0].pci_bus_id, 0, gpus[0].cc_major, gpus[0].cc_minor});
  ASSERT_TRUE(nvml->available(&why)) << "a GPU without NVML: " << why;
  const PowerSample s = nvml->read();
  EXPECT_TRUE(s.error.empty()) << s.error;
  ASSERT_TRUE(s.watts && s.power_limit_w) << nvml->describe().dump();
  EXPECT_GT(*s.watts, 0.0);
  EXPECT_GT(*s.power_limit_w, 0.0);
  EXPECT_LT(*s.watts, 1.5 * *s.power_limit_w);
  std::cout << "NVML on " << gpus[0].name << ": " << *s.watts << " W, limit " << *s.power_limit_w << " W, "
            << nvml->describe().dump() << "\n";
}

// --- the choice and the profile's meter ------------------------------------------------------------------------

TEST(PowerChoice, NoneAndUnknownDevicesSayWhy) {
  std::string why;
  auto none = choose_power_source("none", "cuda", 0);
  EXPECT_FALSE(none->available(&why));
  EXPECT_NE(why.find("--power none"), std::string::npos) << why;
  auto other = choose_power_source("auto", "tpu", 0);
  EXPECT_FALSE(other->available(&why));
  EXPECT_NE(why.find("'tpu'"), std::string::npos) << why;
  EXPECT_EQ(choose_power_source("auto", "ref", 0)->sensor(), "rapl");
  EXPECT_EQ(choose_power_source("auto", "cpu", 0)->sensor(), "rapl");
  EXPECT_EQ(choose_power_source("nvml", "ref", 0)->sensor(), "nvml");
}

TEST(PowerMeter, IdleThenBusyGivesDynamicPowerAndEnergyPerImage) {
  // 50 W while idle, 150 W from the moment the work starts.
  auto busy_from = std::make_shared<std::atomic<double>>(1e300);
  auto curve = [busy_from](double t) { return t < busy_from->load() ? 50.0 : 150.0; };
  PowerOptions opt;
  opt.hz = 200;
  opt.idle_seconds = 0.3;
  opt.window_seconds = 0.4;
  PowerMeter meter(opt, std::make_unique<ScriptedPowerSource>(curve, true, now_s()));
  ASSERT_TRUE(meter.measuring());
  meter.measure_idle({});
  ASSERT_TRUE(meter.idle_measured());
  EXPECT_NEAR(meter.idle_w(), 50.0, 0.05);
  busy_from->store(now_s());
  int runs = 0;
  const nlohmann::json p = meter.measure_window(
      [&] {
        ++runs;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      },
      8, {});
  ASSERT_TRUE(p["available"].get<bool>()) << p.dump();
  EXPECT_EQ(p["sensor"], "scripted");
  EXPECT_EQ(p["method"], "energy_counter");
  EXPECT_EQ(p["runs"].get<int>(), runs);
  EXPECT_EQ(p["images"].get<int>(), 8 * runs);
  EXPECT_GE(p["window_s"].get<double>(), 0.4);
  EXPECT_NEAR(p["avg_w"].get<double>(), 150.0, 0.15);
  EXPECT_NEAR(p["dynamic_w"].get<double>(), 100.0, 0.2);
  EXPECT_DOUBLE_EQ(p["peak_w"].get<double>(), 150.0);
  EXPECT_NEAR(p["energy_per_image_j"].get<double>(), p["energy_j"].get<double>() / (8.0 * runs), 1e-12);
  EXPECT_NEAR(p["energy_integrated_j"].get<double>(), p["energy_counter_j"].get<double>(),
              0.01 * p["energy_counter_j"].get<double>());
  EXPECT_GT(p["samples"].get<int>(), 10);
  EXPECT_FALSE(meter.last_window_samples().empty());
}

TEST(PowerMeter, UnavailableSourceCostsNoTimeAndHasNoNumbers) {
  PowerOptions opt;  // 5 s idle, 5 s windows: must not be waited for
  PowerMeter meter(opt, std::make_unique<UnavailablePowerSource>("rapl", "RAPL absent: test"));
  EXPECT_FALSE(meter.measuring());
  const double t0 = now_s();
  meter.measure_idle({});
  bool ran = false;
  const nlohmann::json p = meter.measure_window([&] { ran = true; }, 1, {});
  EXPECT_LT(now_s() - t0, 0.1);
  EXPECT_FALSE(ran);
  EXPECT_EQ(p, nlohmann::json({{"available", false}, {"sensor", "rapl"}, {"reason", "RAPL absent: test"}}));
  EXPECT_NE(meter.summary_line().find("unavailable (rapl: RAPL absent: test)"), std::string::npos);
}

TEST(PowerMeter, WindowZeroDisablesAndStopEndsIdlePromptly) {
  PowerOptions off;
  off.window_seconds = 0;
  PowerMeter disabled(off, std::make_unique<ScriptedPowerSource>([](double) { return 1.0; }, false, 0));
  EXPECT_FALSE(disabled.measuring());
  EXPECT_NE(disabled.unavailable_json()["reason"].get<std::string>().find("--power-window 0"), std::string::npos);

  PowerOptions opt;
  opt.idle_seconds = 30;
  PowerMeter meter(opt, std::make_unique<ScriptedPowerSource>([](double) { return 1.0; }, false, 0));
  const double t0 = now_s();
  meter.measure_idle([t0] { return now_s() - t0 > 0.1; });
  EXPECT_LT(now_s() - t0, 1.0);
  EXPECT_FALSE(meter.idle_measured());
}

TEST(PowerMeter, OptionsAreChecked) {
  PowerOptions o;
  EXPECT_NO_THROW(check_power_options(o));
  o.hz = 0;
  EXPECT_THROW(check_power_options(o), ModelError);
  o = PowerOptions();
  o.idle_seconds = -1;
  EXPECT_THROW(check_power_options(o), ModelError);
  o = PowerOptions();
  o.window_seconds = -2;
  expect_error([&] { check_power_options(o); }, {"--power-window"}, "no error for a negative window");
  o = PowerOptions();
  o.source = "oscilloscope";
  EXPECT_THROW(check_power_options(o), ModelError);
}

}  // namespace
}  // namespace dnncost
