// The unary activations (layers/activation.cpp) and Clip (layers/clip.cpp): ActivationParams, the function with its
// parameters as the layer parsed them, which the device kernels (kernels/cpu/activation.cpp,
// kernels/cuda/activation_plan.h) read instead of the node: LeakyRelu and Elu alpha, HardSigmoid alpha and beta,
// Clip's bounds (attributes before opset 11, plan-time constant inputs from 11).
#pragma once

#include "kernels/fused_activation.h"

namespace dnncost {

struct ActivationParams {
  FusedActivation function;         // kind, alpha, beta (Clip: lower and upper bound)
  bool bounds_at_run_time = false;  // Clip with a bound computed at run time: the devices leave it to the reference
};

}  // namespace dnncost
