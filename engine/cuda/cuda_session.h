// The `cuda` device: a Session that runs each step with a kernel from the cuda kernel registry
// (kernels/cuda/cuda_kernel.h: cuDNN, cuBLAS or dnncost's own kernels) and, for steps no kernel handles, the layer's
// forward_ref on the host inside the same stream (copies out, a host function, copies back in). Device memory is one
// allocator owned by the session: a weight region, the activation arena of the memory plan and one workspace (the
// largest step's), allocated exactly as planned; the CUDA context and library handles are measured with
// cudaMemGetInfo and reported as the fixed baseline. The whole run is captured once into a CUDA graph, whose replays
// timed with CUDA events give the headline latency; per-layer times come from a separate pass with events between
// the steps. Built only when CUDA and cuDNN are found (this header has no CUDA includes).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/session.h"

namespace dnncost {

// How one step runs on the cuda device (for `info --device cuda`, records and tests).
struct CudaStepInfo {
  std::string implementation;  // "cuDNN conv IMPLICIT_PRECOMP_GEMM + bias + Relu", "host forward_ref"
  bool host_fallback = false;
  std::string fallback_reason;  // why no GPU kernel runs it ("" for GPU steps)
  int64_t workspace_bytes = 0;
  int64_t weight_bytes = 0;
  bool in_place = false;                                     // output 0 shares an input's buffer
  std::vector<std::pair<std::string, std::string>> details;  // algorithm, layouts, math, ...
};

class CudaSession : public KernelSession<CudaStepInfo> {
 public:
  CudaSession(const Plan& plan, const DeviceSpec& spec);
  ~CudaSession() override;

  std::string device_name() const override;
  nlohmann::json device_json() const override;
  void set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) override;
  void run() override;
  void run_step(size_t i) override;
  void synchronize() override;
  std::vector<Tensor> outputs() override;
  SessionMemory memory() const override;
  nlohmann::json step_json(size_t i) const override;
  bool times_itself() const override { return true; }
  double timed_run_ms() override;
  std::vector<double> timed_steps_ms() override;
  std::string timing_method() const override;
  using Session::run;

  int fallback_steps() const;
  bool uses_graph() const;  // the run is one CUDA graph launch

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnncost
