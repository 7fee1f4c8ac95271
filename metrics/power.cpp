// The scripted power source (tests) and the choice of power source for a device.
#include "metrics/power.h"

#include <algorithm>
#include <cmath>

#include "engine/cuda/cuda_device.h"
#include "metrics/timing.h"

namespace dnncost {

ScriptedPowerSource::ScriptedPowerSource(std::function<double(double)> watts_at, bool with_counter, double t_origin)
    : watts_at_(std::move(watts_at)), with_counter_(with_counter), counter_t_(t_origin) {}

double ScriptedPowerSource::exact_energy(double t0, double t1) const {
  if (t1 <= t0) return 0;
  // Midpoint rule on steps of at most 10 microseconds: exact for piecewise-linear curves up to the steps that
  // hold a discontinuity (at most 10 us times the jump each).
  const int64_t steps = std::max<int64_t>(100, static_cast<int64_t>(std::ceil((t1 - t0) / 1e-5)));
  const double h = (t1 - t0) / static_cast<double>(steps);
  double sum = 0;
  for (int64_t i = 0; i < steps; ++i) sum += watts_at_(t0 + (static_cast<double>(i) + 0.5) * h);
  return sum * h;
}

PowerSample ScriptedPowerSource::read() {
  PowerSample s;
  s.t_s = now_s();
  s.watts = watts_at_(s.t_s);
  if (with_counter_) {
    counter_j_ += exact_energy(counter_t_, s.t_s);
    counter_t_ = std::max(counter_t_, s.t_s);
    s.energy_j = counter_j_;
  }
  return s;
}

namespace {

// NVML for the profiled GPU (by its PCI bus id), or for the first GPU when the device is not a GPU; NVML's
// own index 0 when the CUDA runtime lists no GPU (a CPU-only build on a GPU machine, or a test's fake NVML).
std::unique_ptr<PowerSource> nvml_for(const std::string& device_kind, int device_index) {
  std::string why;
  const std::vector<CudaDeviceInfo> gpus = cuda_devices(&why);
  NvmlTarget target;
  if (!gpus.empty()) {
    const int i = device_kind == "cuda" ? device_index : 0;
    if (i < 0 || i >= static_cast<int>(gpus.size()))
      return std::make_unique<UnavailablePowerSource>("nvml", "no GPU cuda:" + std::to_string(i));
    target.pci_bus_id = gpus[static_cast<size_t>(i)].pci_bus_id;
    target.cc_major = gpus[static_cast<size_t>(i)].cc_major;
    target.cc_minor = gpus[static_cast<size_t>(i)].cc_minor;
  }
  auto nvml = make_nvml_power_source(target);
  std::string reason;
  if (nvml->available(&reason)) return nvml;
  if (gpus.empty()) reason = "no GPU (" + why + "); NVML: " + reason;
  return std::make_unique<UnavailablePowerSource>("nvml", reason);
}

std::unique_ptr<PowerSource> rapl() {
  auto r = make_rapl_power_source();
  std::string reason;
  if (r->available(&reason)) return r;
  return std::make_unique<UnavailablePowerSource>("rapl", reason);
}

}  // namespace

std::unique_ptr<PowerSource> choose_power_source(const std::string& choice, const std::string& device_kind,
                                                 int device_index) {
  if (choice == "none")
    return std::make_unique<UnavailablePowerSource>("none", "power measurement disabled (--power none)");
  if (choice == "nvml") return nvml_for(device_kind, device_index);
  if (choice == "rapl") return rapl();
  if (choice != "auto")
    return std::make_unique<UnavailablePowerSource>(
        "none", "unknown power source '" + choice + "' (expected auto, nvml, rapl or none)");
  if (device_kind == "cuda") return nvml_for(device_kind, device_index);
  if (device_kind == "cpu" || device_kind == "ref") return rapl();
  return std::make_unique<UnavailablePowerSource>("none",
                                                  "no power sensor is known for the device '" + device_kind + "'");
}

}  // namespace dnncost
