// LRN (layers/lrn.cpp): LrnParams, its attributes as the layer parsed them (ONNX defaults applied), which the
// device kernels (kernels/cpu/normalization.cpp, kernels/cuda/normalization.cpp) read instead of the node.
#pragma once

#include <cstdint>

namespace dnncost {

// y = x / (bias + alpha / size * sum of x^2 over `size` channels around c)^beta
struct LrnParams {
  int64_t size = 1;
  float alpha = 1e-4f, beta = 0.75f, bias = 1.f;
};

}  // namespace dnncost
