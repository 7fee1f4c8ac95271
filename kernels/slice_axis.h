// One axis of an ONNX Slice, resolved the way the spec says, shared by the ref layer (layers/slice.cpp) and the
// cuda device's slice table (kernels/cuda/index_tables.h): negative start/end count from the end; a positive step
// clamps start and end to [0, dim], a negative step clamps start to [0, dim-1] and end to [-1, dim-1].
#pragma once

#include <cstdint>

namespace dnncost {

struct SliceAxis {
  int64_t start = 0;  // first input index taken (0 when the axis is empty)
  int64_t count = 0;  // output extent
};

// The caller guarantees step != 0.
inline SliceAxis resolve_slice_axis(int64_t start, int64_t end, int64_t step, int64_t dim) {
  const auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); };
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  SliceAxis r;
  if (dim == 0) return r;  // nothing to take in either direction
  if (step > 0) {
    r.start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    if (end > r.start) r.count = (end - r.start - 1) / step + 1;
  } else {
    r.start = clamp(start, 0, dim - 1);
    end = clamp(end, -1, dim - 1);
    const uint64_t magnitude = uint64_t{0} - static_cast<uint64_t>(step);  // |step|, also for INT64_MIN
    if (r.start > end) r.count = static_cast<int64_t>(static_cast<uint64_t>(r.start - end - 1) / magnitude) + 1;
  }
  return r;
}

}  // namespace dnncost
