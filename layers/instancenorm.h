// InstanceNormalization (layers/instancenorm.cpp): InstanceNormParams, its attributes as the layer parsed them,
// which the cuda kernel (kernels/cuda/instancenorm_plan.h) reads instead of the node.
#pragma once

namespace dnncost {

struct InstanceNormParams {
  float epsilon = 1e-5f;
};

}  // namespace dnncost
