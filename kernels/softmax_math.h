// Softmax and LogSoftmax of one row, shared by the ref loops and the CUDA kernels. A row is `length` values
// `stride` elements apart. Both subtract the row maximum first so exp never overflows.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/hostdevice.h"

namespace dnncost {

// y = exp(x - max) / sum(exp(x - max)). Per element: compare (max), subtract, exp, add (sum), divide.
constexpr int kSoftmaxFlopsPerElement = 5;
DNNCOST_HD void softmax_row(const float* x, float* y, int64_t length, int64_t stride) {
  float max_value = -INFINITY;
  for (int64_t i = 0; i < length; ++i) max_value = x[i * stride] > max_value ? x[i * stride] : max_value;
  float sum = 0.f;
  for (int64_t i = 0; i < length; ++i) {
    y[i * stride] = expf(x[i * stride] - max_value);
    sum += y[i * stride];
  }
  for (int64_t i = 0; i < length; ++i) y[i * stride] /= sum;
}

// y = (x - max) - log(sum(exp(x - max))). Per element: compare (max), subtract, exp, add (sum), subtract
// (the log-sum); per row: one log.
constexpr int kLogSoftmaxFlopsPerElement = 5;
constexpr int kLogSoftmaxFlopsPerRow = 1;
DNNCOST_HD void log_softmax_row(const float* x, float* y, int64_t length, int64_t stride) {
  float max_value = -INFINITY;
  for (int64_t i = 0; i < length; ++i) max_value = x[i * stride] > max_value ? x[i * stride] : max_value;
  float sum = 0.f;
  for (int64_t i = 0; i < length; ++i) {
    y[i * stride] = x[i * stride] - max_value;
    sum += expf(y[i * stride]);
  }
  const float log_sum = logf(sum);
  for (int64_t i = 0; i < length; ++i) y[i * stride] -= log_sum;
}

}  // namespace dnncost
