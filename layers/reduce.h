// ReduceMean (layers/reduce.cpp): ReduceParams, the reduced axes as the layer resolved them (attribute or plan-time
// input, noop_with_empty_axes applied), which the cuda kernel (kernels/cuda/reduce_plan.h) reads instead of the node.
#pragma once

#include <vector>

namespace dnncost {

struct ReduceParams {
  std::vector<bool> reduced;  // one per input axis
};

}  // namespace dnncost
