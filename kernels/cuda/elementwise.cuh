// Device kernels of the cuda device's element-wise and data-movement steps: grid-stride loops whose per-element
// work is the shared math (kernels/*_functors.h) and the shared index functions (kernels/cuda/index_tables.h,
// cast_element.h), so a GPU element is computed exactly as the ref path computes it. Included by the factories in
// engine/cuda/cuda_<family>.cu; launch geometry comes from kernels/cuda/launch_geometry.h.
//
// Index is int32_t or int64_t: the factories pick int32 when fits_int32_indexing() says every index and offset
// fits (cheaper division on the GPU), int64 otherwise (tensors over 2^31 elements).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/cast_element.h"
#include "kernels/cuda/index_tables.h"
#include "kernels/cuda/launch_geometry.h"
#include "kernels/elementwise_functors.h"
#include "kernels/normalization_math.h"

namespace dnncost::cuda {

template <typename Index>
__device__ __forceinline__ Index grid_stride_first() {
  return static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + static_cast<Index>(threadIdx.x);
}
template <typename Index>
__device__ __forceinline__ Index grid_stride_step() {
  return static_cast<Index>(blockDim.x) * static_cast<Index>(gridDim.x);
}

// Up to kMaxTableOperands input pointers, passed by value.
template <typename T>
struct OperandPointers {
  const T* p[kMaxTableOperands];
};

// y[i] = fn(a[offset_a(i)], b[offset_b(i)]) over a two-operand broadcast table.
template <typename T, typename Fn, typename Index>
__global__ void broadcast_binary_kernel(IndexTable table, const T* a, const T* b, T* y, Index n, Fn fn) {
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

// y[i] = fn(...fn(fn(x0, x1), x2)..., xk-1) (Sum, Max: the ref path's order of operations), any operand count.
template <typename T, typename Fn, typename Index>
__global__ void broadcast_fold_kernel(IndexTable table, OperandPointers<T> x, T* y, Index n, Fn fn) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) {
    T acc = x.p[0][table_offset<Index>(table, 0, i)];
    for (int k = 1; k < table.operands; ++k) acc = fn(acc, x.p[k][table_offset<Index>(table, k, i)]);
    y[i] = acc;
  }
}

// y[i] = fn(x[i]) (activations).
template <typename Fn, typename Index>
__global__ void unary_kernel(const float* x, float* y, Index n, Fn fn) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) y[i] = fn(x[i]);
}

// y[i] = x[table offset of i] (Transpose, Slice), Unit = an unsigned type of the element's size.
template <typename Unit, typename Index>
__global__ void table_copy_kernel(IndexTable table, const Unit* x, Unit* y, Index n) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>())
    y[i] = x[table_offset<Index>(table, 0, i)];
}

// Pad: y[i] = x[source] or the fill element (read from fill_at when it is given, a run-time input; else fill).
template <typename Unit, typename Index>
__global__ void pad_kernel(PadTable table, const Unit* x, Unit* y, Index n, const Unit* fill_at, Unit fill) {
  const Unit value = fill_at ? *fill_at : fill;
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) {
    const Index source = pad_source_offset<Index>(table, i);
    y[i] = source < 0 ? value : x[source];
  }
}

// Gather with resolved indices (in the weight region).
template <typename Unit, typename Index>
__global__ void gather_kernel(GatherTable table, const int64_t* indices, const Unit* x, Unit* y, Index n) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>())
    y[i] = x[gather_source_offset<Index>(table, indices, i)];
}

// Rows of a Concat input into the output (or of the input into a Split output).
template <typename Unit, typename Index>
__global__ void row_copy_kernel(RowCopy copy, const Unit* src, Unit* dst, Index n) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) {
    Index s, d;
    row_copy_offsets<Index>(copy, i, &s, &d);
    dst[d] = src[s];
  }
}

// y[i] = value (Dropout's mask of ones).
template <typename Unit>
__global__ void fill_kernel(Unit* y, int64_t n, Unit value) {
  for (int64_t i = grid_stride_first<int64_t>(); i < n; i += grid_stride_step<int64_t>()) y[i] = value;
}

// Cast, element by element with the ref path's conversion rules.
template <typename Index>
__global__ void cast_kernel(DType from, const void* x, DType to, void* y, Index n) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) cast_element(from, x, to, y, i);
}

// MaxUnpool's scatter (Y was zeroed before): Y.flat[I[i]] = X.flat[i]. An index outside Y is skipped: the GPU
// cannot raise the ref path's error from inside a captured graph (indices produced by MaxPool are in range).
template <typename Index>
__global__ void max_unpool_kernel(const float* x, const int64_t* indices, float* y, Index n, int64_t y_n) {
  for (Index i = grid_stride_first<Index>(); i < n; i += grid_stride_step<Index>()) {
    const int64_t target = indices[i];
    if (target >= 0 && target < y_n) y[target] = x[i];
  }
}

