// Host-only arithmetic of Softmax / LogSoftmax on cuDNN (kernels/cuda/normalization.cpp; no CUDA includes).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dnncost::cuda_geometry {

// --- softmax ---------------------------------------------------------------------------------------------------

// Softmax over one axis as cuDNN's channel mode on [outer, dim, inner, 1]: opset >= 13 normalises the single axis,
// opsets 1-12 the flattened trailing dims [axis, rank) (inner = 1).
struct SoftmaxShape {
  int64_t outer = 1, dim = 1, inner = 1;
};

inline SoftmaxShape softmax_shape(const Shape& x, int64_t axis, bool coerce_2d) {
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t a = axis < 0 ? axis + rank : axis;
  SoftmaxShape s;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < a)
      s.outer *= x[static_cast<size_t>(i)];
    else if (i == a || coerce_2d)
      s.dim *= x[static_cast<size_t>(i)];
    else
      s.inner *= x[static_cast<size_t>(i)];
  }
  return s;
}

}  // namespace dnncost::cuda_geometry
