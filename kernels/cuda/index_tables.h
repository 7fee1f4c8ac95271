// Index tables of the cuda device's data-movement and broadcast kernels: plain structs passed by value as kernel
// parameters, the host code that builds them from shapes, and the __host__ __device__ functions that map one
// output element to the input element(s) it reads. Host-only (no CUDA includes): the unit tests run the same
// per-element functions on the CPU over whole tensors and compare with the layers' forward_ref.
//
// Tables work on "merged" dimensions: size-1 output dims are dropped and neighbours that every operand walks
// contiguously are merged (the idea of kernels/broadcast.h and kernels/transpose_index.h), so most kernels do one
// to three divisions per element. Up to kMaxTableRank merged dims; a configuration needing more makes the
// factory return nullptr (the step then runs forward_ref on the host).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/broadcast.h"
#include "kernels/hostdevice.h"
#include "kernels/pad_index.h"
#include "kernels/transpose_index.h"

namespace dnncost::cuda {

constexpr int kMaxTableRank = 8;
constexpr int kMaxTableOperands = 8;

// Output dims (outermost first) and, per operand, its element stride along each dim (0: broadcast; negative:
// walked backwards, as a Slice with a negative step) and its offset of output element 0.
struct IndexTable {
  int rank = 0;
  int operands = 0;
  int64_t dims[kMaxTableRank] = {};
  int64_t strides[kMaxTableOperands][kMaxTableRank] = {};
  int64_t base[kMaxTableOperands] = {};
};

// Offset of output element `index` in operand k (a division and a modulo per dim, innermost first).
template <typename Index>
DNNCOST_HD Index table_offset(const IndexTable& t, int k, Index index) {
  Index offset = static_cast<Index>(t.base[k]);
  for (int j = t.rank - 1; j >= 0; --j) {
    const Index d = static_cast<Index>(t.dims[j]);
    offset += (index % d) * static_cast<Index>(t.strides[k][j]);
    index /= d;
  }
  return offset;
}

// Builds a table from dims and per-operand strides (and bases), dropping size-1 dims and merging neighbours that
// every operand walks as one (stride of the outer = stride of the inner * inner size). False when more than
// kMaxTableRank dims remain or there are more than kMaxTableOperands operands.
inline bool make_index_table(const std::vector<int64_t>& dims, const std::vector<std::vector<int64_t>>& strides,
                             const std::vector<int64_t>& bases, IndexTable* table) {
  const size_t operands = strides.size();
  if (operands > static_cast<size_t>(kMaxTableOperands)) return false;
  std::vector<int64_t> out_dims;
  std::vector<std::vector<int64_t>> out_strides(operands);
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;  // a step along it never happens
    bool merges = !out_dims.empty() && dims[d] != 0 && out_dims.back() != 0;
    for (size_t k = 0; k < operands && merges; ++k) merges = out_strides[k].back() == strides[k][d] * dims[d];
    if (merges) {
      out_dims.back() *= dims[d];
      for (size_t k = 0; k < operands; ++k) out_strides[k].back() = strides[k][d];
    } else {
      out_dims.push_back(dims[d]);
      for (size_t k = 0; k < operands; ++k) out_strides[k].push_back(strides[k][d]);
    }
  }
  if (out_dims.empty()) {  // a single element
    out_dims.push_back(1);
    for (auto& s : out_strides) s.push_back(0);
  }
  if (out_dims.size() > static_cast<size_t>(kMaxTableRank)) return false;
  *table = IndexTable{};
  table->rank = static_cast<int>(out_dims.size());
  table->operands = static_cast<int>(operands);
  for (size_t d = 0; d < out_dims.size(); ++d) {
    table->dims[d] = out_dims[d];
    for (size_t k = 0; k < operands; ++k) table->strides[k][d] = out_strides[k][d];
  }
  for (size_t k = 0; k < operands && k < bases.size(); ++k) table->base[k] = bases[k];
  return true;
}

