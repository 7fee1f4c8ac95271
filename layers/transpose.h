// Transpose (layers/transpose.cpp): TransposeParams, the permutation as the layer resolved it (the default reverse
// order applied), which the cuda kernel (kernels/cuda/data_movement_plan.h) reads instead of the node.
#pragma once

#include <cstdint>
#include <vector>

namespace dnncost {

struct TransposeParams {
  std::vector<int64_t> perm;  // output axis i is input axis perm[i]
};

}  // namespace dnncost
