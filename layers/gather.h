// Gather (layers/gather.cpp): GatherParams, the axis as the layer resolved it, which the cuda kernel
// (kernels/cuda/data_movement_plan.h) reads instead of the node.
#pragma once

#include <cstdint>

namespace dnncost {

struct GatherParams {
  int64_t axis = 0;  // in [0, rank of the data)
};

}  // namespace dnncost
