// What the CUDA runtime says about the GPUs of this machine (also answers in CPU-only builds).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnncost {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  std::string pci_bus_id;
  size_t total_memory = 0;
  int cc_major = 0, cc_minor = 0;
};

// Lists the GPUs. When there are none (no GPU, no driver, or a CPU-only build) returns an empty list and
// sets *why to the reason.
std::vector<CudaDeviceInfo> cuda_devices(std::string* why);

// Free memory of GPU `index` in bytes (cudaMemGetInfo), or -1 with *why set when it cannot be read.
int64_t cuda_free_memory(int index, std::string* why);

// Versions the build was compiled with ("" in CPU-only builds).
std::string cuda_build_versions();

}  // namespace dnncost
