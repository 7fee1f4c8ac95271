// Pooling window along one spatial axis: which input positions the window of one output coordinate covers.
// Shared by the ref loops (layers/pool.cpp) and a CUDA pooling kernel, so both agree on padding, dilation and
// the count_include_pad divisor.
#pragma once

#include <cstdint>

#include "kernels/hostdevice.h"

namespace dnncost {

// The taps of one window along one axis are input coordinates start + k * dilation, k in [0, kernel), where
// start = o * stride - pad_begin. Those inside [0, input) are `count` taps from `first` on, `dilation` apart.
struct PoolAxisWindow {
  int64_t first = 0;         // input coordinate of the first tap inside the input
  int64_t count = 0;         // taps inside the input (0: the window lies in the padding only)
  int64_t padded_count = 0;  // taps inside the input or its explicit pads: the count_include_pad divisor
};

DNNCOST_HD PoolAxisWindow pool_axis_window(int64_t o, int64_t input, int64_t kernel, int64_t stride, int64_t dilation,
                                           int64_t pad_begin, int64_t pad_end) {
  const int64_t start = o * stride - pad_begin;
  // First tap index with start + k * dilation >= 0, last one with start + k * dilation <= input - 1.
  const int64_t k_first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  int64_t k_last = start > input - 1 ? -1 : (input - 1 - start) / dilation;
  if (k_last > kernel - 1) k_last = kernel - 1;
  // Last tap index inside the input and its end padding (start >= -pad_begin always holds).
  int64_t k_last_padded = start > input + pad_end - 1 ? -1 : (input + pad_end - 1 - start) / dilation;
  if (k_last_padded > kernel - 1) k_last_padded = kernel - 1;

  PoolAxisWindow w;
  w.first = start + k_first * dilation;
  w.count = k_last >= k_first ? k_last - k_first + 1 : 0;
  w.padded_count = k_last_padded + 1;
  return w;
}

}  // namespace dnncost
