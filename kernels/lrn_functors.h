// Per-element math of LRN (local response normalisation across channels), shared by the ref loop and a CUDA
// kernel. The square sum over the channel window is computed by the caller.
#pragma once

#include <cmath>

#include "kernels/hostdevice.h"

namespace dnncost {

// y = x / (bias + alpha / size * square_sum) ^ beta
struct LrnFn {
  // FLOPs per element after the square sum: multiply by alpha / size, add bias, pow, divide.
  static constexpr int kFlopsAfterSquareSum = 4;
  float alpha_over_size, beta, bias;
  DNNCOST_HD float operator()(float x, float square_sum) const {
    return x / powf(bias + alpha_over_size * square_sum, beta);
  }
};

}  // namespace dnncost
