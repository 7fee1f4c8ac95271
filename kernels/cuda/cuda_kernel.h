// GPU kernels of the `cuda` device: the interface one step implements, the registry keyed by ONNX op_type the
// session asks for one, and what a kernel factory is given. Built only when CUDA and cuDNN are found.
//
// Every activation is a plain row-major (NCHW) buffer in one device arena laid out by the memory plan; constants
// (weights, biases, folded statistics) live in one device weight region the session allocates. A factory builds
// the step at plan time (cuDNN descriptors, the convolution algorithm found by measurement under the workspace
// limit, cuBLAS parameters, launch geometry), says which constants it needs on the device and how much workspace
// it needs; execute() only enqueues work on the stream (no allocation, no synchronisation, no host copies), so the
// whole run can be captured into a CUDA graph. A factory returns nullptr when it does not handle the configuration:
// the step then runs the layer's forward_ref on the host (copies in and out; the record says which steps did).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/factory_map.h"
#include "core/graph.h"
#include "layers/step.h"

namespace dnncost::cuda {

// How floating-point math may run (--math). fp32 (the default) keeps results comparable with the CPU: TF32
// tensor-core math is disabled in cuDNN and cuBLAS. tf32 allows it. fp16 runs convolutions and GEMMs with half
// inputs where the kernel supports it (activations stay float32 between layers).
enum class MathMode { kFp32, kTf32, kFp16 };
const char* math_name(MathMode m);  // "fp32", "tf32", "fp16"
// cuBLAS's compute type for --math: fp32 CUBLAS_COMPUTE_32F, tf32 CUBLAS_COMPUTE_32F_FAST_TF32, fp16
// CUBLAS_COMPUTE_32F_FAST_16F; and its name for the records.
cublasComputeType_t cublas_compute_type(MathMode m);
const char* cublas_compute_name(MathMode m);

// Process-wide state of one session the factories share.
struct CudaContext {
  int device = 0;
  cudaDeviceProp props{};
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  MathMode math = MathMode::kFp32;
  size_t workspace_limit = size_t{256} << 20;  // --workspace-mb: largest workspace one step may use
  // Device scratch a factory may use at plan time (e.g. for cudnnFindConvolutionForwardAlgorithmEx); at least
  // workspace_limit bytes, valid only during factory calls, never counted in the session's memory.
  void* probe_workspace = nullptr;
};

// What a kernel factory is given for one plan step: the step (StepView) and the session's CUDA state.
struct KernelRequest : StepView {
  const CudaContext& ctx;

  // Input i is present, computed at run time and float32.
  bool runtime_float(size_t i) const {
    return present(i) && !constant(i) && input(i).dtype == DType::kFloat32;
  }
};

// Device addresses of one step's operands, given to CudaKernel::bind once after the memory plan.
struct KernelBinding {
  std::vector<void*> inputs;     // per step input: arena address; nullptr for absent inputs and plan-time constants
  std::vector<void*> outputs;    // per step output: arena address; nullptr for absent outputs
  std::vector<void*> constants;  // per entry of CudaKernel::constants: its address in the weight region
  void* workspace = nullptr;     // shared workspace of at least workspace_bytes (nullptr when 0)
};

// One step on the cuda device. Built at plan time; execute() only enqueues work on the stream.
class CudaKernel {
 public:
  virtual ~CudaKernel() = default;

  // Bytes the kernel needs on the device at run time, uploaded once by the session (weights in the form the
  // kernel reads them: e.g. a bias as a float vector, BatchNorm scale/shift folded). Their sum is the step's
  // weight bytes.
  std::vector<std::vector<unsigned char>> constants;
  size_t workspace_bytes = 0;  // scratch the step needs (the session allocates the largest once)
  int in_place_input = -1;     // an input whose buffer output 0 may share, or -1
  std::string implementation;  // e.g. "cuDNN IMPLICIT_PRECOMP_GEMM", "cuBLAS sgemm", "dnncost broadcast_binary"
  // Extra facts for `info --device cuda` and the trace: algorithm, workspace, math, tensor layouts.
  std::map<std::string, std::string> details;

  virtual void bind(const KernelBinding& b) = 0;
  virtual void execute(cudaStream_t stream) = 0;

  // Helper for factories: appends a constant copied from `bytes` and returns its index.
  size_t add_constant(const void* bytes, size_t n);
};

using KernelFactory = std::function<std::unique_ptr<CudaKernel>(const KernelRequest&)>;

// op_type -> factory; filled from static initializers in the kernels/cuda/<op>.cu|cpp files.
class KernelRegistry : public FactoryMap<KernelFactory> {
 public:
  static KernelRegistry& instance();
};

#define DNNCOST_CUDA_KERNEL_CAT(a, b) a##b
#define DNNCOST_CUDA_KERNEL_NAME(line) DNNCOST_CUDA_KERNEL_CAT(dnncost_cuda_kernel_registered_, line)
// Registers `factory` (a KernelFactory) for ONNX op_type `op_name`.
#define DNNCOST_REGISTER_CUDA_KERNEL(op_name, factory) \
  static const bool DNNCOST_CUDA_KERNEL_NAME(__LINE__) =  \
      ::dnncost::cuda::KernelRegistry::instance().add(op_name, factory)

}  // namespace dnncost::cuda
