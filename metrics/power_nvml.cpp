// NVML power source: libnvidia-ml.so.1 opened with dlopen at run time, so neither the build nor a machine
// without an NVIDIA driver needs NVML. The few functions, types and constants used are declared here with
// their C signatures from NVIDIA's NVML API reference (nvml.h): no NVML header is needed.
//
// Power: the instant-power field (NVML_FI_DEV_POWER_INSTANT via nvmlDeviceGetFieldValues) where the driver
// and GPU have it, else nvmlDeviceGetPowerUsage, which is a 1-second average on Ampere and newer (except
// GA100). Energy: nvmlDeviceGetTotalEnergyConsumption (mJ since the driver loaded; Volta and newer). Beside
// them, at most every 0.1 s: SM and memory clocks, GPU temperature, enforced power limit.
#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "metrics/power.h"
#include "metrics/power_source_common.h"

namespace dnncost {
namespace {

// --- the NVML ABI used (nvml.h) ------------------------------------------------------------------------------
using nvmlReturn_t = int;                    // enum nvmlReturn_enum
using nvmlDevice_t = struct nvmlDevice_st*;  // opaque handle
constexpr nvmlReturn_t NVML_SUCCESS = 0;
constexpr unsigned NVML_FI_DEV_POWER_INSTANT = 186;  // current GPU power in mW
constexpr int NVML_CLOCK_SM = 1;                     // nvmlClockType_t
constexpr int NVML_CLOCK_MEM = 2;
constexpr int NVML_TEMPERATURE_GPU = 0;  // nvmlTemperatureSensors_t
enum NvmlValueType : int {               // nvmlValueType_t
  NVML_VALUE_TYPE_DOUBLE = 0,
  NVML_VALUE_TYPE_UNSIGNED_INT = 1,
  NVML_VALUE_TYPE_UNSIGNED_LONG = 2,
  NVML_VALUE_TYPE_UNSIGNED_LONG_LONG = 3,
  NVML_VALUE_TYPE_SIGNED_LONG_LONG = 4,
  NVML_VALUE_TYPE_SIGNED_INT = 5,
  NVML_VALUE_TYPE_UNSIGNED_SHORT = 6,
};
union nvmlValue_t {
  double dVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  long long sllVal;
  int siVal;
  unsigned short usVal;
};
struct nvmlFieldValue_t {
  unsigned int fieldId;
  unsigned int scopeId;  // "unused" in older headers: must be 0
  long long timestamp;
  long long latencyUsec;
  int valueType;  // NvmlValueType
  nvmlReturn_t nvmlReturn;
  nvmlValue_t value;
};
static_assert(sizeof(nvmlFieldValue_t) == 40, "nvmlFieldValue_t must match nvml.h's layout");

// The functions, resolved with dlsym. Required ones fail the source when missing; optional ones are nullptr.
struct NvmlApi {
  nvmlReturn_t (*init_v2)() = nullptr;                                           // nvmlInit_v2
  nvmlReturn_t (*shutdown)() = nullptr;                                          // nvmlShutdown
  const char* (*error_string)(nvmlReturn_t) = nullptr;                           // nvmlErrorString
  nvmlReturn_t (*handle_by_pci_bus_id)(const char*, nvmlDevice_t*) = nullptr;    // ..._v2
  nvmlReturn_t (*handle_by_index)(unsigned, nvmlDevice_t*) = nullptr;            // ..._v2
  nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned*) = nullptr;                // mW
  nvmlReturn_t (*field_values)(nvmlDevice_t, int, nvmlFieldValue_t*) = nullptr;  // optional
  nvmlReturn_t (*total_energy)(nvmlDevice_t, unsigned long long*) = nullptr;     // mJ, optional
  nvmlReturn_t (*enforced_power_limit)(nvmlDevice_t, unsigned*) = nullptr;       // mW, optional
  nvmlReturn_t (*clock_info)(nvmlDevice_t, int, unsigned*) = nullptr;            // MHz, optional
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;           // C, optional
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;                 // optional
  nvmlReturn_t (*compute_capability)(nvmlDevice_t, int*, int*) = nullptr;        // optional
  nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;                     // optional
};

bool field_as_double(const nvmlFieldValue_t& f, double* out) {
  switch (f.valueType) {
    case NVML_VALUE_TYPE_DOUBLE:
      *out = f.value.dVal;
      return true;
    case NVML_VALUE_TYPE_UNSIGNED_INT:
      *out = f.value.uiVal;
      return true;
    case NVML_VALUE_TYPE_UNSIGNED_LONG:
      *out = static_cast<double>(f.value.ulVal);
      return true;
    case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG:
      *out = static_cast<double>(f.value.ullVal);
      return true;
    case NVML_VALUE_TYPE_SIGNED_LONG_LONG:
      *out = static_cast<double>(f.value.sllVal);
      return true;
    case NVML_VALUE_TYPE_SIGNED_INT:
      *out = f.value.siVal;
      return true;
    case NVML_VALUE_TYPE_UNSIGNED_SHORT:
      *out = f.value.usVal;
      return true;
    default:
      return false;
  }
}

class NvmlPowerSource : public OpenedOncePowerSource {
 public:
  NvmlPowerSource(NvmlTarget target, std::string library)
      : OpenedOncePowerSource("nvml", "NVML"), target_(std::move(target)), library_(std::move(library)) {}
  ~NvmlPowerSource() override {
    if (initialized_ && api_.shutdown) api_.shutdown();
    if (lib_) dlclose(lib_);
  }
  NvmlPowerSource(const NvmlPowerSource&) = delete;
  NvmlPowerSource& operator=(const NvmlPowerSource&) = delete;

