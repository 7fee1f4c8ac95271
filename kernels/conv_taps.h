// Reference N-D convolution loops shared by Conv and ConvTranspose: a precomputed "tap plan".
//
// Both ops pair a position `a` of a dense side with a position `b` of a strided side, per spatial axis:
//     b = a * stride + k * dilation - pad_begin,   valid when 0 <= b < B,
// for every kernel tap k. Conv walks its output densely (a = output, b = input: y[a] += w[k] * x[b]);
// ConvTranspose walks its input densely (a = input, b = output: y[b] += w[k] * x[a]).
//
// For each tap, the valid `a` positions form a box (one range per axis). The plan stores, per tap, one row
// segment per position of the outer axes inside the box: the offsets of the row's first element on both sides
// (within one channel plane) and the row length along the last axis. The inner loop then needs no bounds
// checks and runs over contiguous memory on the dense side.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dnncost {

// Plane offsets of the first element of one row segment.
struct ConvRowSegment {
  int64_t dense = 0;    // offset in the dense-side plane
  int64_t strided = 0;  // offset in the strided-side plane
};

// One kernel tap whose box of valid positions is not empty.
struct ConvTap {
  int64_t kernel_index = 0;  // flat row-major index of the tap inside one kernel
  int64_t row_length = 0;    // elements per row segment along the last spatial axis
  size_t rows_begin = 0;     // [rows_begin, rows_end) in ConvTapPlan::rows
  size_t rows_end = 0;
};

struct ConvTapPlan {
  int64_t strided_step = 1;  // stride of the last spatial axis: distance between neighbours on the strided side
  std::vector<ConvTap> taps;
  std::vector<ConvRowSegment> rows;
};

namespace conv_detail {
// floor(n / d) and ceil(n / d) for d > 0 and any sign of n, without intermediate overflow.
inline int64_t floor_div(int64_t n, int64_t d) { return n / d - (n % d < 0 ? 1 : 0); }
inline int64_t ceil_div(int64_t n, int64_t d) { return n / d + (n % d > 0 ? 1 : 0); }
// min(limit, floor((b - 1 - shift) / stride) + 1) for b >= 1, stride >= 1, limit >= 0 and any shift: the end of
// the valid range. b - 1 - shift can exceed int64 for a large negative shift (huge pads); it is then computed in
// uint64, where it fits.
inline int64_t range_end(int64_t b, int64_t shift, int64_t stride, int64_t limit) {
  if (shift >= 0) return std::min<int64_t>(limit, floor_div(b - 1 - shift, stride) + 1);
  const uint64_t n = static_cast<uint64_t>(b - 1) + (0 - static_cast<uint64_t>(shift));
  const uint64_t q = n / static_cast<uint64_t>(stride);
  return q >= static_cast<uint64_t>(limit) ? limit : static_cast<int64_t>(q) + 1;
}
}  // namespace conv_detail

// Builds the plan for spatial extents `dense` (A) and `strided` (B), all vectors of one length >= 1, with
// strides and dilations >= 1 (validated by the caller).
inline ConvTapPlan build_conv_tap_plan(const std::vector<int64_t>& dense, const std::vector<int64_t>& strided,
                                       const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                       const std::vector<int64_t>& dilations, const std::vector<int64_t>& pads_begin) {
  const size_t rank = dense.size();
  ConvTapPlan plan;
  plan.strided_step = strides[rank - 1];

  // Row-major strides of one channel plane on each side.
  std::vector<int64_t> dense_pitch(rank, 1), strided_pitch(rank, 1);
  for (size_t d = rank - 1; d > 0; --d) {
    dense_pitch[d - 1] = dense_pitch[d] * dense[d];
    strided_pitch[d - 1] = strided_pitch[d] * strided[d];
  }
  int64_t taps = 1;
  for (int64_t k : kernel) taps *= k;

  std::vector<int64_t> tap(rank, 0);  // multi-index of the current tap
  std::vector<int64_t> lo(rank), hi(rank), shift(rank), pos(rank);
  for (int64_t t = 0; t < taps; ++t) {
    // Valid range of `a` on each axis: 0 <= a*s + shift < B with shift = k*dilation - pad.
    bool empty = false;
    for (size_t d = 0; d < rank; ++d) {
      shift[d] = tap[d] * dilations[d] - pads_begin[d];
      lo[d] = std::max<int64_t>(0, conv_detail::ceil_div(-shift[d], strides[d]));
      hi[d] = conv_detail::range_end(strided[d], shift[d], strides[d], dense[d]);
      if (lo[d] >= hi[d]) empty = true;
    }
    if (!empty) {
      ConvTap ct;
      ct.kernel_index = t;
      ct.row_length = hi[rank - 1] - lo[rank - 1];
      ct.rows_begin = plan.rows.size();
      // Walk the outer axes of the box (an odometer over axes 0..rank-2); the last axis starts at lo.
      for (size_t d = 0; d < rank; ++d) pos[d] = lo[d];
      for (;;) {
        ConvRowSegment seg;
        for (size_t d = 0; d < rank; ++d) {
          seg.dense += pos[d] * dense_pitch[d];
          seg.strided += (pos[d] * strides[d] + shift[d]) * strided_pitch[d];
        }
        plan.rows.push_back(seg);
        int64_t d = static_cast<int64_t>(rank) - 2;  // advance the outer axes, innermost first
        for (; d >= 0; --d) {
          if (++pos[d] < hi[d]) break;
          pos[d] = lo[d];
        }
        if (d < 0) break;  // every outer axis wrapped (or there is none): the box is done
      }
      ct.rows_end = plan.rows.size();
      plan.taps.push_back(ct);
    }
    for (size_t d = rank; d-- > 0;) {  // next tap, row-major
      if (++tap[d] < kernel[d]) break;
      tap[d] = 0;
    }
  }
  return plan;
}

// dst[i * dst_step] += w * src[i * src_step] for i in [0, n). The step-1 forms let the compiler vectorise.
inline void conv_accumulate_row(float* __restrict dst, int64_t dst_step, const float* __restrict src, int64_t src_step,
                                float w, int64_t n) {
  if (dst_step == 1 && src_step == 1) {
    for (int64_t i = 0; i < n; ++i) dst[i] += w * src[i];
  } else if (dst_step == 1) {
    for (int64_t i = 0; i < n; ++i) dst[i] += w * src[i * src_step];
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i * dst_step] += w * src[i * src_step];
  }
}

}  // namespace dnncost