// Sum of one double per thread over the block (blockDim.x a power of two, at most kThreadsPerBlock); the result is
// valid in every thread. `scratch` holds kThreadsPerBlock / 32 doubles.
__device__ __forceinline__ double block_sum(double v, double* scratch) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
  __syncthreads();  // scratch may still be read from a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  double total = 0;
  for (int w = 0; w < warps; ++w) total += scratch[w];
  return total;
}

// InstanceNormalization: one block per (n, c) plane. Mean, then the (population) variance around it, both in
// double as the ref path accumulates them, then y = x * a + b with a, b from make_scale_shift.
// Index addresses elements within the tensor (int32 when it has fewer than 2^31 elements).
template <typename Index>
__global__ void instance_norm_kernel(const float* x, const float* scale, const float* bias, float* y, Index planes,
                                     Index channels, Index spatial, float epsilon) {
  __shared__ double scratch[kThreadsPerBlock / 32];
  for (Index plane = blockIdx.x; plane < planes; plane += gridDim.x) {
    const float* xp = x + plane * spatial;
    float* yp = y + plane * spatial;
    double sum = 0;
    for (Index s = threadIdx.x; s < spatial; s += blockDim.x) sum += xp[s];
    const double mean = block_sum(sum, scratch) / static_cast<double>(spatial);
    double squares = 0;
    for (Index s = threadIdx.x; s < spatial; s += blockDim.x) {
      const double d = xp[s] - mean;
      squares += d * d;
    }
    const double var = block_sum(squares, scratch) / static_cast<double>(spatial);
    const Index c = plane % channels;
    const ScaleShift ab =
        make_scale_shift(scale[c], bias[c], static_cast<float>(mean), static_cast<float>(var), epsilon);
    for (Index s = threadIdx.x; s < spatial; s += blockDim.x) yp[s] = apply_scale_shift(xp[s], ab);
  }
}

// ReduceMean, one block per output: the block sums its group in double, thread 0 writes sum / group.
template <typename Index>
__global__ void reduce_mean_block_kernel(ReduceTable table, const float* x, float* y) {
  __shared__ double scratch[kThreadsPerBlock / 32];
  const Index group = static_cast<Index>(table.group);
  for (Index o = blockIdx.x; o < static_cast<Index>(table.outputs); o += gridDim.x) {
    const Index base = table_offset<Index>(table.outer, 0, o);
    double sum = 0;
    for (Index g = threadIdx.x; g < group; g += blockDim.x) sum += x[base + table_offset<Index>(table.inner, 0, g)];
    const double total = block_sum(sum, scratch);
    if (threadIdx.x == 0) y[o] = static_cast<float>(total / static_cast<double>(table.group));
  }
}

// ReduceMean, one thread per output (small groups).
template <typename Index>
__global__ void reduce_mean_thread_kernel(ReduceTable table, const float* x, float* y) {
  const Index group = static_cast<Index>(table.group);
  for (Index o = grid_stride_first<Index>(); o < static_cast<Index>(table.outputs); o += grid_stride_step<Index>()) {
    const Index base = table_offset<Index>(table.outer, 0, o);
    double sum = 0;
    for (Index g = 0; g < group; ++g) sum += x[base + table_offset<Index>(table.inner, 0, g)];
    y[o] = static_cast<float>(sum / static_cast<double>(table.group));
  }
}

// --- host-side launch helpers ---------------------------------------------------------------------------------

// Calls f(Index{}) with int32_t when use_int32, else int64_t.
template <typename F>
void with_index_type(bool use_int32, F&& f) {
  if (use_int32)
    f(int32_t{});
  else
    f(int64_t{});
}

// Calls f(Unit{}) with the unsigned type (or CUDA vector type for 16) of `bytes` bytes; false for other sizes.
template <typename F>
bool with_unit_type(size_t bytes, F&& f) {
  switch (bytes) {
    case 1:
      f(uint8_t{});
      return true;
    case 2:
      f(uint16_t{});
      return true;
    case 4:
      f(uint32_t{});
      return true;
    case 8:
      f(uint64_t{});
      return true;
    case 16:
      f(uint4{});
      return true;
    default:
      return false;
  }
}

inline dim3 grid_of(const LaunchGeometry& g) { return dim3(static_cast<unsigned>(g.blocks)); }
inline dim3 block_of(const LaunchGeometry& g) { return dim3(static_cast<unsigned>(g.threads)); }

}  // namespace dnncost::cuda
