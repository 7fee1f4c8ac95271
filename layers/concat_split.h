// Concat and Split (layers/concat_split.cpp): ConcatSplitParams, the axis as the layer resolved it (every opset's
// default applied, negative values resolved), which the device kernels read instead of the node.
#pragma once

#include <cstdint>

namespace dnncost {

struct ConcatSplitParams {
  int64_t axis = 0;  // in [0, rank)
};

}  // namespace dnncost
