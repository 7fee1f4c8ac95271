// Index math of Transpose, shared by the ref loops and a CUDA kernel: the permutation reduced to a "walk"
// (output dims and the input stride each one steps by), with size-1 dims dropped and output dims that
// are also adjacent, in order, in the input merged. A [N, C, H, W] -> [N, H, W, C] transpose becomes a
// 3-D walk [N, H*W, C]; a permutation that moves nothing becomes a 1-D walk with stride 1 (a plain copy).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/hostdevice.h"

namespace dnncost {

struct TransposeWalk {
  std::vector<int64_t> out_dims;    // sizes of the reduced output dims (outermost first)
  std::vector<int64_t> in_strides;  // input stride, in elements, of one step along each reduced output dim
};

// perm must be a permutation of 0..rank-1 (checked by the caller). Output dim j of the full transpose is
// input dim perm[j].
inline TransposeWalk make_transpose_walk(const std::vector<int64_t>& in_shape, const std::vector<int64_t>& perm) {
  const size_t rank = in_shape.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * in_shape[i];
  TransposeWalk w;
  for (size_t j = 0; j < rank; ++j) {
    const int64_t axis = perm[j];
    const int64_t size = in_shape[axis];
    if (size == 1) continue;  // steps along it never happen
    if (!w.out_dims.empty() && w.in_strides.back() == in_strides[axis] * size) {
      // One step of the previous dim = `size` steps of this one: the two walk the input as one dim.
      w.out_dims.back() *= size;
      w.in_strides.back() = in_strides[axis];
    } else {
      w.out_dims.push_back(size);
      w.in_strides.push_back(in_strides[axis]);
    }
  }
  return w;
}

// Input element index of output element `out_index` (row-major over out_dims) for a walk of `rank` dims.
DNNCOST_HD int64_t transpose_source_index(int64_t out_index, int rank, const int64_t* out_dims,
                                          const int64_t* in_strides) {
  int64_t src = 0;
  for (int j = rank - 1; j >= 0; --j) {
    src += (out_index % out_dims[j]) * in_strides[j];
    out_index /= out_dims[j];
  }
  return src;
}

}  // namespace dnncost
