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
#include "layers/step.h"

namespace dnncost::cuda {

// --- unary activations: Relu LeakyRelu Elu Sigmoid Tanh HardSigmoid HardSwish Clip -------------------------

inline bool plan_activation(const StepView& s, FusedActivation* a, std::string* why) {
  const std::string& op = s.node().op_type;
  a->kind = activation_kind_of(op);
  if (a->kind == ActivationKind::kNone) return refuse(why, "not an activation");
  if (!s.only_first_output() || !s.present(0) || s.input(0).dtype != DType::kFloat32)
    return refuse(why, "expects one float32 input and one output");
  const AttributeReader attrs = s.attrs();
  switch (a->kind) {
    case ActivationKind::kLeakyRelu:
      a->alpha = attrs.get_float("alpha", 0.01f);
      break;
    case ActivationKind::kElu:
      a->alpha = attrs.get_float("alpha", 1.0f);
      break;
    case ActivationKind::kHardSigmoid:
      a->alpha = attrs.get_float("alpha", 0.2f);
      a->beta = attrs.get_float("beta", 0.5f);
      break;
    case ActivationKind::kClip: {
      a->alpha = std::numeric_limits<float>::lowest();
      a->beta = std::numeric_limits<float>::max();
      if (s.opset() < 11) {
        a->alpha = attrs.get_float("min", a->alpha);
        a->beta = attrs.get_float("max", a->beta);
        break;
      }
      for (size_t i = 1; i < 3; ++i) {
        if (!s.present(i)) continue;
        const Tensor* t = s.constant(i);
        if (!t || t->dtype() != DType::kFloat32 || t->numel() != 1)
          return refuse(why, "Clip bound computed at run time");
        (i == 1 ? a->alpha : a->beta) = t->data<float>()[0];
      }
      break;
    }
    default:
      break;
  }
  return true;
}

}  // namespace dnncost::cuda