// Largest offset any operand reaches (for the int32 decision), assuming non-negative offsets throughout.
inline int64_t table_max_offset(const IndexTable& t) {
  int64_t most = 0;
  for (int k = 0; k < t.operands; ++k) {
    int64_t hi = t.base[k];
    for (int j = 0; j < t.rank; ++j)
      if (t.dims[j] > 0 && t.strides[k][j] > 0) hi += (t.dims[j] - 1) * t.strides[k][j];
    most = hi > most ? hi : most;
  }
  return most;
}

// numpy broadcasting of every operand onto out_shape (operands' shapes aligned at the last dim).
inline bool make_broadcast_table(const std::vector<Shape>& in_shapes, const Shape& out_shape, IndexTable* table) {
  for (const Shape& s : in_shapes)
    if (!broadcasts_to(s, out_shape)) return false;
  const BroadcastIndexer ix(in_shapes, out_shape);
  std::vector<std::vector<int64_t>> strides;
  for (size_t k = 0; k < ix.num_inputs(); ++k) strides.push_back(ix.strides(k));
  return make_index_table(ix.dims(), strides, {}, table);
}

// Transpose: output dim j is input dim perm[j]; one operand (the input).
inline bool make_transpose_table(const Shape& in_shape, const std::vector<int64_t>& perm, IndexTable* table) {
  const TransposeWalk w = make_transpose_walk(in_shape, perm);
  return make_index_table(w.out_dims, {w.in_strides}, {}, table);
}

// Slice: output element at coordinates p reads input (start[a] + p[a] * step[a]) along every axis a.
inline bool make_slice_table(const Shape& in_shape, const Shape& out_shape, const std::vector<int64_t>& start,
                             const std::vector<int64_t>& step, IndexTable* table) {
  const std::vector<int64_t> in_strides = shape_strides(in_shape);
  std::vector<int64_t> strides(in_shape.size());
  int64_t base = 0;
  for (size_t a = 0; a < in_shape.size(); ++a) {
    strides[a] = step[a] * in_strides[a];
    if (out_shape[a] > 0) base += start[a] * in_strides[a];
  }
  return make_index_table(out_shape, {strides}, {base}, table);
}

// Pad: per output axis, the kept input extent (after cropping by negative pads) and where it starts.
struct PadTable {
  int rank = 0;
  PadMode mode = PadMode::kConstant;
  int64_t out_dims[kMaxTableRank] = {};
  int64_t in_strides[kMaxTableRank] = {};
  int64_t pad_begin[kMaxTableRank] = {};   // output elements before the kept extent
  int64_t extent[kMaxTableRank] = {};      // input elements kept
  int64_t crop_begin[kMaxTableRank] = {};  // input elements dropped at the start
};

// Builds the table from ONNX pads ([begin_0 .. begin_r-1, end_0 .. end_r-1], negative = crop), merging
// neighbouring axes that are neither padded nor cropped. Pads must already be validated (as layers/pad.cpp does);
// false when more than kMaxTableRank axes remain.
inline bool make_pad_table(const Shape& in_shape, const std::vector<int64_t>& pads, PadMode mode, PadTable* table) {
  const size_t rank = in_shape.size();
  const std::vector<int64_t> in_strides = shape_strides(in_shape);
  *table = PadTable{};
  table->mode = mode;
  int r = 0;
  bool previous_plain = false;  // the last table axis is neither padded nor cropped
  for (size_t a = 0; a < rank; ++a) {
    const int64_t dim = in_shape[a], begin = pads[a], end = pads[a + rank];
    const int64_t crop_begin = begin < 0 ? -begin : 0;
    const int64_t extent = dim - crop_begin - (end < 0 ? -end : 0);
    const int64_t pad_begin = begin > 0 ? begin : 0;
    const int64_t out = extent + pad_begin + (end > 0 ? end : 0);
    const bool plain = begin == 0 && end == 0;
    if (plain && previous_plain) {  // merge into the previous axis: one walk over both
      table->out_dims[r - 1] *= dim;
      table->extent[r - 1] *= dim;
      table->in_strides[r - 1] = in_strides[a];
      continue;
    }
    if (r == kMaxTableRank) return false;
    table->out_dims[r] = out;
    table->in_strides[r] = in_strides[a];
    table->pad_begin[r] = pad_begin;
    table->extent[r] = extent;
    table->crop_begin[r] = crop_begin;
    previous_plain = plain;
    ++r;
  }
  table->rank = r;
  return true;
}

