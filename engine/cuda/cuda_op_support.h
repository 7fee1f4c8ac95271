// What the cuda device's own kernels (engine/cuda/cuda_<family>.cu) decide at plan time, in host-only code: for
// one plan step, whether a kernel handles it and with which parameters (index tables, activation parameters,
// copy sizes), or why it falls back to the layer's forward_ref. No CUDA includes, so the unit tests run this
// selection logic in every build and emulate the kernels on the CPU with the same per-element functions.
//
// Each plan_* function returns false with a reason in *why when the kernel does not handle the step; the
// factories turn that into nullptr. The layer has already validated the node (infer()), so these functions only
// re-read what they need: attributes, plan-time inputs and the resolved shapes of the plan.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "kernels/cuda/cast_element.h"
#include "kernels/cuda/index_tables.h"
#include "kernels/fused_activation.h"
#include "layers/element_convert.h"

namespace dnncost::cuda {

// Read-only view of one step for the plan_* functions (KernelRequest without the CUDA context).
struct StepView {
  const Plan& plan;
  const PlanStep& step;

  const Node& node() const { return *step.node; }
  AttributeReader attrs() const { return AttributeReader(*step.node, plan.graph().path); }
  int64_t opset() const { return plan.graph().opset; }
  size_t input_count() const { return step.inputs.size(); }
  bool present(size_t i) const { return i < step.inputs.size() && step.inputs[i] >= 0; }
  const PlanValue& input(size_t i) const { return plan.values()[step.inputs[i]]; }
  const PlanValue& output(size_t i) const { return plan.values()[step.outputs[i]]; }
  const Tensor* constant(size_t i) const { return present(i) ? input(i).constant.get() : nullptr; }
  bool has_output(size_t i) const { return i < step.outputs.size() && step.outputs[i] >= 0; }
  bool only_first_output() const {
    for (size_t i = 1; i < step.outputs.size(); ++i)
      if (step.outputs[i] >= 0) return false;
    return has_output(0);
  }
};

inline bool refuse(std::string* why, const std::string& reason) {
  if (why) *why = reason;
  return false;
}

// --- element-wise arithmetic: Add Sub Mul Div Sum Max PRelu ------------------------------------------------

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kPRelu };

struct BroadcastConfig {
  BinaryOp op = BinaryOp::kAdd;
  DType dtype = DType::kFloat32;
  IndexTable table;      // operands = the step's inputs, in order
  int64_t elements = 0;  // of the output
  int in_place_input = -1;
};

inline bool plan_broadcast(const StepView& s, BroadcastConfig* c, std::string* why) {
  const std::string& op = s.node().op_type;
  if (op == "Add")
    c->op = BinaryOp::kAdd;
  else if (op == "Sub")
    c->op = BinaryOp::kSub;
  else if (op == "Mul")
    c->op = BinaryOp::kMul;
  else if (op == "Div")
    c->op = BinaryOp::kDiv;
  else if (op == "Sum")
    c->op = BinaryOp::kAdd;
  else if (op == "Max")
    c->op = BinaryOp::kMax;
  else if (op == "PRelu")
    c->op = BinaryOp::kPRelu;
  else
    return refuse(why, "not an element-wise arithmetic op");
  const bool variadic = op == "Sum" || op == "Max";
  if (!s.only_first_output()) return refuse(why, "extra outputs");
  const size_t n = s.input_count();
  if (n == 0 || n > static_cast<size_t>(kMaxTableOperands))
    return refuse(why, std::to_string(n) + " inputs (the kernel takes 1 to " + std::to_string(kMaxTableOperands) + ")");
  for (size_t i = 0; i < n; ++i)
    if (!s.present(i)) return refuse(why, "an input is absent");
  c->dtype = s.input(0).dtype;
  for (size_t i = 0; i < n; ++i)
    if (s.input(i).dtype != c->dtype) return refuse(why, "inputs of different element types");
  const bool integer = c->dtype == DType::kInt64 || c->dtype == DType::kInt32;
  if (c->dtype != DType::kFloat32 && !integer) return refuse(why, "element type " + dtype_name(c->dtype));
  if (c->op == BinaryOp::kPRelu && integer) return refuse(why, "integer PRelu");
  if (!variadic && n != 2) return refuse(why, "expected 2 inputs");

  const Shape& out = s.output(0).shape;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < n; ++i) shapes.push_back(s.input(i).shape);
  if (c->op == BinaryOp::kPRelu) {
    // As layers/prelu.cpp: before opset 7 a 1-D slope of X's channel count is per channel.
    const Shape& x = shapes[0];
    if (s.opset() < 7 && shapes[1].size() == 1 && x.size() >= 2 && shapes[1][0] == x[1]) {
      Shape per_channel(x.size() - 1, 1);
      per_channel[0] = x[1];
      shapes[1] = per_channel;
    }
  } else if (!variadic && s.opset() < 7 && shapes[0] != shapes[1]) {
    // Legacy broadcasting (broadcast=1, axis): only the one-value B is handled here (it means the same in numpy).
    if (shape_numel(shapes[1]) != 1) return refuse(why, "legacy (opset < 7) broadcasting with axis");
    shapes[1] = Shape{};
  }
  if (!make_broadcast_table(shapes, out, &c->table)) return refuse(why, "more than 8 merged dimensions");
  if (integer && c->op == BinaryOp::kDiv) {
    // The ref path rejects a zero integer divisor; the GPU cannot, so only known non-zero divisors run here.
    const Tensor* b = s.constant(1);
    if (!b)
      return refuse(why, "integer Div with a divisor computed at run time (zero divisors are checked on the host)");
    for (int64_t v : b->to_int64_vector())
      if (v == 0) return refuse(why, "integer Div by zero");
  }
  c->elements = shape_numel(out);
  c->in_place_input = -1;
  for (size_t i = 0; i < n && c->in_place_input < 0; ++i)
    if (s.input(i).shape == out && !s.constant(i) && (c->op != BinaryOp::kPRelu || i == 0))
      c->in_place_input = static_cast<int>(i);
  return true;
}

