// CPU-only builds: the GPU queries answer that this build has no CUDA device.
#ifndef DNNCOST_HAVE_CUDA
#include "engine/cuda/cuda_device.h"

namespace dnncost {

std::vector<CudaDeviceInfo> cuda_devices(std::string* why) {
  if (why) *why = "this dnncost was built without CUDA (nvcc or cuDNN were not found at build time)";
  return {};
}

int64_t cuda_free_memory(int, std::string* why) {
  if (why) *why = "this dnncost was built without CUDA";
  return -1;
}

std::string cuda_build_versions() { return ""; }

}  // namespace dnncost
#endif
