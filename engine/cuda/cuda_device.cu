// CUDA runtime queries: GPU list and library versions.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

#include "engine/cuda/cuda_device.h"
#include "kernels/cuda/cuda_check.h"

namespace dnncost {

std::vector<CudaDeviceInfo> cuda_devices(std::string* why) {
  std::vector<CudaDeviceInfo> out;
  int n = 0;
  cudaError_t st = cudaGetDeviceCount(&n);
  if (st != cudaSuccess) {
    if (why) {
      // Without a driver the runtime says "driver version is insufficient"; say what is actually missing.
      if (st == cudaErrorInsufficientDriver || st == cudaErrorNoDevice)
        *why = std::string("no NVIDIA GPU or driver on this machine (the CUDA runtime: ") + cudaGetErrorString(st) +
               ")";
      else
        *why = std::string("no usable NVIDIA GPU: ") + cudaGetErrorString(st);
    }
    return out;
  }
  if (n == 0 && why) *why = "no NVIDIA GPU found by the CUDA runtime";
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    DNNCOST_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    CudaDeviceInfo d;
    d.index = i;
    d.name = p.name;
    char bus[32] = {0};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) d.pci_bus_id = bus;
    d.total_memory = p.totalGlobalMem;
    d.cc_major = p.major;
    d.cc_minor = p.minor;
    out.push_back(d);
  }
  return out;
}

int64_t cuda_free_memory(int index, std::string* why) {
  int previous = 0;
  cudaError_t st = cudaGetDevice(&previous);
  if (st == cudaSuccess) st = cudaSetDevice(index);
  size_t free_bytes = 0, total_bytes = 0;
  if (st == cudaSuccess) st = cudaMemGetInfo(&free_bytes, &total_bytes);
  cudaSetDevice(previous);
  if (st != cudaSuccess) {
    if (why) *why = std::string("cudaMemGetInfo: ") + cudaGetErrorString(st);
    return -1;
  }
  return static_cast<int64_t>(free_bytes);
}

std::string cuda_build_versions() {
  return "CUDA " + std::to_string(CUDART_VERSION / 1000) + "." + std::to_string((CUDART_VERSION % 1000) / 10) +
         ", cuDNN " + std::to_string(CUDNN_MAJOR) + "." + std::to_string(CUDNN_MINOR) + "." +
         std::to_string(CUDNN_PATCHLEVEL) + ", cuBLAS " + std::to_string(CUBLAS_VER_MAJOR) + "." +
         std::to_string(CUBLAS_VER_MINOR);
}

}  // namespace dnncost
