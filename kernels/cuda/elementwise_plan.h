// What the cuda device's own kernel for Add, Sub, Mul, Div, Sum, Max and PRelu (kernels/cuda/elementwise.cu) decides at
// plan time, in host-only code: whether it handles the step and with which parameters, or why the step falls back to
// the layer's forward_ref (the reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/index_tables.h"
#include "kernels/cuda/plan_common.h"
#include "layers/step.h"

namespace dnncost::cuda {

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

}  // namespace dnncost::cuda
