// A fake libnvidia-ml for tests on machines without an NVIDIA GPU: the NVML functions dnncost loads, with the
// C signatures of nvml.h, answering for one pretend GPU. Its power is FAKE_NVML_WATTS (default 100 W) and its
// energy counter the exact integral of that power over time (CLOCK_MONOTONIC), so every summary of its readings
// has a known answer. Behaviour is chosen per call by environment variables:
//   FAKE_NVML_INIT_FAIL=1     nvmlInit_v2 answers NVML_ERROR_DRIVER_NOT_LOADED
//   FAKE_NVML_PCI_BUS_ID=ID   the only bus id the GPU answers to (default: any)
//   FAKE_NVML_NO_INSTANT=1    NVML_FI_DEV_POWER_INSTANT is not supported (nvmlDeviceGetPowerUsage is used)
//   FAKE_NVML_NO_ENERGY=1     nvmlDeviceGetTotalEnergyConsumption is not supported
//   FAKE_NVML_FAIL_READS=1    every power and energy read fails with NVML_ERROR_GPU_IS_LOST
//   FAKE_NVML_WATTS=W         the constant power
#include <strings.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

constexpr int kSuccess = 0, kInvalidArgument = 2, kNotSupported = 3, kNotFound = 6, kDriverNotLoaded = 9,
              kGpuIsLost = 15;

struct FieldValue {  // nvmlFieldValue_t
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;
  long long latencyUsec;
  int valueType;
  int nvmlReturn;
  union {
    double dVal;
    unsigned int uiVal;
    unsigned long ulVal;
    unsigned long long ullVal;
    long long sllVal;
    int siVal;
    unsigned short usVal;
  } value;
};

int the_gpu = 0;  // the handle's target

bool flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

double watts() {
  const char* v = std::getenv("FAKE_NVML_WATTS");
  return v && *v ? std::atof(v) : 100.0;
}

double monotonic_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

bool valid(void* device) { return device == &the_gpu; }

}  // namespace

extern "C" {

int nvmlInit_v2() { return flag("FAKE_NVML_INIT_FAIL") ? kDriverNotLoaded : kSuccess; }
int nvmlShutdown() { return kSuccess; }

const char* nvmlErrorString(int rc) {
  switch (rc) {
    case kSuccess:
      return "Success";
    case kInvalidArgument:
      return "Invalid Argument";
    case kNotSupported:
      return "Not Supported";
    case kNotFound:
      return "Not Found";
    case kDriverNotLoaded:
      return "Driver Not Loaded";
    case kGpuIsLost:
      return "GPU is lost";
    default:
      return "Unknown Error";
  }
}

int nvmlDeviceGetHandleByPciBusId_v2(const char* bus_id, void** device) {
  if (!bus_id || !device) return kInvalidArgument;
  const char* only = std::getenv("FAKE_NVML_PCI_BUS_ID");
  if (only && *only && strcasecmp(only, bus_id) != 0) return kNotFound;
  *device = &the_gpu;
  return kSuccess;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned index, void** device) {
  if (!device) return kInvalidArgument;
  if (index != 0) return kInvalidArgument;
  *device = &the_gpu;
  return kSuccess;
}

int nvmlDeviceGetName(void* device, char* name, unsigned length) {
  if (!valid(device) || !name || length < 9) return kInvalidArgument;
  std::strcpy(name, "Fake GPU");
  return kSuccess;
}

int nvmlSystemGetDriverVersion(char* version, unsigned length) {
  if (!version || length < 6) return kInvalidArgument;
  std::strcpy(version, "999.0");
  return kSuccess;
}

int nvmlDeviceGetCudaComputeCapability(void* device, int* major, int* minor) {
  if (!valid(device) || !major || !minor) return kInvalidArgument;
  *major = 9;
  *minor = 0;
  return kSuccess;
}

int nvmlDeviceGetPowerUsage(void* device, unsigned* milliwatts) {
  if (!valid(device) || !milliwatts) return kInvalidArgument;
  if (flag("FAKE_NVML_FAIL_READS")) return kGpuIsLost;
  *milliwatts = static_cast<unsigned>(watts() * 1000.0 + 0.5);
  return kSuccess;
}

int nvmlDeviceGetFieldValues(void* device, int count, FieldValue* values) {
  if (!valid(device) || count < 0 || (count > 0 && !values)) return kInvalidArgument;
  if (flag("FAKE_NVML_FAIL_READS")) return kGpuIsLost;
  for (int i = 0; i < count; ++i) {
    FieldValue& f = values[i];
    if (f.fieldId == 186 && !flag("FAKE_NVML_NO_INSTANT")) {  // NVML_FI_DEV_POWER_INSTANT, in mW
      f.valueType = 1;                                        // NVML_VALUE_TYPE_UNSIGNED_INT
      f.value.uiVal = static_cast<unsigned>(watts() * 1000.0 + 0.5);
      f.nvmlReturn = kSuccess;
    } else {
      f.nvmlReturn = kNotSupported;
    }
  }
  return kSuccess;
}

int nvmlDeviceGetTotalEnergyConsumption(void* device, unsigned long long* millijoules) {
  if (!valid(device) || !millijoules) return kInvalidArgument;
  if (flag("FAKE_NVML_NO_ENERGY")) return kNotSupported;
  if (flag("FAKE_NVML_FAIL_READS")) return kGpuIsLost;
  *millijoules = static_cast<unsigned long long>(watts() * monotonic_s() * 1000.0);
  return kSuccess;
}

int nvmlDeviceGetEnforcedPowerLimit(void* device, unsigned* milliwatts) {
  if (!valid(device) || !milliwatts) return kInvalidArgument;
  *milliwatts = 700000;
  return kSuccess;
}

int nvmlDeviceGetClockInfo(void* device, int type, unsigned* mhz) {
  if (!valid(device) || !mhz) return kInvalidArgument;
  if (type == 1)
    *mhz = 1980;  // NVML_CLOCK_SM
  else if (type == 2)
    *mhz = 2619;  // NVML_CLOCK_MEM
  else
    return kNotSupported;
  return kSuccess;
}

int nvmlDeviceGetTemperature(void* device, int sensor, unsigned* celsius) {
  if (!valid(device) || !celsius || sensor != 0) return kInvalidArgument;
  *celsius = 40;
  return kSuccess;
}

}  // extern "C"