// --- unary activations: Relu LeakyRelu Elu Sigmoid Tanh HardSigmoid HardSwish Clip -------------------------

inline bool plan_activation(const StepView& s, FusedActivation* a, std::string* why) {
  const std::string& op = s.node().op_type;
  a->kind = activation_kind_of(op);
  if (a->kind == ActivationKind::kNone) return refuse(why, "not an activation");
  if (!s.only_first_output() || !s.present(0) || s.input(0).dtype != DType::kFloat32)
    return refuse(why, "expects one float32 input and one output");
  const AttributeReader attrs = s.attrs();
  switch (a->kind) {
    case ActivationKind::kLeakyRelu:
      a->alpha = attrs.get_float("alpha", 0.01f);
      break;
    case ActivationKind::kElu:
      a->alpha = attrs.get_float("alpha", 1.0f);
      break;
    case ActivationKind::kHardSigmoid:
      a->alpha = attrs.get_float("alpha", 0.2f);
      a->beta = attrs.get_float("beta", 0.5f);
      break;
    case ActivationKind::kClip: {
      a->alpha = std::numeric_limits<float>::lowest();
      a->beta = std::numeric_limits<float>::max();
      if (s.opset() < 11) {
        a->alpha = attrs.get_float("min", a->alpha);
        a->beta = attrs.get_float("max", a->beta);
        break;
      }
      for (size_t i = 1; i < 3; ++i) {
        if (!s.present(i)) continue;
        const Tensor* t = s.constant(i);
        if (!t || t->dtype() != DType::kFloat32 || t->numel() != 1)
          return refuse(why, "Clip bound computed at run time");
        (i == 1 ? a->alpha : a->beta) = t->data<float>()[0];
      }
      break;
    }
    default:
      break;
  }
  return true;
}

// --- byte copies: Reshape Flatten Squeeze Unsqueeze Identity Dropout ---------------------------------------

struct ByteCopyConfig {
  int64_t bytes = 0;                     // output 0 = input 0, byte for byte
  DType mask_dtype = DType::kUndefined;  // Dropout's mask output (all ones), when it is used
  int64_t mask_elements = 0;
};

// The bytes of the value 1 in element type t (the Dropout mask), or an empty vector for types without one.
inline std::vector<unsigned char> one_value_bytes(DType t) {
  std::vector<unsigned char> bytes(dtype_size(t));
  if (bytes.empty() || !dtype_convertible(t)) return {};
  const float one = 1.f;
  convert_elements(DType::kFloat32, &one, t, bytes.data(), 1);
  return bytes;
}

