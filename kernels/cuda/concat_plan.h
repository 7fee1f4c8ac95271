// What the cuda device's own kernel for Concat and Split (kernels/cuda/concat.cu) decides at plan time, in host-only
// code: whether it handles the step and with which parameters, or why the step falls back to the layer's forward_ref
// (the reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/plan_common.h"
#include "layers/concat_split.h"
#include "layers/step.h"

namespace dnncost::cuda {

// --- Concat and Split: rows of [outer, axis * inner] -----------------------------------------------------

// Per piece (Concat: input; Split: output): bytes of one row; the joined tensor's rows are the pieces' rows side
// by side. A piece that is absent (a Split output nobody reads) has row bytes counted but no copy.
struct ConcatConfig {
  int64_t outer = 0;  // rows
  std::vector<int64_t> piece_row_bytes;
  std::vector<int64_t> piece_offset;  // byte offset of the piece within a row of the joined tensor
  int64_t row_bytes = 0;              // of the joined tensor
};

inline bool plan_concat_rows(const Shape& joined, int64_t axis, const std::vector<Shape>& pieces, size_t elem,
                             ConcatConfig* c) {
  c->outer = 1;
  for (int64_t d = 0; d < axis; ++d) c->outer *= joined[d];
  c->piece_row_bytes.clear();
  c->piece_offset.clear();
  c->row_bytes = 0;
  for (const Shape& p : pieces) {
    int64_t row = static_cast<int64_t>(elem);
    for (size_t d = static_cast<size_t>(axis); d < p.size(); ++d) row *= p[d];
    c->piece_offset.push_back(c->row_bytes);
    c->piece_row_bytes.push_back(row);
    c->row_bytes += row;
  }
  return true;
}

inline bool plan_concat(const StepView& s, ConcatConfig* c, std::string* why) {
  const bool split = s.node().op_type == "Split";
  if (!split && !s.only_first_output()) return refuse(why, "extra outputs");
  if (!s.present(0)) return refuse(why, "input 0 is absent");
  const Shape& joined = split ? s.input(0).shape : s.output(0).shape;
  const int64_t rank = static_cast<int64_t>(joined.size());
  if (rank < 1) return refuse(why, "scalar");
  const ConcatSplitParams* p = s.parsed<ConcatSplitParams>();
  if (!p) return refuse(why, "not a Concat or Split layer");
  const int64_t axis = p->axis;
  if (axis < 0 || axis >= rank) return refuse(why, "axis out of range");
  std::vector<Shape> pieces;
  if (split) {
    for (size_t k = 0; k < s.step.outputs.size(); ++k) {
      // An absent output's shape along the axis: what is left between its neighbours (the layer checked sizes).
      if (!s.has_output(k)) return refuse(why, "a Split output is absent");
      pieces.push_back(s.output(k).shape);
    }
  } else {
    for (size_t i = 0; i < s.input_count(); ++i) {
      if (!s.present(i)) return refuse(why, "an input is absent");
      pieces.push_back(s.input(i).shape);
    }
  }
  return plan_concat_rows(joined, axis, pieces, dtype_size(s.input(0).dtype), c);
}

}  // namespace dnncost::cuda
