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
#include "layers/step.h"

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
  std::vector<int64_t> perm;
  for (int64_t i = static_cast<int64_t>(in.size()) - 1; i >= 0; --i) perm.push_back(i);
  perm = s.attrs().get_ints("perm", perm);
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
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> starts, ends, axes, steps;
  const AttributeReader attrs = s.attrs();
  if (s.opset() < 10) {
    starts = attrs.get_ints("starts");
    ends = attrs.get_ints("ends");
    axes = attrs.get_ints("axes", {});
  } else {
    for (size_t i = 1; i < 5; ++i) {
      if (!s.present(i)) continue;
      const Tensor* t = s.constant(i);
      if (!t) return refuse(why, "a slice parameter computed at run time");
      (i == 1 ? starts : i == 2 ? ends : i == 3 ? axes : steps) = t->to_int64_vector();
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return refuse(why, "inconsistent slice parameters");
  for (int64_t& a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return refuse(why, "axis out of range");
  }
  std::vector<int64_t> start, step;
  Shape out;
  resolve_slice(in, axes, starts, ends, steps, &start, &step, &out);
  if (out != s.output(0).shape) return refuse(why, "slice shape differs from the plan's");
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
  const AttributeReader attrs = s.attrs();
  const std::string mode = attrs.get_string("mode", "constant");
  const PadMode pad_mode = mode == "reflect" ? PadMode::kReflect : mode == "edge" ? PadMode::kEdge : PadMode::kConstant;
  const DType dtype = s.input(0).dtype;
  c->element_bytes = dtype_size(dtype);
  c->fill.assign(c->element_bytes, 0);
  c->fill_input = -1;
  std::vector<int64_t> pads;
  if (s.opset() < 11) {
    pads = attrs.has("pads") ? attrs.get_ints("pads") : attrs.get_ints("paddings");
    const float value = attrs.get_float("value", 0.f);
    if (!dtype_convertible(dtype)) return refuse(why, "element type " + dtype_name(dtype));
    convert_elements(DType::kFloat32, &value, dtype, c->fill.data(), 1);
  } else {
    const Tensor* p = s.constant(1);
    if (!p) return refuse(why, "pads computed at run time");
    pads = p->to_int64_vector();
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
  int64_t axis = s.attrs().get_int("axis", 0);
  if (axis < 0) axis += rank;
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