  nlohmann::json describe() const override {
    nlohmann::json j = {{"library", library_}};
    if (!opened()) return j;
    j["gpu"] = gpu_name_;
    j["pci_bus_id"] = target_.pci_bus_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(target_.pci_bus_id);
    if (target_.pci_bus_id.empty()) j["nvml_index"] = target_.nvml_index;
    if (!driver_.empty()) j["driver"] = driver_;
    j["power_reading"] = instant_ ? "instant (NVML_FI_DEV_POWER_INSTANT)" : power_usage_description_;
    j["energy_counter"] = energy_ ? nlohmann::json("nvmlDeviceGetTotalEnergyConsumption (mJ)")
                                  : nlohmann::json("none: " + energy_missing_);
    if (!instant_) j["instant_power_missing"] = instant_missing_;
    j["scope"] = "whole board (GPU and its memory), every process on this GPU";
    return j;
  }

 private:
  // The power and energy reads: s->t_s is their middle.
  void read_sensor(PowerSample* s) override {
    if (instant_) {
      nvmlFieldValue_t f{};
      f.fieldId = NVML_FI_DEV_POWER_INSTANT;
      const nvmlReturn_t rc = api_.field_values(device_, 1, &f);
      double mw = 0;
      if (rc != NVML_SUCCESS)
        note(s, "nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT)", rc);
      else if (f.nvmlReturn != NVML_SUCCESS)
        note(s, "NVML_FI_DEV_POWER_INSTANT", f.nvmlReturn);
      else if (!field_as_double(f, &mw))
        s->error = "NVML_FI_DEV_POWER_INSTANT: unknown value type " + std::to_string(f.valueType);
      else
        s->watts = mw / 1000.0;
    } else {
      unsigned mw = 0;
      const nvmlReturn_t rc = api_.power_usage(device_, &mw);
      if (rc == NVML_SUCCESS)
        s->watts = mw / 1000.0;
      else
        note(s, "nvmlDeviceGetPowerUsage", rc);
      s->power_is_average = power_is_average_;
    }
    if (energy_) {
      unsigned long long mj = 0;
      const nvmlReturn_t rc = api_.total_energy(device_, &mj);
      if (rc == NVML_SUCCESS)
        s->energy_j = static_cast<double>(mj) / 1000.0;
      else
        note(s, "nvmlDeviceGetTotalEnergyConsumption", rc);
    }
  }

