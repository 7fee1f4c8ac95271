// Softmax and LogSoftmax (layers/softmax.cpp): SoftmaxParams, the input as the layer views it after infer(), which
// the device kernels (kernels/cpu/softmax.cpp, kernels/cuda/normalization.cpp) read instead of the node's axis.
#pragma once

#include <cstdint>

namespace dnncost {

// The input viewed as [outer, length, inner]: rows of `length` values, `inner` elements apart, each normalized.
// Opsets 1-12 flatten the trailing dims [axis, rank) into the length (inner = 1); opset 13 normalizes one axis.
struct SoftmaxParams {
  bool log = false;  // LogSoftmax
  int64_t outer = 1, length = 1, inner = 1;
};

}  // namespace dnncost
