// The activation a Conv applies to its output after a fusion pass (engine/passes.h): which one, its alpha/beta,
// the per-element math (dispatching to the functors of kernels/activation_functors.h and ClampFn, so a fused
// activation computes exactly what the separate op would) and its FLOPs per element.
//
// Graph attributes of a fused Conv: "dnncost.activation" (the ONNX op type, e.g. "Relu") and the floats
// "dnncost.activation_alpha" / "dnncost.activation_beta": LeakyRelu alpha, Elu alpha, HardSigmoid alpha/beta,
// Clip min (alpha) / max (beta).
#pragma once

#include <cfloat>
#include <string>

#include "kernels/activation_functors.h"
#include "kernels/elementwise_functors.h"
#include "kernels/hostdevice.h"

namespace dnncost {

enum class ActivationKind { kNone, kRelu, kLeakyRelu, kClip, kSigmoid, kTanh, kElu, kHardSigmoid, kHardSwish };

struct FusedActivation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0.f;
  float beta = 0.f;

  DNNCOST_HD float operator()(float x) const {
    switch (kind) {
      case ActivationKind::kRelu: return ReluFn{}(x);
      case ActivationKind::kLeakyRelu: return LeakyReluFn{alpha}(x);
      case ActivationKind::kClip: return ClampFn{alpha, beta}(x);
      case ActivationKind::kSigmoid: return SigmoidFn{}(x);
      case ActivationKind::kTanh: return TanhFn{}(x);
      case ActivationKind::kElu: return EluFn{alpha}(x);
      case ActivationKind::kHardSigmoid: return HardSigmoidFn{alpha, beta}(x);
      case ActivationKind::kHardSwish: return HardSwishFn{}(x);
      case ActivationKind::kNone: break;
    }
    return x;
  }

  // FLOPs per element: the same as the separate op's counting rule (docs/COSTS.md).
  DNNCOST_HD int flops_per_element() const {
    switch (kind) {
      case ActivationKind::kRelu: return ReluFn::kFlops;
      case ActivationKind::kLeakyRelu: return LeakyReluFn::kFlops;
      case ActivationKind::kClip: return ClampFn::kFlops;
      case ActivationKind::kSigmoid: return SigmoidFn::kFlops;
      case ActivationKind::kTanh: return TanhFn::kFlops;
      case ActivationKind::kElu: return EluFn::kFlops;
      case ActivationKind::kHardSigmoid: return HardSigmoidFn::kFlops;
      case ActivationKind::kHardSwish: return HardSwishFn::kFlops;
      case ActivationKind::kNone: break;
    }
    return 0;
  }
};

// The ActivationKind of an ONNX op type that a Conv can absorb; kNone for any other op.
inline ActivationKind activation_kind_of(const std::string& op_type) {
  if (op_type == "Relu") return ActivationKind::kRelu;
  if (op_type == "LeakyRelu") return ActivationKind::kLeakyRelu;
  if (op_type == "Clip") return ActivationKind::kClip;
  if (op_type == "Sigmoid") return ActivationKind::kSigmoid;
  if (op_type == "Tanh") return ActivationKind::kTanh;
  if (op_type == "Elu") return ActivationKind::kElu;
  if (op_type == "HardSigmoid") return ActivationKind::kHardSigmoid;
  if (op_type == "HardSwish") return ActivationKind::kHardSwish;
  return ActivationKind::kNone;
}

// The ONNX op type of an ActivationKind ("Relu", ...; "" for kNone): activation_kind_of's inverse.
inline const char* activation_op_type(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::kRelu: return "Relu";
    case ActivationKind::kLeakyRelu: return "LeakyRelu";
    case ActivationKind::kClip: return "Clip";
    case ActivationKind::kSigmoid: return "Sigmoid";
    case ActivationKind::kTanh: return "Tanh";
    case ActivationKind::kElu: return "Elu";
    case ActivationKind::kHardSigmoid: return "HardSigmoid";
    case ActivationKind::kHardSwish: return "HardSwish";
    case ActivationKind::kNone: break;
  }
  return "";
}

// ONNX's defaults of the op's alpha and beta (LeakyRelu alpha 0.01, Elu alpha 1, HardSigmoid 0.2 and 0.5, Clip
// without bounds: lowest and highest float), used when a fused Conv omits dnncost.activation_alpha/beta.
inline FusedActivation default_activation(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::kLeakyRelu: return {kind, 0.01f, 0.f};
    case ActivationKind::kElu: return {kind, 1.f, 0.f};
    case ActivationKind::kHardSigmoid: return {kind, 0.2f, 0.5f};
    case ActivationKind::kClip: return {kind, -FLT_MAX, FLT_MAX};
    default: return {kind, 0.f, 0.f};
  }
}

// "Relu, LeakyRelu, Clip, Sigmoid, Tanh, Elu, HardSigmoid, HardSwish" (for messages).
inline const char* fusable_activation_list() {
  return "Relu, LeakyRelu, Clip, Sigmoid, Tanh, Elu, HardSigmoid, HardSwish";
}

}  // namespace dnncost
