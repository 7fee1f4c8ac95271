// What the cuda device's own kernels for the broadcasting ops beyond Add's family decide at plan time, in host-only
// code: comparisons and logic (kernels/cuda/compare_logic.cu), Where (where.cu), Pow (pow_mod.cu) and Expand
// (expand.cu). Each plan says whether its kernel handles the step, with the numpy-broadcast index table
// (kernels/cuda/index_tables.h) over the step's operands, or why the step falls back to the layer's forward_ref (the
// reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <string>
#include <vector>

#include "kernels/cuda/index_tables.h"
#include "kernels/cuda/plan_common.h"
#include "layers/step.h"

namespace dnncost::cuda {

// The table broadcasting step inputs 0 .. count-1 (all present) onto output 0.
inline bool plan_operand_table(const StepView& s, size_t count, IndexTable* table, std::string* why) {
  if (!s.only_first_output()) return refuse(why, "extra outputs");
  if (s.input_count() != count) return refuse(why, "expected " + std::to_string(count) + " inputs");
  std::vector<Shape> shapes;
  for (size_t i = 0; i < count; ++i) {
    if (!s.present(i)) return refuse(why, "an input is absent");
    shapes.push_back(s.input(i).shape);
  }
  if (s.opset() < 7) {
    for (const Shape& shape : shapes)
      if (shape != shapes[0]) return refuse(why, "legacy (opset < 7) broadcasting");
  }
  if (!make_broadcast_table(shapes, s.output(0).shape, table)) return refuse(why, "more than 8 merged dimensions");
  return true;
}

// The first input in `candidates` the output may overwrite: computed at run time (not a constant in the weight
// region), of the output's shape and element type, so element i reads that input's element i only.
inline int broadcast_in_place_input(const StepView& s, std::initializer_list<int> candidates) {
  for (int i : candidates) {
    const size_t k = static_cast<size_t>(i);
    if (s.present(k) && !s.constant(k) && s.input(k).shape == s.output(0).shape &&
        s.input(k).dtype == s.output(0).dtype)
      return i;
  }
  return -1;
}

// --- comparisons and logic: Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor (bool outputs) -----------

enum class CompareOp { kEqual, kLess, kGreater, kLessOrEqual, kGreaterOrEqual, kAnd, kOr, kXor };

struct CompareConfig {
  CompareOp op = CompareOp::kEqual;
  DType dtype = DType::kFloat32;  // of both operands (the output is bool)
  IndexTable table;
  int64_t elements = 0;
  int in_place_input = -1;
};

inline bool plan_compare(const StepView& s, CompareConfig* c, std::string* why) {
  const std::string& op = s.node().op_type;
  bool logic = false;
  if (op == "Equal") {
    c->op = CompareOp::kEqual;
  } else if (op == "Less") {
    c->op = CompareOp::kLess;
  } else if (op == "Greater") {
    c->op = CompareOp::kGreater;
  } else if (op == "LessOrEqual") {
    c->op = CompareOp::kLessOrEqual;
  } else if (op == "GreaterOrEqual") {
    c->op = CompareOp::kGreaterOrEqual;
  } else if (op == "And" || op == "Or" || op == "Xor") {
    c->op = op == "And" ? CompareOp::kAnd : op == "Or" ? CompareOp::kOr : CompareOp::kXor;
    logic = true;
  } else {
    return refuse(why, "not a comparison or logic op");
  }
  if (!plan_operand_table(s, 2, &c->table, why)) return false;
  c->dtype = s.input(0).dtype;
  if (s.input(1).dtype != c->dtype) return refuse(why, "inputs of different element types");
  if (s.output(0).dtype != DType::kBool) return refuse(why, "the output is not bool");
  if (logic) {
    if (c->dtype != DType::kBool) return refuse(why, "element type " + dtype_name(c->dtype));
  } else if (c->dtype != DType::kFloat32 && c->dtype != DType::kInt64 && c->dtype != DType::kInt32) {
    // Equal on bool compares truth values (layers/compare_logic.cpp); it is not a byte comparison here.
    return refuse(why, "element type " + dtype_name(c->dtype));
  }
  c->elements = shape_numel(s.output(0).shape);
  c->in_place_input = logic ? broadcast_in_place_input(s, {0, 1}) : -1;
  return true;
}

// --- Where: condition ? X : Y -----------------------------------------------------------------------------------

struct WhereConfig {
  size_t element_bytes = 4;  // of X, Y and the output, moved as unsigned integers of that size
  IndexTable table;          // operands: condition, X, Y
  int64_t elements = 0;
  int in_place_input = -1;
};

inline bool plan_where(const StepView& s, WhereConfig* c, std::string* why) {
  if (s.node().op_type != "Where") return refuse(why, "not Where");
  if (!plan_operand_table(s, 3, &c->table, why)) return false;
  if (s.input(0).dtype != DType::kBool) return refuse(why, "the condition is not bool");
  const DType t = s.input(1).dtype;
  if (s.input(2).dtype != t || s.output(0).dtype != t) return refuse(why, "X, Y and the output differ in type");
  c->element_bytes = dtype_size(t);
  if (c->element_bytes != 1 && c->element_bytes != 2 && c->element_bytes != 4 && c->element_bytes != 8)
    return refuse(why, "elements of " + std::to_string(c->element_bytes) + " bytes");
  c->elements = shape_numel(s.output(0).shape);
  c->in_place_input = broadcast_in_place_input(s, {2, 1, 0});
  return true;
}

// --- Pow: float32 base, float32 / int64 / int32 exponent ---------------------------------------------------------

struct PowConfig {
  DType exponent = DType::kFloat32;
  IndexTable table;  // operands: base, exponent
  int64_t elements = 0;
  int in_place_input = -1;
};

inline bool plan_pow(const StepView& s, PowConfig* c, std::string* why) {
  if (s.node().op_type != "Pow") return refuse(why, "not Pow");
  if (!plan_operand_table(s, 2, &c->table, why)) return false;
  // Integer bases are shape arithmetic, folded at plan time; one at run time runs on the host.
  if (s.input(0).dtype != DType::kFloat32 || s.output(0).dtype != DType::kFloat32)
    return refuse(why, "base of element type " + dtype_name(s.input(0).dtype));
  c->exponent = s.input(1).dtype;
  if (c->exponent != DType::kFloat32 && c->exponent != DType::kInt64 && c->exponent != DType::kInt32)
    return refuse(why, "exponent of element type " + dtype_name(c->exponent));
  c->elements = shape_numel(s.output(0).shape);
  c->in_place_input = broadcast_in_place_input(s, {0});
  return true;
}

// --- Expand: a broadcast copy --------------------------------------------------------------------------------------

struct ExpandConfig {
  size_t element_bytes = 4;
  IndexTable table;  // one operand: the input, strides 0 along broadcast dims
  int64_t elements = 0;
};

inline bool plan_expand(const StepView& s, ExpandConfig* c, std::string* why) {
  if (s.node().op_type != "Expand") return refuse(why, "not Expand");
  if (!s.only_first_output() || !s.present(0)) return refuse(why, "expects an input and one output");
  c->element_bytes = dtype_size(s.input(0).dtype);
  if (c->element_bytes != 1 && c->element_bytes != 2 && c->element_bytes != 4 && c->element_bytes != 8)
    return refuse(why, "elements of " + std::to_string(c->element_bytes) + " bytes");
  if (s.output(0).dtype != s.input(0).dtype) return refuse(why, "the output differs in type");
  if (!make_broadcast_table({s.input(0).shape}, s.output(0).shape, &c->table))
    return refuse(why, "more than 8 merged dimensions");
  c->elements = shape_numel(s.output(0).shape);
  return true;
}

}  // namespace dnncost::cuda