  // The slow-changing values, after the timed reads and at most 10 times a second.
  void finish(PowerSample* s, double t_after) override {
    if (t_after - last_aux_t_ < 0.1) return;
    last_aux_t_ = t_after;
    unsigned v = 0;
    if (api_.clock_info) {
      if (api_.clock_info(device_, NVML_CLOCK_SM, &v) == NVML_SUCCESS) s->sm_clock_mhz = v;
      if (api_.clock_info(device_, NVML_CLOCK_MEM, &v) == NVML_SUCCESS) s->mem_clock_mhz = v;
    }
    if (api_.temperature && api_.temperature(device_, NVML_TEMPERATURE_GPU, &v) == NVML_SUCCESS) s->temperature_c = v;
    if (api_.enforced_power_limit && api_.enforced_power_limit(device_, &v) == NVML_SUCCESS)
      s->power_limit_w = v / 1000.0;
  }

  std::string err(nvmlReturn_t rc) const {
    const char* e = api_.error_string ? api_.error_string(rc) : nullptr;
    return std::string(e ? e : "unknown error") + " (NVML status " + std::to_string(rc) + ")";
  }
  void note(PowerSample* s, const char* call, nvmlReturn_t rc) const {
    if (s->error.empty()) s->error = std::string(call) + ": " + err(rc);
  }

  template <class F>
  bool resolve(F* fn, const char* symbol, bool required, std::string* why) {
    dlerror();
    void* p = dlsym(lib_, symbol);
    *fn = reinterpret_cast<F>(p);
    if (!p && required) {
      *why = library_ + " has no symbol " + symbol + " (an NVIDIA driver too old for dnncost, or not NVML)";
      return false;
    }
    return true;
  }

