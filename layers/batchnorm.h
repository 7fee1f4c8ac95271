// BatchNormalization (layers/batchnorm.cpp): BatchNormParams, its attributes as the layer parsed them (every opset
// form), which the device kernels (kernels/cpu/normalization.cpp, kernels/cuda/normalization.cpp) read.
#pragma once

namespace dnncost {

struct BatchNormParams {
  float epsilon = 1e-5f;
  bool spatial = true;    // opsets 1-8: false = one statistic per activation, not per channel
  bool training = false;  // opset 14+ training_mode = 1
};

}  // namespace dnncost
