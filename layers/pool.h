// Pooling (layers/pool.cpp): PoolParams, the window a MaxPool, AveragePool, GlobalMaxPool or GlobalAveragePool
// resolved in infer(), which the device kernels (kernels/cpu/pool.cpp, kernels/cuda/pool.cu) read instead of the
// node's attributes.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace dnncost {

struct PoolParams {
  bool max = false;     // MaxPool, GlobalMaxPool; else an average
  bool global = false;  // GlobalMaxPool, GlobalAveragePool: one window over all spatial axes
  // Per spatial axis. The pads are the explicit ones (auto_pad NOTSET), none (VALID) or SAME_UPPER / SAME_LOWER
  // split against the output size; the extra end a ceil_mode window reaches is not in them.
  Shape kernel, strides, dilations, pads_begin, pads_end;
  bool count_include_pad = false;  // AveragePool: the divisor counts the explicit pads
};

}  // namespace dnncost