// Input offset of output element `index`, or -1 where the fill value goes.
template <typename Index>
DNNCOST_HD Index pad_source_offset(const PadTable& t, Index index) {
  Index offset = 0;
  bool fill = false;
  for (int a = t.rank - 1; a >= 0; --a) {
    const Index d = static_cast<Index>(t.out_dims[a]);
    const Index position = index % d;
    index /= d;
    const int64_t i = pad_source_index(static_cast<int64_t>(position) - t.pad_begin[a], t.extent[a], t.mode);
    if (i < 0)
      fill = true;
    else
      offset += static_cast<Index>(t.crop_begin[a] + i) * static_cast<Index>(t.in_strides[a]);
  }
  return fill ? Index(-1) : offset;
}

// Gather along an axis: data seen as [outer, axis_dim, inner], output as [outer, indices, inner] (in copy units).
struct GatherTable {
  int64_t outer = 0, axis_dim = 0, indices = 0, inner = 0;
};

// Source offset (in copy units) of output unit `o`; idx holds the resolved (non-negative) indices.
template <typename Index>
DNNCOST_HD Index gather_source_offset(const GatherTable& t, const int64_t* idx, Index o) {
  const Index inner = static_cast<Index>(t.inner);
  const Index indices = static_cast<Index>(t.indices);
  const Index i = o % inner;
  const Index rest = o / inner;
  const Index j = rest % indices;
  const Index b = rest / indices;
  return (b * static_cast<Index>(t.axis_dim) + static_cast<Index>(idx[j])) * inner + i;
}

// A copy of `rows` rows of row_units units each, rows src_pitch apart in the source and dst_pitch apart in the
// destination (Concat: each input into its columns of the output rows; Split: the reverse).
struct RowCopy {
  int64_t rows = 0, row_units = 0, src_pitch = 0, dst_pitch = 0;
};

template <typename Index>
DNNCOST_HD void row_copy_offsets(const RowCopy& c, Index item, Index* src, Index* dst) {
  const Index row_units = static_cast<Index>(c.row_units);
  const Index r = item / row_units;
  const Index col = item % row_units;
  *src = r * static_cast<Index>(c.src_pitch) + col;
  *dst = r * static_cast<Index>(c.dst_pitch) + col;
}

// Mean over some axes: output element o (row-major over the kept axes) averages `group` input elements at
// outer-table offset of o plus inner-table offset of g, g in [0, group).
struct ReduceTable {
  IndexTable outer;  // over the kept axes (reduced ones dropped), input strides
  IndexTable inner;  // over the reduced axes, input strides
  int64_t outputs = 0, group = 0;
};

inline bool make_reduce_table(const Shape& in_shape, const std::vector<bool>& reduced, ReduceTable* table) {
  const std::vector<int64_t> strides = shape_strides(in_shape);
  std::vector<int64_t> kept_dims, kept_strides, reduced_dims, reduced_strides;
  for (size_t a = 0; a < in_shape.size(); ++a) {
    (reduced[a] ? reduced_dims : kept_dims).push_back(in_shape[a]);
    (reduced[a] ? reduced_strides : kept_strides).push_back(strides[a]);
  }
  table->outputs = shape_numel(kept_dims);
  table->group = shape_numel(reduced_dims);
  return make_index_table(kept_dims, {kept_strides}, {}, &table->outer) &&
         make_index_table(reduced_dims, {reduced_strides}, {}, &table->inner);
}

}  // namespace dnncost::cuda
