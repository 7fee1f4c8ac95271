// Device kernels of the cuda device's element-wise steps whose operands and result may differ in element type: the
// one-operand math ops (Sqrt ... Gelu, Not), two-operand broadcasts (comparisons writing bool, Pow with an exponent
// of another type, And/Or/Xor) and Where's three-operand selection. Grid-stride loops whose per-element work is the
// shared functors (kernels/*_functors.h) and whose offsets come from kernels/cuda/index_tables.h, as in
// elementwise.cuh; Index is int32_t or int64_t (launch_geometry.h's fits_int32_indexing decides).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/index_tables.h"

namespace dnncost::cuda {

// y[i] = fn(x[i]).
template <typename TX, typename TY, typename Fn, typename Index>
__global__ void unary_map_kernel(const TX* x, TY* y, Index n, Fn fn) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) y[i] = fn(x[i]);
}

// y[i] = fn(a[offset_a(i)], b[offset_b(i)]) over a two-operand broadcast table.
template <typename TA, typename TB, typename TY, typename Fn, typename Index>
__global__ void broadcast_map_kernel(IndexTable table, const TA* a, const TB* b, TY* y, Index n, Fn fn) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) {
    Index rest = i, offset_a = static_cast<Index>(table.base[0]), offset_b = static_cast<Index>(table.base[1]);
    for (int j = table.rank - 1; j >= 0; --j) {
      const Index d = static_cast<Index>(table.dims[j]);
      const Index coordinate = rest % d;
      rest /= d;
      offset_a += coordinate * static_cast<Index>(table.strides[0][j]);
      offset_b += coordinate * static_cast<Index>(table.strides[1][j]);
    }
    y[i] = fn(a[offset_a], b[offset_b]);
  }
}

// Where: y[i] = condition[..] ? x[..] : other[..] over a three-operand broadcast table (condition, X, Y), elements
// moved as Unit (an unsigned type of the element's size) with the shared SelectFn.
template <typename Unit, typename Fn, typename Index>
__global__ void broadcast_select_kernel(IndexTable table, const uint8_t* condition, const Unit* x, const Unit* other,
                                        Unit* y, Index n, Fn fn) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) {
    Index rest = i, offset_c = static_cast<Index>(table.base[0]), offset_x = static_cast<Index>(table.base[1]),
          offset_y = static_cast<Index>(table.base[2]);
    for (int j = table.rank - 1; j >= 0; --j) {
      const Index d = static_cast<Index>(table.dims[j]);
      const Index coordinate = rest % d;
      rest /= d;
      offset_c += coordinate * static_cast<Index>(table.strides[0][j]);
      offset_x += coordinate * static_cast<Index>(table.strides[1][j]);
      offset_y += coordinate * static_cast<Index>(table.strides[2][j]);
    }
    y[i] = fn(condition[offset_c], x[offset_x], other[offset_y]);
  }
}

}  // namespace dnncost::cuda