inline bool plan_byte_copy(const StepView& s, ByteCopyConfig* c, std::string* why) {
  if (!s.present(0) || !s.has_output(0)) return refuse(why, "missing input or output");
  if (s.input(0).constant) return refuse(why, "constant input");
  const int64_t in_bytes = shape_numel(s.input(0).shape) * static_cast<int64_t>(dtype_size(s.input(0).dtype));
  const int64_t out_bytes = shape_numel(s.output(0).shape) * static_cast<int64_t>(dtype_size(s.output(0).dtype));
  if (in_bytes != out_bytes || s.input(0).dtype != s.output(0).dtype) return refuse(why, "input and output differ");
  c->bytes = in_bytes;
  if (s.node().op_type == "Dropout") {
    // training_mode (input 2) must be a known false (or ratio a known 0): the ref path checks it at run time.
    if (s.present(2)) {
      const Tensor* training = s.constant(2);
      if (!training) return refuse(why, "Dropout training_mode computed at run time");
      if (training->numel() > 0 && training->value_as_double(0) != 0) {
        const Tensor* ratio = s.constant(1);
        if (s.present(1) && (!ratio || ratio->value_as_double(0) != 0)) return refuse(why, "Dropout in training mode");
      }
    }
    if (s.has_output(1)) {
      c->mask_dtype = s.output(1).dtype;
      c->mask_elements = shape_numel(s.output(1).shape);
      if (one_value_bytes(c->mask_dtype).empty()) return refuse(why, "mask type " + dtype_name(c->mask_dtype));
    }
  } else if (!s.only_first_output()) {
    return refuse(why, "extra outputs");
  }
  return true;
}

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
  int64_t axis =
      split ? s.attrs().get_int("axis", 0) : (s.opset() < 4 ? s.attrs().get_int("axis", 1) : s.attrs().get_int("axis"));
  if (axis < 0) axis += rank;
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

// --- Cast ----------------------------------------------------------------------------------------------

struct CastConfig {
  DType from = DType::kUndefined, to = DType::kUndefined;
  int64_t elements = 0;
};

inline bool plan_cast(const StepView& s, CastConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0)) return refuse(why, "expects one input and one output");
  c->from = s.input(0).dtype;
  c->to = s.output(0).dtype;
  if (!cast_type_on_device(c->from) || !cast_type_on_device(c->to))
    return refuse(why, "cast between " + dtype_name(c->from) + " and " + dtype_name(c->to) +
                           " (float16/bfloat16 rounding stays on the host)");
  c->elements = shape_numel(s.input(0).shape);
  return true;
}

// --- MaxUnpool, InstanceNormalization, ReduceMean ---------------------------------------------------------

struct MaxUnpoolConfig {
  int64_t x_elements = 0, y_elements = 0;
};

inline bool plan_max_unpool(const StepView& s, MaxUnpoolConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0) || !s.present(1)) return refuse(why, "expects X and I");
  if (s.input(0).dtype != DType::kFloat32 || s.input(1).dtype != DType::kInt64)
    return refuse(why, "expects float32 X and int64 I");
  c->x_elements = shape_numel(s.input(0).shape);
  c->y_elements = shape_numel(s.output(0).shape);
  if (const Tensor* idx = s.constant(1)) {
    for (int64_t v : idx->to_int64_vector())
      if (v < 0 || v >= c->y_elements) return refuse(why, "index out of range");
  }
  return true;
}

struct InstanceNormConfig {
  int64_t planes = 0, channels = 0, spatial = 0;
  float epsilon = 1e-5f;
};

inline bool plan_instance_norm(const StepView& s, InstanceNormConfig* c, std::string* why) {
  if (!s.only_first_output()) return refuse(why, "extra outputs");
  for (size_t i = 0; i < 3; ++i)
    if (!s.present(i) || s.input(i).dtype != DType::kFloat32) return refuse(why, "expects float32 input, scale, B");
  const Shape& x = s.input(0).shape;
  if (x.size() < 3) return refuse(why, "rank below 3");
  c->channels = x[1];
  c->planes = x[0] * x[1];
  c->spatial = 1;
  for (size_t d = 2; d < x.size(); ++d) c->spatial *= x[d];
  c->epsilon = s.attrs().get_float("epsilon", 1e-5f);
  return true;
}

inline bool plan_reduce_mean(const StepView& s, ReduceTable* t, std::string* why) {
  if (!s.only_first_output() || !s.present(0) || s.input(0).dtype != DType::kFloat32)
    return refuse(why, "expects one float32 input and one output");
  const Shape& in = s.input(0).shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (s.present(1)) {
    const Tensor* a = s.constant(1);
    if (!a) return refuse(why, "axes computed at run time");
    axes = a->to_int64_vector();
  } else {
    axes = s.attrs().get_ints("axes", {});
  }
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  if (axes.empty() && s.attrs().get_int("noop_with_empty_axes", 0) == 0)
    reduced.assign(static_cast<size_t>(rank), true);
  for (int64_t a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return refuse(why, "axis out of range");
    reduced[static_cast<size_t>(a)] = true;
  }
  if (!make_reduce_table(in, reduced, t)) return refuse(why, "more than 8 dimensions after merging");
  if (t->outputs != shape_numel(s.output(0).shape)) return refuse(why, "output size differs from the plan's");
  return true;
}

}  // namespace dnncost::cuda
