// Power sources: what a sensor says about power and energy at one instant. NVML (GPU, loaded at run time),
// RAPL through /sys/class/powercap (CPU packages and their DRAM), a scripted source for tests, and the choice
// of source for a device. A source that cannot measure says so and why; it never makes a number up.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dnncost {

// One reading. Every number is optional: a field the sensor does not have (or whose read failed) is empty.
struct PowerSample {
  double t_s = 0;                       // now_s() when the reading was taken (metrics/timing.h clock)
  std::optional<double> watts;          // power now (or averaged: see power_is_average)
  bool power_is_average = false;        // watts is the sensor's own moving average (NVML on Ampere and newer)
  std::optional<double> energy_j;       // cumulative energy counter in joules (origin arbitrary; deltas count)
  std::optional<double> sm_clock_mhz;   // GPU: SM clock
  std::optional<double> mem_clock_mhz;  // GPU: memory clock
  std::optional<double> temperature_c;  // GPU: die temperature
  std::optional<double> power_limit_w;  // GPU: enforced power limit
  std::string error;                    // first failed sensor call of this reading ("" when all succeeded)
};

class PowerSource {
 public:
  virtual ~PowerSource() = default;
  // "nvml", "rapl", "scripted", "none".
  virtual std::string sensor() const = 0;
  // True when read() gives power or energy. Otherwise *reason says why (library missing, no such device,
  // counters not readable, ...). Cheap after the first call (the answer is remembered).
  virtual bool available(std::string* reason) = 0;
  // One reading, timestamped with now_s(). Only meaningful when available().
  virtual PowerSample read() = 0;
  // What exactly is measured: device name, zones, which power reading ("instant", "1-second average", ...).
  virtual nlohmann::json describe() const { return nlohmann::json::object(); }
};

// --- NVML (metrics/power_nvml.cpp) ---------------------------------------------------------------------------

// The GPU whose power NVML reports: by PCI bus id (as cudaDeviceGetPCIBusId writes it) or, when the bus id
// is empty, by NVML's own index. cc_major/cc_minor (0 when unknown) tell whether nvmlDeviceGetPowerUsage is a
// 1-second average (Ampere and newer except GA100) in case the instant-power field is missing.
struct NvmlTarget {
  std::string pci_bus_id;
  unsigned nvml_index = 0;
  int cc_major = 0, cc_minor = 0;
};

// The NVML library loaded by default, and the environment variable that overrides it (a path or a name).
constexpr const char* kNvmlLibrary = "libnvidia-ml.so.1";
constexpr const char* kNvmlLibraryEnv = "DNNCOST_NVML_LIBRARY";

// NVML through dlopen: no NVML headers or development package at build time. `library` empty: the
// environment variable above, else kNvmlLibrary.
std::unique_ptr<PowerSource> make_nvml_power_source(const NvmlTarget& target, const std::string& library = "");

// --- RAPL (metrics/power_rapl.cpp) ---------------------------------------------------------------------------

constexpr const char* kPowercapRoot = "/sys/class/powercap";

// Package zones intel-rapl:N and their dram subzones under `root` (core/uncore subzones are parts of the
// package and are not added; psys is not added either: it overlaps the packages). Power from energy deltas.
std::unique_ptr<PowerSource> make_rapl_power_source(const std::string& root = kPowercapRoot);

// --- Scripted (tests) ----------------------------------------------------------------------------------------

// A source whose power is a function of time (seconds on the now_s() clock); with_counter adds an energy
// counter, the exact integral of the curve since `t_origin` (computed numerically, fine steps).
class ScriptedPowerSource : public PowerSource {
 public:
  ScriptedPowerSource(std::function<double(double)> watts_at, bool with_counter, double t_origin);
  std::string sensor() const override { return "scripted"; }
  bool available(std::string* reason) override { return true; }
  PowerSample read() override;
  // Energy in joules between t0 and t1 by fine midpoint integration of the curve (the test's truth).
  double exact_energy(double t0, double t1) const;

 private:
  std::function<double(double)> watts_at_;
  bool with_counter_;
  double counter_t_;  // the counter is integrated up to here
  double counter_j_ = 0;
};

// --- None and the choice ---------------------------------------------------------------------------------

class UnavailablePowerSource : public PowerSource {
 public:
  UnavailablePowerSource(std::string sensor, std::string reason)
      : sensor_(std::move(sensor)), reason_(std::move(reason)) {}
  std::string sensor() const override { return sensor_; }
  bool available(std::string* reason) override {
    if (reason) *reason = reason_;
    return false;
  }
  PowerSample read() override { return {}; }

 private:
  std::string sensor_, reason_;
};

// `choice`: "auto" (cuda -> NVML of that GPU; cpu/ref -> RAPL), "nvml", "rapl" or "none". `device_kind` and
// `device_index` are the profiled device's. Always returns a source; when nothing can measure it is an
// unavailable one whose reason names each source tried and why it failed.
std::unique_ptr<PowerSource> choose_power_source(const std::string& choice, const std::string& device_kind,
                                                 int device_index);

}  // namespace dnncost
