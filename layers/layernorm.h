// LayerNormalization (layers/layernorm.cpp): LayerNormParams, its attributes as the layer parsed them and the input
// as the layer views it, which the device kernels (kernels/cpu/normalization.cpp) read instead of the node.
#pragma once

#include <cstdint>

namespace dnncost {

// X viewed as [rows, row_size]: each row (the trailing dims from `axis`) normalized on its own; scale and bias hold
// row_size values each (one per position in a row).
struct LayerNormParams {
  int64_t axis = -1;  // as the node gives it (ONNX default -1)
  float epsilon = 1e-5f;
  int64_t rows = 0;      // prod(X.shape[:axis])
  int64_t row_size = 0;  // prod(X.shape[axis:])
  bool has_bias = false;
};

}  // namespace dnncost
