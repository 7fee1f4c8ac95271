// The reductions (layers/reduce.cpp): ReduceParams, the reduced axes as the layer resolved them (attribute or plan-time
// input, noop_with_empty_axes applied), which the cuda kernel of ReduceMean (kernels/cuda/reduce_plan.h) reads instead
// of the node. ReduceSum, ReduceMax and ReduceMin fill it too; no device kernel reads theirs yet.
#pragma once

#include <vector>

namespace dnncost {

struct ReduceParams {
  std::vector<bool> reduced;  // one per input axis
};

}  // namespace dnncost