  bool open(std::string* why) override {
    dlerror();
    lib_ = dlopen(library_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib_) {
      const char* e = dlerror();
      *why = "cannot load the NVML library " + library_ + " (" + std::string(e ? e : "dlopen failed") +
             "): no NVIDIA driver on this machine, or its library is not on the loader's path";
      return false;
    }
    const bool by_bus = !target_.pci_bus_id.empty();
    if (!resolve(&api_.init_v2, "nvmlInit_v2", true, why) || !resolve(&api_.shutdown, "nvmlShutdown", true, why) ||
        !resolve(&api_.error_string, "nvmlErrorString", true, why) ||
        !resolve(&api_.power_usage, "nvmlDeviceGetPowerUsage", true, why))
      return false;
    if (by_bus ? !resolve(&api_.handle_by_pci_bus_id, "nvmlDeviceGetHandleByPciBusId_v2", true, why)
               : !resolve(&api_.handle_by_index, "nvmlDeviceGetHandleByIndex_v2", true, why))
      return false;
    resolve(&api_.field_values, "nvmlDeviceGetFieldValues", false, why);
    resolve(&api_.total_energy, "nvmlDeviceGetTotalEnergyConsumption", false, why);
    resolve(&api_.enforced_power_limit, "nvmlDeviceGetEnforcedPowerLimit", false, why);
    resolve(&api_.clock_info, "nvmlDeviceGetClockInfo", false, why);
    resolve(&api_.temperature, "nvmlDeviceGetTemperature", false, why);
    resolve(&api_.name, "nvmlDeviceGetName", false, why);
    resolve(&api_.compute_capability, "nvmlDeviceGetCudaComputeCapability", false, why);
    resolve(&api_.driver_version, "nvmlSystemGetDriverVersion", false, why);

    nvmlReturn_t rc = api_.init_v2();
    if (rc != NVML_SUCCESS) {
      *why = "nvmlInit_v2 failed: " + err(rc);
      return false;
    }
    initialized_ = true;
    rc = by_bus ? api_.handle_by_pci_bus_id(target_.pci_bus_id.c_str(), &device_)
                : api_.handle_by_index(target_.nvml_index, &device_);
    if (rc != NVML_SUCCESS) {
      *why = (by_bus ? "NVML has no GPU with PCI bus id " + target_.pci_bus_id
                     : "NVML has no GPU with index " + std::to_string(target_.nvml_index)) +
             ": " + err(rc);
      return false;
    }
    char text[96] = {0};
    gpu_name_ = api_.name && api_.name(device_, text, sizeof text) == NVML_SUCCESS ? std::string(text) : "unknown";
    if (api_.driver_version && api_.driver_version(text, sizeof text) == NVML_SUCCESS) driver_ = text;
    if (target_.cc_major == 0 && api_.compute_capability) {
      int major = 0, minor = 0;
      if (api_.compute_capability(device_, &major, &minor) == NVML_SUCCESS) {
        target_.cc_major = major;
        target_.cc_minor = minor;
      }
    }

    // Instant power where the field exists.
    if (api_.field_values) {
      nvmlFieldValue_t f{};
      f.fieldId = NVML_FI_DEV_POWER_INSTANT;
      rc = api_.field_values(device_, 1, &f);
      double mw = 0;
      if (rc != NVML_SUCCESS)
        instant_missing_ = "nvmlDeviceGetFieldValues: " + err(rc);
      else if (f.nvmlReturn != NVML_SUCCESS)
        instant_missing_ = "NVML_FI_DEV_POWER_INSTANT: " + err(f.nvmlReturn);
      else if (!field_as_double(f, &mw))
        instant_missing_ = "NVML_FI_DEV_POWER_INSTANT: unknown value type";
      else
        instant_ = true;
    } else {
      instant_missing_ = library_ + " has no nvmlDeviceGetFieldValues";
    }
    if (!instant_) {
      unsigned mw = 0;
      rc = api_.power_usage(device_, &mw);
      if (rc != NVML_SUCCESS) {
        *why = "no power reading for " + gpu_name_ + ": instant field: " + instant_missing_ +
               "; nvmlDeviceGetPowerUsage: " + err(rc);
        return false;
      }
      // nvmlDeviceGetPowerUsage averages over 1 s on Ampere and newer, except GA100 (compute capability 8.0).
      const int cc = target_.cc_major * 10 + target_.cc_minor;
      if (cc == 0) {
        power_is_average_ = true;  // unknown architecture: assume the worse case
        power_usage_description_ = "nvmlDeviceGetPowerUsage (architecture unknown: may be a 1-second average)";
      } else if (cc > 80) {
        power_is_average_ = true;
        power_usage_description_ = "nvmlDeviceGetPowerUsage (a 1-second average on this GPU, compute capability " +
                                   std::to_string(target_.cc_major) + "." + std::to_string(target_.cc_minor) + ")";
      } else {
        power_usage_description_ = "nvmlDeviceGetPowerUsage (instantaneous on this GPU, compute capability " +
                                   std::to_string(target_.cc_major) + "." + std::to_string(target_.cc_minor) + ")";
      }
    }
    if (api_.total_energy) {
      unsigned long long mj = 0;
      rc = api_.total_energy(device_, &mj);
      if (rc == NVML_SUCCESS)
        energy_ = true;
      else
        energy_missing_ = "nvmlDeviceGetTotalEnergyConsumption: " + err(rc) + " (Volta and newer have it)";
    } else {
      energy_missing_ = library_ + " has no nvmlDeviceGetTotalEnergyConsumption";
    }
    return true;
  }

  NvmlTarget target_;
  std::string library_;
  void* lib_ = nullptr;
  NvmlApi api_;
  bool initialized_ = false;
  nvmlDevice_t device_ = nullptr;
  std::string gpu_name_, driver_;
  bool instant_ = false, energy_ = false, power_is_average_ = false;
  std::string instant_missing_, energy_missing_, power_usage_description_;
  double last_aux_t_ = -1e300;
};

}  // namespace

std::unique_ptr<PowerSource> make_nvml_power_source(const NvmlTarget& target, const std::string& library) {
  std::string lib = library;
  if (lib.empty()) {
    const char* env = std::getenv(kNvmlLibraryEnv);
    lib = env && *env ? env : kNvmlLibrary;
  }
  return std::make_unique<NvmlPowerSource>(target, lib);
}

}  // namespace dnncost
