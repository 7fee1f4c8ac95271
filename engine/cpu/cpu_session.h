// The `cpu` device: a Session that runs each step with a oneDNN primitive (kernels/cpu/cpu_kernel.h) where one
// fits and with the layer's forward_ref otherwise. Activations stay in the layouts the primitives prefer (blocked
// ones such as nChw16c) from layer to layer; reorders are inserted only where a consumer needs another layout;
// every activation, reorder buffer included, lives in one arena laid out by the memory plan.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/session.h"

namespace dnncost {

// How one step runs on the cpu device (for reports and tests).
struct CpuStepInfo {
  std::string implementation;            // "oneDNN brgconv:avx512_core", "ref"
  std::vector<std::string> input_reorders;  // "nchw -> nChw16c" per input reordered before the step
  std::vector<std::string> output_layouts;  // layout of each output
  bool in_place = false;                 // output 0 shares an input's buffer
};

class CpuSession : public KernelSession<CpuStepInfo> {
 public:
  CpuSession(const Plan& plan, const DeviceSpec& spec);
  ~CpuSession() override;

  std::string device_name() const override;
  nlohmann::json device_json() const override;
  void set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) override;
  void run() override;
  void run_step(size_t i) override;
  std::vector<Tensor> outputs() override;
  SessionMemory memory() const override;
  using Session::run;

  // The oneDNN implementation of step i ("ref" for the reference loops); step_json adds its layouts and reorders.
  nlohmann::json step_json(size_t i) const override;

  int fallback_steps() const;  // steps that run the layer's forward_ref
  int reorders() const;        // layout conversions per run (graph outputs excluded)

  // "2.6.3"
  static std::string onednn_version();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnncost
