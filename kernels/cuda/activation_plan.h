// What the cuda device's own kernel for the unary activations (kernels/cuda/activation.cu) decides at plan time, in
// host-only code: whether it handles the step and with which parameters, or why the step falls back to the layer's
// forward_ref (the reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/plan_common.h"
#include "kernels/fused_activation.h"
#include "layers/activation.h"
#include "layers/step.h"

namespace dnncost::cuda {

// --- unary activations: Relu LeakyRelu Elu Sigmoid Tanh HardSigmoid HardSwish Clip -------------------------

inline bool plan_activation(const StepView& s, FusedActivation* a, std::string* why) {
  const std::string& op = s.node().op_type;
  a->kind = activation_kind_of(op);
  if (a->kind == ActivationKind::kNone) return refuse(why, "not an activation");
  if (!s.only_first_output() || !s.present(0) || s.input(0).dtype != DType::kFloat32)
    return refuse(why, "expects one float32 input and one output");
  const ActivationParams* p = s.parsed<ActivationParams>();
  if (!p) return refuse(why, "not an activation layer");
  if (p->bounds_at_run_time) return refuse(why, "Clip bound computed at run time");
  a->alpha = p->function.alpha;
  a->beta = p->function.beta;
  return true;
}

}  // namespace dnncost::cuda
