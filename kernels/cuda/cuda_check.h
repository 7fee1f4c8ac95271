// Check macros for CUDA runtime, cuDNN and cuBLAS calls: a failure throws with the statement, file and line.
#pragma once

#include <stdexcept>
#include <string>

namespace dnncost {

// Thrown when a GPU library call fails (an internal/device error, not a model error).
class DeviceError : public std::runtime_error {
 public:
  explicit DeviceError(const std::string& m) : std::runtime_error(m) {}
};

// Inline so the CUDA library needs nothing back from the core library when linking statically.
[[noreturn]] inline void throw_device_error(const char* library, const char* statement, const std::string& status,
                                            const char* file, int line) {
  throw DeviceError(std::string(library) + " call failed: " + statement + " -> " + status + " (" + file + ":" +
                    std::to_string(line) + ")");
}

}  // namespace dnncost

#define DNNCOST_CUDA_CHECK(stmt)                                                                        \
  do {                                                                                                  \
    cudaError_t dnncost_status_ = (stmt);                                                               \
    if (dnncost_status_ != cudaSuccess)                                                                 \
      ::dnncost::throw_device_error("CUDA", #stmt, cudaGetErrorString(dnncost_status_), __FILE__, __LINE__); \
  } while (0)

#define DNNCOST_CUDNN_CHECK(stmt)                                                                        \
  do {                                                                                                   \
    cudnnStatus_t dnncost_status_ = (stmt);                                                              \
    if (dnncost_status_ != CUDNN_STATUS_SUCCESS)                                                         \
      ::dnncost::throw_device_error("cuDNN", #stmt, cudnnGetErrorString(dnncost_status_), __FILE__, __LINE__); \
  } while (0)

#define DNNCOST_CUBLAS_CHECK(stmt)                                                                       \
  do {                                                                                                   \
    cublasStatus_t dnncost_status_ = (stmt);                                                             \
    if (dnncost_status_ != CUBLAS_STATUS_SUCCESS)                                                        \
      ::dnncost::throw_device_error("cuBLAS", #stmt, std::to_string(static_cast<int>(dnncost_status_)),  \
                                    __FILE__, __LINE__);                                                 \
  } while (0)
