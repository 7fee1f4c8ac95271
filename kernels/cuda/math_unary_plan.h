// What the cuda device's own kernel for the one-operand math ops (kernels/cuda/math_unary.cu) decides at plan time, in
// host-only code: which functor runs on which element type, or why the step falls back to the layer's forward_ref
// (the reason goes in *why). No CUDA includes, so the unit tests run it in every build.
//
// Sqrt, Exp, Log, Reciprocal (float32), Neg, Abs (float32, int64, int32; layers/math_unary.cpp), Erf and Gelu (both
// approximations; layers/gelu.cpp) and Not (bool; layers/compare_logic.cpp): y[i] = fn(x[i]) with the functors of
// kernels/math_functors.h, activation_functors.h and compare_functors.h, in place when the input dies here.
#pragma once

#include <string>

#include "kernels/cuda/plan_common.h"
#include "layers/gelu.h"
#include "layers/step.h"

namespace dnncost::cuda {

enum class UnaryMathOp { kSqrt, kExp, kLog, kReciprocal, kNeg, kAbs, kErf, kGeluErf, kGeluTanh, kNot };

struct UnaryMathConfig {
  UnaryMathOp op = UnaryMathOp::kSqrt;
  DType dtype = DType::kFloat32;  // of the input and the output
  int64_t elements = 0;
};

// The functor's name, as the kernel's implementation string shows it.
inline const char* unary_math_name(UnaryMathOp op) {
  switch (op) {
    case UnaryMathOp::kSqrt:
      return "Sqrt";
    case UnaryMathOp::kExp:
      return "Exp";
    case UnaryMathOp::kLog:
      return "Log";
    case UnaryMathOp::kReciprocal:
      return "Reciprocal";
    case UnaryMathOp::kNeg:
      return "Neg";
    case UnaryMathOp::kAbs:
      return "Abs";
    case UnaryMathOp::kErf:
      return "Erf";
    case UnaryMathOp::kGeluErf:
      return "GeluErf";
    case UnaryMathOp::kGeluTanh:
      return "GeluTanh";
    case UnaryMathOp::kNot:
      return "Not";
  }
  return "?";
}

inline bool plan_unary_math(const StepView& s, UnaryMathConfig* c, std::string* why) {
  const std::string& op = s.node().op_type;
  bool integers = false, boolean = false;
  if (op == "Sqrt") {
    c->op = UnaryMathOp::kSqrt;
  } else if (op == "Exp") {
    c->op = UnaryMathOp::kExp;
  } else if (op == "Log") {
    c->op = UnaryMathOp::kLog;
  } else if (op == "Reciprocal") {
    c->op = UnaryMathOp::kReciprocal;
  } else if (op == "Neg") {
    c->op = UnaryMathOp::kNeg;
    integers = true;
  } else if (op == "Abs") {
    c->op = UnaryMathOp::kAbs;
    integers = true;
  } else if (op == "Erf") {
    c->op = UnaryMathOp::kErf;
  } else if (op == "Gelu") {
    const GeluParams* p = s.parsed<GeluParams>();
    if (!p) return refuse(why, "not a Gelu layer");
    c->op = p->tanh ? UnaryMathOp::kGeluTanh : UnaryMathOp::kGeluErf;
  } else if (op == "Not") {
    c->op = UnaryMathOp::kNot;
    boolean = true;
  } else {
    return refuse(why, "not a one-operand math op");
  }
  if (s.input_count() != 1 || !s.present(0) || !s.only_first_output())
    return refuse(why, "expects one input, one output");
  c->dtype = s.input(0).dtype;
  const bool type_ok =
      boolean ? c->dtype == DType::kBool
              : c->dtype == DType::kFloat32 || (integers && (c->dtype == DType::kInt64 || c->dtype == DType::kInt32));
  if (!type_ok) return refuse(why, "element type " + dtype_name(c->dtype));
  if (s.output(0).dtype != c->dtype || s.output(0).shape != s.input(0).shape)
    return refuse(why, "the output differs from the input in type or shape");
  c->elements = shape_numel(s.input(0).shape);
  return true;
}

}  // namespace dnncost::cuda
