#include "kernels/cuda/cuda_kernel.h"

#include <cstring>

namespace dnncost::cuda {

const char* math_name(MathMode m) {
  switch (m) {
    case MathMode::kFp32: return "fp32";
    case MathMode::kTf32: return "tf32";
    case MathMode::kFp16: return "fp16";
  }
  return "fp32";
}

cublasComputeType_t cublas_compute_type(MathMode m) {
  switch (m) {
    case MathMode::kFp32: return CUBLAS_COMPUTE_32F;
    case MathMode::kTf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case MathMode::kFp16: return CUBLAS_COMPUTE_32F_FAST_16F;
  }
  return CUBLAS_COMPUTE_32F;
}

const char* cublas_compute_name(MathMode m) {
  switch (m) {
    case MathMode::kFp32: return "CUBLAS_COMPUTE_32F";
    case MathMode::kTf32: return "CUBLAS_COMPUTE_32F_FAST_TF32";
    case MathMode::kFp16: return "CUBLAS_COMPUTE_32F_FAST_16F";
  }
  return "CUBLAS_COMPUTE_32F";
}

size_t CudaKernel::add_constant(const void* bytes, size_t n) {
  std::vector<unsigned char> c(n);
  if (n) std::memcpy(c.data(), bytes, n);
  constants.push_back(std::move(c));
  return constants.size() - 1;
}

KernelRegistry& KernelRegistry::instance() {
  static KernelRegistry r;
  return r;
}


}  // namespace dnncost::cuda
