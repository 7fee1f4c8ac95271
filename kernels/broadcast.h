// numpy-style broadcasting: the result shape of several operands, and an index map that walks the output in
// contiguous runs and says where each run's elements live in every input.
//
// Used by the element-wise layers (Add, Sub, Mul, Div, Sum, Max, PRelu, the comparisons and logic ops, Where, Pow,
// Mod, Expand) on the ref path. The merged dims and per-input strides are plain arrays, so a CUDA kernel can map an
// output index to input offsets the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dnncost {

// Multidirectional (numpy) broadcasting: shapes are aligned at their last dimension and each output dimension
// is the size the operands agree on, where a size of 1 stretches. Returns false when they cannot agree and
// then writes e.g. "[2, 3] and [4] cannot be broadcast (numpy rules: aligned from the last dimension, sizes
// must be equal or 1; here 3 vs 4)" into *why.
bool broadcast_shapes(const std::vector<Shape>& shapes, Shape* out, std::string* why);

// Unidirectional broadcasting: true when `from` broadcasts to exactly `to` (as PRelu's slope onto X).
bool broadcasts_to(const Shape& from, const Shape& to);

// Walks an output of shape out_shape in contiguous runs and gives, for each run, the offset of its first
// element in every input, plus each input's stride along the run (1, or 0 when the input is one value there).
//
// Size-1 output dimensions are dropped and adjacent dimensions that every input treats alike (all present, or
// all broadcast) are merged. So equal shapes walk one run of all elements, and [N,C,H,W] + [1,C,1,1] walks
// N*C runs of H*W elements in which the bias is a single value.
class BroadcastIndexer {
 public:
  BroadcastIndexer() = default;
  // Every in_shapes[k] must broadcast to out_shape (they need not produce it jointly); throws
  // std::invalid_argument otherwise.
  BroadcastIndexer(const std::vector<Shape>& in_shapes, const Shape& out_shape);

  size_t num_inputs() const { return strides_.size(); }
  int64_t numel() const { return numel_; }
  int64_t row_length() const { return row_length_; }
  int64_t rows() const { return rows_; }
  // Stride of input k along a run: 1 (contiguous) or 0 (one value for the whole run).
  int64_t inner_stride(size_t k) const { return strides_[k].back(); }

  // The merged output dimensions (last = the run) and input k's element strides along them (0 = broadcast).
  const std::vector<int64_t>& dims() const { return dims_; }
  const std::vector<int64_t>& strides(size_t k) const { return strides_[k]; }

  // Offset in input k of output element `index` in [0, numel()) (a div/mod per merged dimension, as a GPU
  // thread computes it).
  int64_t input_offset(size_t k, int64_t index) const;

  // Calls fn(out_offset, in_offsets) for every run in output order; in_offsets[k] is where the run starts in
  // input k, and out_offset where it starts in the output. Offsets advance incrementally (no division).
  template <typename Fn>
  void for_each_row(Fn&& fn) const;

 private:
  int64_t numel_ = 0;
  int64_t row_length_ = 0;
  int64_t rows_ = 0;
  std::vector<int64_t> dims_;
  std::vector<std::vector<int64_t>> strides_;
};

template <typename Fn>
void BroadcastIndexer::for_each_row(Fn&& fn) const {
  if (numel_ == 0) return;
  const size_t outer = dims_.size() - 1;  // dimensions above the run
  const size_t n_in = strides_.size();
  std::vector<int64_t> counter(outer, 0);
  std::vector<int64_t> offsets(n_in, 0);
  for (int64_t r = 0; r < rows_; ++r) {
    fn(r * row_length_, static_cast<const int64_t*>(offsets.data()));
    // Odometer step over the outer dimensions, last fastest.
    for (size_t d = outer; d-- > 0;) {
      for (size_t k = 0; k < n_in; ++k) offsets[k] += strides_[k][d];
      if (++counter[d] < dims_[d]) break;
      for (size_t k = 0; k < n_in; ++k) offsets[k] -= strides_[k][d] * dims_[d];
      counter[d] = 0;
    }
  }
}

// y[i] = fn(a[..], b[..]) over the output of `ix` (built from the shapes of a and b, in that order). y may
// alias a when a has the output's shape (accumulating: y = fn(y, b)). The element types may differ (a comparison
// writes bool bytes, Pow's exponent may be an integer).
template <typename TA, typename TB, typename TY, typename Fn>
void broadcast_binary(const BroadcastIndexer& ix, const TA* a, const TB* b, TY* y, Fn fn) {
  const int64_t n = ix.row_length();
  const bool a_runs = ix.inner_stride(0) != 0;
  const bool b_runs = ix.inner_stride(1) != 0;
  ix.for_each_row([&](int64_t out, const int64_t* off) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    TY* py = y + out;
    if (a_runs && b_runs) {
      for (int64_t i = 0; i < n; ++i) py[i] = fn(pa[i], pb[i]);
    } else if (a_runs) {
      const TB vb = *pb;
      for (int64_t i = 0; i < n; ++i) py[i] = fn(pa[i], vb);
    } else if (b_runs) {
      const TA va = *pa;
      for (int64_t i = 0; i < n; ++i) py[i] = fn(va, pb[i]);
    } else {
      const TY v = fn(*pa, *pb);
      for (int64_t i = 0; i < n; ++i) py[i] = v;
    }
  });
}

// y[i] = fn(a[..], b[..], c[..]) over the output of `ix` (built from the shapes of a, b and c, in that order), as
// Where selects.
template <typename TA, typename TB, typename TC, typename TY, typename Fn>
void broadcast_ternary(const BroadcastIndexer& ix, const TA* a, const TB* b, const TC* c, TY* y, Fn fn) {
  const int64_t n = ix.row_length();
  const int64_t sa = ix.inner_stride(0), sb = ix.inner_stride(1), sc = ix.inner_stride(2);
  ix.for_each_row([&](int64_t out, const int64_t* off) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    const TC* pc = c + off[2];
    TY* py = y + out;
    for (int64_t i = 0; i < n; ++i) py[i] = fn(pa[i * sa], pb[i * sb], pc[i * sc]);
  });
}

// y = x broadcast to the output of `ix` (built from x's shape alone).
template <typename T>
void broadcast_copy(const BroadcastIndexer& ix, const T* x, T* y) {
  const int64_t n = ix.row_length();
  const bool runs = ix.inner_stride(0) != 0;
  ix.for_each_row([&](int64_t out, const int64_t* off) {
    const T* px = x + off[0];
    T* py = y + out;
    if (runs) {
      for (int64_t i = 0; i < n; ++i) py[i] = px[i];
    } else {
      for (int64_t i = 0; i < n; ++i) py[i] = *px;
    }
  });
}

}  // namespace dnncost
