// What the cuda device's own kernel for Transpose, Slice, Pad and Gather (kernels/cuda/data_movement.cu) decides at
// plan time, in host-only code: whether it handles the step and with which parameters, or why the step falls back to
// the layer's forward_ref (the reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/index_tables.h"
#include "kernels/cuda/plan_common.h"
#include "layers/element_convert.h"
#include "layers/gather.h"
#include "layers/pad.h"
#include "layers/slice.h"
#include "layers/step.h"
#include "layers/transpose.h"

namespace dnncost::cuda {

// --- Transpose ---------------------------------------------------------------------------------------------

struct GatherLikeConfig {
  IndexTable table;  // one operand: the input, in elements
  size_t element_bytes = 0;
  int64_t elements = 0;
};

inline bool plan_transpose(const StepView& s, GatherLikeConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0)) return refuse(why, "expects one input and one output");
  const Shape& in = s.input(0).shape;
  const TransposeParams* p = s.parsed<TransposeParams>();
  if (!p) return refuse(why, "not a Transpose layer");
  const std::vector<int64_t>& perm = p->perm;
  if (perm.size() != in.size()) return refuse(why, "perm does not match the rank");
  if (!make_transpose_table(in, perm, &c->table)) return refuse(why, "more than 8 dimensions after merging");
  c->element_bytes = dtype_size(s.input(0).dtype);
  c->elements = shape_numel(s.output(0).shape);
  return true;
}

// --- Slice -------------------------------------------------------------------------------------------------

inline bool plan_slice(const StepView& s, GatherLikeConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0)) return refuse(why, "expects one data input and one output");
  const Shape& in = s.input(0).shape;
  const SliceParams* p = s.parsed<SliceParams>();
  if (!p) return refuse(why, "not a Slice layer");
  const std::vector<int64_t>&start = p->start, &step = p->step;
  const Shape& out = s.output(0).shape;
  if (start.size() != in.size() || step.size() != in.size() || out.size() != in.size())
    return refuse(why, "slice parameters do not match the rank");
  if (!make_slice_table(in, out, start, step, &c->table)) return refuse(why, "more than 8 dimensions after merging");
  c->element_bytes = dtype_size(s.input(0).dtype);
  c->elements = shape_numel(out);
  return true;
}

// --- Pad ---------------------------------------------------------------------------------------------------

struct PadConfig {
  PadTable table;
  size_t element_bytes = 0;
  int64_t elements = 0;
  std::vector<unsigned char> fill;  // the fill element when known at plan time (zeros by default)
  int fill_input = -1;              // else the step input holding it at run time (opset >= 11 constant_value)
};

inline bool plan_pad(const StepView& s, PadConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0)) return refuse(why, "expects one data input and one output");
  const PadParams* p = s.parsed<PadParams>();
  if (!p) return refuse(why, "not a Pad layer");
  const PadMode pad_mode = p->mode;
  const DType dtype = s.input(0).dtype;
  c->element_bytes = dtype_size(dtype);
  c->fill.assign(c->element_bytes, 0);
  c->fill_input = -1;
  const std::vector<int64_t>& pads = p->pads;
  if (p->value_attribute) {
    if (!dtype_convertible(dtype)) return refuse(why, "element type " + dtype_name(dtype));
    convert_elements(DType::kFloat32, &p->value, dtype, c->fill.data(), 1);
  } else {
    if (s.present(2)) {
      if (const Tensor* v = s.constant(2)) {
        if (v->bytes() != c->element_bytes) return refuse(why, "constant_value is not one element");
        std::memcpy(c->fill.data(), v->raw(), c->element_bytes);
      } else {
        c->fill_input = 2;
      }
    }
  }
  const Shape& in = s.input(0).shape;
  if (pads.size() != 2 * in.size()) return refuse(why, "pads do not match the rank");
  if (!make_pad_table(in, pads, pad_mode, &c->table)) return refuse(why, "more than 8 padded dimensions");
  c->elements = shape_numel(s.output(0).shape);
  return true;
}

// --- Gather (indices known at plan time) ---------------------------------------------------------------

struct GatherConfig {
  GatherTable table;             // in elements
  std::vector<int64_t> indices;  // resolved to [0, axis_dim)
  size_t element_bytes = 0;
  int64_t elements = 0;
};

inline bool plan_gather(const StepView& s, GatherConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0) || !s.present(1)) return refuse(why, "expects data and indices");
  const Tensor* idx = s.constant(1);
  if (!idx) return refuse(why, "indices computed at run time (out-of-range indices are checked on the host)");
  const Shape& data = s.input(0).shape;
  const int64_t rank = static_cast<int64_t>(data.size());
  const GatherParams* p = s.parsed<GatherParams>();
  if (!p) return refuse(why, "not a Gather layer");
  const int64_t axis = p->axis;
  if (axis < 0 || axis >= rank) return refuse(why, "axis out of range");
  c->table = GatherTable{};
  c->table.outer = 1;
  c->table.inner = 1;
  for (int64_t a = 0; a < axis; ++a) c->table.outer *= data[a];
  for (int64_t a = axis + 1; a < rank; ++a) c->table.inner *= data[a];
  c->table.axis_dim = data[axis];
  c->indices = idx->to_int64_vector();
  for (int64_t& v : c->indices) {
    if (v < -c->table.axis_dim || v >= c->table.axis_dim) return refuse(why, "index out of range");
    if (v < 0) v += c->table.axis_dim;
  }
  c->table.indices = static_cast<int64_t>(c->indices.size());
  c->element_bytes = dtype_size(s.input(0).dtype);
  c->elements = shape_numel(s.output(0).shape);
  return true;
}

}  // namespace dnncost::cuda
