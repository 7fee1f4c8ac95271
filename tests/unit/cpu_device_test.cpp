// The cpu device (oneDNN) against ref: every op family with a oneDNN kernel on small random inputs (channel
// counts that are not multiples of 8 or 16, groups and depthwise, padding, strides, dilation, ceil_mode), the
// fused Conv post-ops, fallbacks between oneDNN steps (layout reorders), and planned == allocated memory.
// Skipped when the build has no oneDNN.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/plan.h"
#include "importers/onnx/onnx_import.h"
#include "engine/session.h"
#include "engine/passes.h"
#include "op_test_util.h"

#ifdef DNNCOST_HAVE_ONEDNN
#include "kernels/cpu/cpu_kernel.h"
#include "engine/cpu/cpu_session.h"
#endif

namespace dnncost::testing {
namespace {

constexpr double kMaxRelL2 = 1e-4;

#define SKIP_WITHOUT_CPU_DEVICE()                                                            \
  do {                                                                                       \
    if (!DeviceRegistry::instance().has("cpu")) GTEST_SKIP() << "oneDNN is not built in";    \
  } while (0)

struct CpuRun {
  std::vector<Tensor> ref, cpu;
  std::vector<std::string> implementations;  // per step
  std::vector<std::vector<std::string>> reorders;
  std::vector<bool> in_place;  // per step: output 0 shares an input's buffer
  SessionMemory memory;
  int fallbacks = 0;
};

// Plans the graph once and runs it on ref and on cpu (twice: a second run must give the same result).
CpuRun run_both(const GraphBuilder& b, int threads = 0) {
  Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds()));
  CpuRun r;
  RefSession ref(plan);
  r.ref = ref.run(b.feeds());
  std::unique_ptr<Session> cpu = make_session(plan, parse_device("cpu", threads));
  r.cpu = cpu->run(b.feeds());
  const std::vector<Tensor> again = cpu->run(b.feeds());
  for (size_t k = 0; k < again.size(); ++k) EXPECT_EQ(rel_l2(again[k], r.cpu[k]), 0.0) << "second run differs";
  r.memory = cpu->memory();
#ifdef DNNCOST_HAVE_ONEDNN
  const auto* session = dynamic_cast<const CpuSession*>(cpu.get());
  EXPECT_NE(session, nullptr);
  if (session) {
    for (const auto& s : session->step_info()) {
      r.implementations.push_back(s.implementation);
      r.reorders.push_back(s.input_reorders);
      r.in_place.push_back(s.in_place);
    }
    r.fallbacks = session->fallback_steps();
  }
#endif
  return r;
}

std::string describe(const CpuRun& r) {
  std::ostringstream os;
  for (size_t i = 0; i < r.implementations.size(); ++i) {
    os << " [step " << i << ": " << r.implementations[i];
    for (const auto& x : r.reorders[i]) os << ", reorder " << x;
    os << "]";
  }
  return os.str();
}

// Every output within kMaxRelL2 of ref, planned == allocated, and (when `onednn_steps` >= 0) that many steps
// ran a oneDNN primitive rather than the reference.
void expect_parity(const CpuRun& r, const std::string& what, int onednn_steps = -1) {
  ASSERT_EQ(r.ref.size(), r.cpu.size()) << what;
  for (size_t k = 0; k < r.ref.size(); ++k) {
    ASSERT_EQ(r.ref[k].shape(), r.cpu[k].shape()) << what;
    EXPECT_LE(rel_l2(r.cpu[k], r.ref[k]), kMaxRelL2) << what << ": output " << k << describe(r);
  }
  EXPECT_EQ(r.memory.planned(), r.memory.allocated()) << what;
  EXPECT_EQ(r.memory.arena_planned, r.memory.arena_allocated) << what;
  EXPECT_EQ(r.memory.workspace_planned, r.memory.workspace_allocated) << what;
  if (onednn_steps >= 0) {
    int n = 0;
    for (const auto& impl : r.implementations) n += impl.rfind("oneDNN", 0) == 0;
    EXPECT_EQ(n, onednn_steps) << what << describe(r);
  }
}

// --- Conv ---------------------------------------------------------------------------------------------------

struct ConvCase {
  Shape x;       // N, C, spatial...
  int64_t oc;
  Shape kernel;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group = 1;
  bool bias = true;
  std::string auto_pad;
};

ConvCase conv_case(Shape x, int64_t oc, Shape kernel, std::vector<int64_t> strides, std::vector<int64_t> pads,
                   std::vector<int64_t> dilations, int64_t group = 1, bool bias = true, std::string auto_pad = "") {
  return {std::move(x), oc, std::move(kernel), std::move(strides), std::move(pads), std::move(dilations), group, bias,
          std::move(auto_pad)};
}

std::string conv_case_name(const ConvCase& c) {
  std::ostringstream os;
  os << "x" << shape_str(c.x) << " oc " << c.oc << " k" << shape_str(c.kernel) << " s" << shape_str(c.strides)
     << " p" << shape_str(c.pads) << " d" << shape_str(c.dilations) << " g" << c.group << (c.bias ? " bias" : "")
     << (c.auto_pad.empty() ? "" : " " + c.auto_pad);
  return os.str();
}

TEST(CpuDevice, ConvMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  const std::vector<ConvCase> cases = {
      conv_case({1, 3, 17, 19}, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}),
      conv_case({2, 5, 12, 12}, 7, {3, 3}, {2, 2}, {1, 0, 2, 1}, {1, 1}),
      conv_case({1, 20, 9, 11}, 24, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false),
      conv_case({1, 24, 10, 10}, 24, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 24),          // depthwise
      conv_case({1, 17, 10, 10}, 17, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 17, false),   // depthwise, odd channels
      conv_case({2, 12, 13, 13}, 18, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 3),           // groups, dilation
      conv_case({1, 32, 15, 15}, 48, {5, 5}, {2, 2}, {2, 2, 2, 2}, {1, 1}, 2),
      conv_case({1, 6, 11, 14}, 10, {3, 2}, {1, 2}, {0, 0, 0, 0}, {1, 1}, 1, true, "SAME_UPPER"),
      conv_case({1, 6, 11, 14}, 10, {4, 4}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, true, "SAME_LOWER"),
      conv_case({1, 6, 11, 14}, 10, {3, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, true, "VALID"),
      conv_case({2, 9, 30}, 13, {5}, {2}, {2, 1}, {2}),                                  // 1-D
      conv_case({1, 4, 6, 7, 8}, 8, {3, 3, 3}, {1, 2, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1}),  // 3-D
  };
  unsigned seed = 10;
  for (const ConvCase& c : cases) {
    GraphBuilder b;
    Shape w = {c.oc, c.x[1] / c.group};
    w.insert(w.end(), c.kernel.begin(), c.kernel.end());
    std::vector<std::string> ins = {b.input(random_tensor(c.x, seed++)), b.weight(random_tensor(w, seed++))};
    if (c.bias) ins.push_back(b.weight(random_tensor({c.oc}, seed++)));
    std::map<std::string, Attribute> attrs = {{"kernel_shape", attr_ints(c.kernel)},
                                              {"strides", attr_ints(c.strides)},
                                              {"dilations", attr_ints(c.dilations)},
                                              {"group", attr_int(c.group)}};
    if (c.auto_pad.empty()) attrs["pads"] = attr_ints(c.pads);
    else attrs["auto_pad"] = attr_string(c.auto_pad);
    b.output(b.node("Conv", ins, attrs));
    expect_parity(run_both(b), conv_case_name(c), 1);
  }
}

TEST(CpuDevice, ConvWithRuntimeWeightsFallsBackToRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  GraphBuilder b;
  const std::string x = b.input(random_tensor({1, 3, 8, 8}, 1));
  const std::string w = b.input(random_tensor({4, 3, 3, 3}, 2));
  b.output(b.node("Conv", {x, w}, {{"pads", attr_ints({1, 1, 1, 1})}}));
  const CpuRun r = run_both(b);
  expect_parity(r, "conv with W as a graph input", 0);
  EXPECT_EQ(r.fallbacks, 1);
}

// Conv nodes in the form the graph passes (engine/passes.cpp) give them: "dnncost.activation" (+ alpha/beta) and
// "dnncost.sum" with the residual as input 3 (X, W, B or "", R). The cpu device runs each as one oneDNN
// convolution with sum and eltwise post-ops; the result must match ref of the fused graph and ref of the same
// computation written as separate nodes.
struct FusionCase {
  std::string activation;  // "" for none
  float alpha = 0, beta = 0;
  bool with_alpha = false;
  bool sum = true;
  bool bias = true;
  bool residual_used_later = false;  // the residual is also a graph output: it cannot be overwritten
  bool residual_plain = false;       // the residual comes straight from a graph input (plain layout)
};

TEST(CpuDevice, FusedConvPostOpsMatchTheUnfusedGraph) {
  SKIP_WITHOUT_CPU_DEVICE();
  const std::vector<FusionCase> cases = {
      {"Relu"},
      {"Relu", 0, 0, false, true, false},
      {"", 0, 0, false, true, true},
      {"Relu", 0, 0, false, true, true, true},
      {"Relu", 0, 0, false, true, true, false, true},
      {"Clip", 0.f, 6.f, true},
      {"LeakyRelu", 0.2f, 0, true},
      {"Sigmoid", 0, 0, false, false},
      {"HardSwish", 0, 0, false, false},
      {"HardSigmoid", 0.25f, 0.4f, true},
      {"Elu", 0.8f, 0, true, false},
      {"Tanh"},
      {"Relu", 0, 0, false, false, false},
  };
  unsigned seed = 100;
  for (const FusionCase& c : cases) {
    const std::string what = "activation '" + c.activation + "'" + (c.sum ? " + sum" : "") + (c.bias ? " + bias" : "") +
                             (c.residual_used_later ? ", residual also an output" : "") +
                             (c.residual_plain ? ", plain residual" : "");
    const Tensor x = random_tensor({2, 13, 9, 9}, seed++);
    const Tensor w0 = random_tensor({20, 13, 3, 3}, seed++), w1 = random_tensor({20, 13, 3, 3}, seed++);
    const Tensor b1 = random_tensor({20}, seed++);
    const Tensor plain_residual = random_tensor({2, 20, 9, 9}, seed++);
    const std::map<std::string, Attribute> conv_attrs = {{"pads", attr_ints({1, 1, 1, 1})}};

    // Fused: residual = Conv(x, w0) (or a graph input); y = act(Conv(x, w1, b1) + residual).
    GraphBuilder fused;
    const std::string fx = fused.input(x);
    const std::string fres = c.residual_plain ? fused.input(plain_residual)
                                              : fused.node("Conv", {fx, fused.weight(w0)}, conv_attrs);
    std::vector<std::string> ins = {fx, fused.weight(w1)};
    if (c.bias) ins.push_back(fused.weight(b1));
    if (c.sum) {
      if (!c.bias) ins.push_back("");  // the passes' form: X, W, B or "", R
      ins.push_back(fres);
    }
    std::map<std::string, Attribute> attrs = conv_attrs;
    if (c.sum) attrs["dnncost.sum"] = attr_int(1);
    if (!c.activation.empty()) attrs["dnncost.activation"] = attr_string(c.activation);
    if (c.with_alpha) {
      attrs["dnncost.activation_alpha"] = attr_float(c.alpha);
      attrs["dnncost.activation_beta"] = attr_float(c.beta);
    }
    fused.output(fused.node("Conv", ins, attrs));
    if (c.residual_used_later) fused.output(fres);

    // The same computation unfused, on ref.
    GraphBuilder plain;
    const std::string px = plain.input(x);
    const std::string pres = c.residual_plain ? plain.input(plain_residual)
                                              : plain.node("Conv", {px, plain.weight(w0)}, conv_attrs);
    std::vector<std::string> pins = {px, plain.weight(w1)};
    if (c.bias) pins.push_back(plain.weight(b1));
    std::string y = plain.node("Conv", pins, conv_attrs);
    if (c.sum) y = plain.node("Add", {y, pres});
    if (c.activation == "Clip") {
      y = plain.node("Clip", {y, plain.weight(Tensor::from_float({c.alpha}, {})),
                              plain.weight(Tensor::from_float({c.beta}, {}))});
    } else if (c.activation == "LeakyRelu" || c.activation == "Elu") {
      y = plain.node(c.activation, {y}, {{"alpha", attr_float(c.alpha)}});
    } else if (c.activation == "HardSigmoid") {
      y = plain.node(c.activation, {y}, {{"alpha", attr_float(c.alpha)}, {"beta", attr_float(c.beta)}});
    } else if (!c.activation.empty()) {
      y = plain.node(c.activation, {y});
    }
    plain.output(y);
    if (c.residual_used_later) plain.output(pres);

    const CpuRun got = run_both(fused);
    const CpuRun want = run_both(plain);
    const int convs = c.residual_plain ? 1 : 2;
    expect_parity(got, what, convs);
    // The residual of a conv dies at the fused conv: the sum accumulates into its buffer (no copy); a residual
    // that lives on (a graph output, or a graph input) is copied into the output first.
    const bool in_place = c.sum && !c.residual_plain && !c.residual_used_later;
    EXPECT_EQ(got.in_place.back(), in_place) << what;
    ASSERT_EQ(got.cpu.size(), want.ref.size());
    for (size_t k = 0; k < got.cpu.size(); ++k)
      EXPECT_LE(rel_l2(got.cpu[k], want.ref[k]), kMaxRelL2) << what << ", output " << k << describe(got);
  }
}

// --- pooling ------------------------------------------------------------------------------------------------

TEST(CpuDevice, PoolingMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  struct PoolCase {
    std::string op;
    Shape x;
    std::map<std::string, Attribute> attrs;
    bool onednn = true;
  };
  const std::vector<PoolCase> cases = {
      {"MaxPool", {2, 5, 14, 15}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                   {"pads", attr_ints({1, 1, 1, 1})}}},
      {"MaxPool", {1, 19, 14, 14}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                    {"ceil_mode", attr_int(1)}}},
      {"MaxPool", {1, 16, 13, 13}, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({1, 1})},
                                    {"dilations", attr_ints({2, 2})}}},
      {"MaxPool", {1, 8, 10, 11}, {{"kernel_shape", attr_ints({3, 2})}, {"auto_pad", attr_string("SAME_UPPER")}}},
      {"AveragePool", {2, 7, 14, 14}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                       {"pads", attr_ints({1, 1, 1, 1})}}},
      {"AveragePool", {2, 7, 14, 14}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                       {"pads", attr_ints({1, 1, 1, 1})}, {"count_include_pad", attr_int(1)}}},
      {"AveragePool", {1, 9, 14, 14}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                       {"ceil_mode", attr_int(1)}}},
      // ceil_mode's extra padding would count in oneDNN's include-padding divisor: the reference runs.
      {"AveragePool", {1, 9, 14, 14}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                       {"ceil_mode", attr_int(1)}, {"count_include_pad", attr_int(1)}}, false},
      {"AveragePool", {1, 4, 5, 6, 7}, {{"kernel_shape", attr_ints({2, 3, 2})}, {"pads", attr_ints({1, 0, 1, 0, 1, 1})}}},
      {"MaxPool", {3, 6, 20}, {{"kernel_shape", attr_ints({4})}, {"strides", attr_ints({3})}}},
      {"GlobalAveragePool", {2, 21, 7, 5}, {}},
      {"GlobalMaxPool", {2, 21, 7, 5}, {}},
  };
  unsigned seed = 200;
  for (const PoolCase& c : cases) {
    GraphBuilder b;
    b.output(b.node(c.op, {b.input(random_tensor(c.x, seed++))}, c.attrs));
    expect_parity(run_both(b), c.op + " " + shape_str(c.x), c.onednn ? 1 : 0);
  }
}

// Dilated AveragePool (opset 19) runs the reference on cpu (oneDNN's divisor with dilations is not ONNX's checked
// one); the result still matches it, with and without count_include_pad.
TEST(CpuDevice, DilatedAveragePoolRunsTheReference) {
  SKIP_WITHOUT_CPU_DEVICE();
  for (int include_pad = 0; include_pad <= 1; ++include_pad) {
    GraphBuilder b(19);
    b.output(b.node("AveragePool", {b.input(random_tensor({1, 6, 11, 12}, 31))},
                    {{"kernel_shape", attr_ints({3, 2})},
                     {"dilations", attr_ints({2, 3})},
                     {"pads", attr_ints({1, 1, 2, 1})},
                     {"count_include_pad", attr_int(include_pad)}}));
    const CpuRun r = run_both(b);
    expect_parity(r, "dilated AveragePool", 0);
    EXPECT_EQ(r.fallbacks, 1);
  }
}

// Pooling in the blocked layout a convolution leaves (no reorder between them).
TEST(CpuDevice, PoolingAfterConvStaysBlocked) {
  SKIP_WITHOUT_CPU_DEVICE();
  GraphBuilder b;
  std::string y = b.node("Conv", {b.input(random_tensor({1, 3, 32, 32}, 1)), b.weight(random_tensor({32, 3, 3, 3}, 2))},
                         {{"pads", attr_ints({1, 1, 1, 1})}});
  y = b.node("MaxPool", {y}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                              {"ceil_mode", attr_int(1)}});
  y = b.node("AveragePool", {y}, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}});
  b.output(b.node("GlobalAveragePool", {y}));
  const CpuRun r = run_both(b);
  expect_parity(r, "conv, max, average and global pooling", 4);
  for (size_t i = 1; i < r.reorders.size(); ++i) EXPECT_TRUE(r.reorders[i].empty()) << describe(r);
}

// --- element-wise ---------------------------------------------------------------------------------------------

TEST(CpuDevice, ActivationsMatchRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  struct ActCase {
    std::string op;
    std::map<std::string, Attribute> attrs;
    bool onednn = true;
  };
  const std::vector<ActCase> cases = {
      {"Relu", {}},
      {"LeakyRelu", {{"alpha", attr_float(0.3f)}}},
      {"LeakyRelu", {}},
      {"Elu", {{"alpha", attr_float(0.7f)}}},
      {"Sigmoid", {}},
      {"Tanh", {}},
      {"HardSwish", {}},
      {"HardSigmoid", {{"alpha", attr_float(0.25f)}}},  // two oneDNN primitives: linear, then clip
  };
  unsigned seed = 300;
  for (const ActCase& c : cases) {
    for (const Shape& shape : {Shape{2, 13, 5, 7}, Shape{3, 37}}) {
      GraphBuilder b;
      // After a convolution for the 4-D case, so the activation runs on a blocked layout.
      std::string x = b.input(random_tensor(shape, seed++, -4.f, 4.f));
      if (shape.size() == 4) x = b.node("Conv", {x, b.weight(random_tensor({13, 13, 1, 1}, seed++))});
      b.output(b.node(c.op, {x}, c.attrs));
      expect_parity(run_both(b), c.op + " " + shape_str(shape), (shape.size() == 4) + (c.onednn ? 1 : 0));
    }
  }
}

TEST(CpuDevice, PReluMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 350;
  for (const Shape& slope : {Shape{19, 1, 1}, Shape{1}, Shape{19, 6, 6}, Shape{1, 19, 1, 1}}) {
    GraphBuilder b;
    const std::string x =
        b.node("Conv", {b.input(random_tensor({2, 5, 6, 6}, seed++)), b.weight(random_tensor({19, 5, 1, 1}, seed++))});
    b.output(b.node("PRelu", {x, b.weight(random_tensor(slope, seed++))}));
    expect_parity(run_both(b), "PRelu with slope " + shape_str(slope), 2);
  }
  GraphBuilder b;  // a slope computed at run time: the reference runs
  b.output(b.node("PRelu", {b.input(random_tensor({2, 3, 4}, seed++)), b.input(random_tensor({3, 1}, seed++))}));
  expect_parity(run_both(b), "PRelu with a run-time slope", 0);
}

TEST(CpuDevice, ClipMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  const Tensor x = random_tensor({2, 11, 6, 6}, 1, -8.f, 8.f);
  {
    GraphBuilder b(11);  // bounds as constant inputs
    b.output(b.node("Clip", {b.input(x), b.weight(Tensor::from_float({0.f}, {})),
                             b.weight(Tensor::from_float({6.f}, {}))}));
    expect_parity(run_both(b), "Clip(0, 6), opset 11", 1);
  }
  {
    GraphBuilder b(11);  // only max
    b.output(b.node("Clip", {b.input(x), "", b.weight(Tensor::from_float({1.5f}, {}))}));
    expect_parity(run_both(b), "Clip(max 1.5), opset 11", 1);
  }
  {
    GraphBuilder b(6);  // bounds as attributes
    b.output(b.node("Clip", {b.input(x)}, {{"min", attr_float(-1.f)}, {"max", attr_float(2.f)}}));
    expect_parity(run_both(b), "Clip(-1, 2), opset 6", 1);
  }
  {
    GraphBuilder b(13);  // run-time bound: the reference runs
    const std::string lo = b.input(Tensor::from_float({-0.5f}, {}));
    b.output(b.node("Clip", {b.input(x), lo}));
    expect_parity(run_both(b), "Clip(run-time min)", 0);
  }
}

TEST(CpuDevice, BinaryAndSumMatchRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 400;
  const std::map<std::string, Attribute> conv_attrs = {{"pads", attr_ints({1, 1, 1, 1})}};
  for (const std::string op : {"Add", "Sub", "Mul", "Div", "Max"}) {
    // Two blocked conv outputs.
    GraphBuilder b;
    const std::string x = b.input(random_tensor({2, 5, 8, 8}, seed++));
    const std::string a = b.node("Conv", {x, b.weight(random_tensor({21, 5, 3, 3}, seed++))}, conv_attrs);
    std::string c = b.node("Conv", {x, b.weight(random_tensor({21, 5, 3, 3}, seed++))}, conv_attrs);
    if (op == "Div") c = b.node("Add", {b.node("Sigmoid", {c}), b.weight(Tensor::from_float({1.f}, {}))});
    b.output(b.node(op, {a, c}));
    expect_parity(run_both(b), op + " of two conv outputs", op == "Div" ? 5 : 3);
  }
  for (const std::string op : {"Add", "Mul", "Sub"}) {
    // Broadcast constant [1, C, 1, 1] onto a blocked conv output, and a plain [C] vector onto a 2-D input.
    GraphBuilder b;
    const std::string x = b.input(random_tensor({2, 5, 8, 8}, seed++));
    const std::string a = b.node("Conv", {x, b.weight(random_tensor({21, 5, 3, 3}, seed++))}, conv_attrs);
    b.output(b.node(op, {a, b.weight(random_tensor({1, 21, 1, 1}, seed++))}));
    b.output(b.node(op, {b.input(random_tensor({3, 10}, seed++)), b.weight(random_tensor({10}, seed++))}));
    expect_parity(run_both(b), op + " with broadcasting", 3);
  }
  {
    GraphBuilder b;  // the broadcast operand first (Add is commutative)
    b.output(b.node("Add", {b.input(random_tensor({1, 7, 1, 1}, seed++)), b.input(random_tensor({2, 7, 3, 4}, seed++))}));
    expect_parity(run_both(b), "Add with the broadcast operand first", 1);
  }
  {
    GraphBuilder b;  // Sum of three: one oneDNN sum
    const std::string x = b.input(random_tensor({2, 5, 8, 8}, seed++));
    std::vector<std::string> ins;
    for (int i = 0; i < 3; ++i)
      ins.push_back(b.node("Conv", {x, b.weight(random_tensor({19, 5, 3, 3}, seed++))}, conv_attrs));
    b.output(b.node("Sum", ins));
    expect_parity(run_both(b), "Sum of three conv outputs", 4);
  }
}

// --- normalization, softmax, inner product, concat ------------------------------------------------------------

TEST(CpuDevice, BatchNormMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 500;
  for (const Shape& shape : {Shape{2, 21, 6, 7}, Shape{4, 9}, Shape{2, 6, 3, 4, 5}}) {
    GraphBuilder b;
    const int64_t c = shape[1];
    std::string x = b.input(random_tensor(shape, seed++));
    const bool after_conv = shape.size() == 4;
    if (after_conv) x = b.node("Conv", {x, b.weight(random_tensor({c, c, 1, 1}, seed++))});
    b.output(b.node("BatchNormalization",
                    {x, b.weight(random_tensor({c}, seed++, 0.5f, 1.5f)), b.weight(random_tensor({c}, seed++)),
                     b.weight(random_tensor({c}, seed++)), b.weight(random_tensor({c}, seed++, 0.5f, 2.f))},
                    {{"epsilon", attr_float(1e-3f)}}));
    expect_parity(run_both(b), "BatchNormalization " + shape_str(shape), after_conv ? 2 : 1);
  }
}

TEST(CpuDevice, LrnMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 600;
  for (int64_t size : {5, 3, 4}) {
    GraphBuilder b;
    std::string x = b.node("Conv", {b.input(random_tensor({2, 6, 9, 9}, seed++)), b.weight(random_tensor({19, 6, 1, 1}, seed++))});
    b.output(b.node("LRN", {x}, {{"size", attr_int(size)}, {"alpha", attr_float(2e-3f)}, {"beta", attr_float(0.7f)},
                                 {"bias", attr_float(1.5f)}}));
    // Even sizes have an asymmetric window in ONNX: the reference runs.
    expect_parity(run_both(b), "LRN size " + std::to_string(size), size % 2 ? 2 : 1);
  }
}

TEST(CpuDevice, SoftmaxMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 700;
  for (int64_t opset : {11, 13}) {
    for (const std::string op : {"Softmax", "LogSoftmax"}) {
      for (int64_t axis : {1, -1}) {
        GraphBuilder b(opset);
        b.output(b.node(op, {b.input(random_tensor({2, 5, 3, 7}, seed++, -5.f, 5.f))}, {{"axis", attr_int(axis)}}));
        expect_parity(run_both(b), op + " opset " + std::to_string(opset) + " axis " + std::to_string(axis), 1);
      }
    }
  }
}

TEST(CpuDevice, LayerNormMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 750;
  struct LnCase {
    Shape x;
    int64_t axis;
    bool bias;
  };
  for (const LnCase& c : {LnCase{{2, 7, 5, 24}, -1, true}, LnCase{{3, 4, 10}, -2, false}, LnCase{{6, 33}, 1, true}}) {
    GraphBuilder b(17);
    std::string x = b.input(random_tensor(c.x, seed++, -3.f, 5.f));
    // After a convolution for the 4-D case: its blocked output is reordered to the plain rows LayerNorm reads.
    const bool after_conv = c.x.size() == 4;
    if (after_conv) x = b.node("Conv", {x, b.weight(random_tensor({c.x[1], c.x[1], 1, 1}, seed++))});
    const int64_t a = c.axis < 0 ? c.axis + static_cast<int64_t>(c.x.size()) : c.axis;
    const Shape normalized(c.x.begin() + a, c.x.end());
    std::vector<std::string> inputs = {x, b.weight(random_tensor(normalized, seed++, 0.5f, 1.5f))};
    if (c.bias) inputs.push_back(b.weight(random_tensor(normalized, seed++)));
    b.output(b.node("LayerNormalization", inputs, {{"axis", attr_int(c.axis)}, {"epsilon", attr_float(1e-5f)}}));
    expect_parity(run_both(b), "LayerNormalization " + shape_str(c.x) + " axis " + std::to_string(c.axis),
                  after_conv ? 2 : 1);
  }
}

TEST(CpuDevice, GeluMatchesRefAndErfRunsTheReference) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 780;
  for (const std::string approximate : {"none", "tanh"}) {
    for (const Shape& shape : {Shape{2, 13, 5, 7}, Shape{3, 37}}) {
      GraphBuilder b(20);
      std::string x = b.input(random_tensor(shape, seed++, -5.f, 5.f));
      if (shape.size() == 4) x = b.node("Conv", {x, b.weight(random_tensor({13, 13, 1, 1}, seed++))});
      b.output(b.node("Gelu", {x}, {{"approximate", attr_string(approximate)}}));
      expect_parity(run_both(b), "Gelu " + approximate + " " + shape_str(shape), shape.size() == 4 ? 2 : 1);
    }
  }
  GraphBuilder b(13);
  b.output(b.node("Erf", {b.input(random_tensor({4, 19}, seed++, -3.f, 3.f))}));
  expect_parity(run_both(b), "Erf", 0);
}

TEST(CpuDevice, GemmAndMatMulMatchRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 800;
  struct GemmCase {
    bool trans_b;
    float alpha, beta;
    Shape c;  // empty: no C
    bool onednn = true;
    bool trans_a = false;
  };
  for (const GemmCase& g : std::vector<GemmCase>{{true, 1.f, 1.f, {37}},
                                                 {false, 0.5f, 2.f, {1, 37}},
                                                 {true, 1.f, 1.f, {}},
                                                 {false, 1.f, 0.5f, {1}},
                                                 {true, 1.f, 1.f, {3, 37}, false},
                                                 {true, 1.f, 1.f, {37}, false, true}}) {
    GraphBuilder b;
    const std::string a = b.input(random_tensor(g.trans_a ? Shape{29, 3} : Shape{3, 29}, seed++));
    std::vector<std::string> ins = {a, b.weight(random_tensor(g.trans_b ? Shape{37, 29} : Shape{29, 37}, seed++))};
    if (!g.c.empty()) ins.push_back(b.weight(random_tensor(g.c, seed++)));
    b.output(b.node("Gemm", ins, {{"transA", attr_int(g.trans_a)}, {"transB", attr_int(g.trans_b)},
                                  {"alpha", attr_float(g.alpha)}, {"beta", attr_float(g.beta)}}));
    expect_parity(run_both(b), "Gemm transB " + std::to_string(g.trans_b) + " C " + shape_str(g.c), g.onednn);
  }
  {
    GraphBuilder b;  // Flatten (reference) between a blocked global pool and the Gemm
    std::string x = b.node("Conv", {b.input(random_tensor({2, 3, 6, 6}, seed++)), b.weight(random_tensor({40, 3, 3, 3}, seed++))});
    x = b.node("Flatten", {b.node("GlobalAveragePool", {x})}, {{"axis", attr_int(1)}});
    b.output(b.node("Gemm", {x, b.weight(random_tensor({10, 40}, seed++)), b.weight(random_tensor({10}, seed++))},
                    {{"transB", attr_int(1)}}));
    expect_parity(run_both(b), "Conv, GlobalAveragePool, Flatten, Gemm", 3);
  }
  const std::vector<std::pair<Shape, Shape>> matmuls = {
      {{5, 7}, {7, 3}}, {{2, 5, 7}, {7, 3}}, {{2, 1, 5, 7}, {3, 7, 4}}, {{4, 6}, {2, 6, 5}},
      // A's batch dims folded into its rows (one B matrix): seq-first M = 1 rows, and a B with leading 1s.
      {{9, 1, 7}, {7, 5}}, {{2, 3, 4, 7}, {1, 1, 7, 6}}, {{3, 4, 7}, {1, 1, 7, 6}},
      // The attention products: equal batch dims.
      {{2, 3, 5, 4}, {2, 3, 4, 5}}};
  for (const auto& [sa, sb] : matmuls) {
    for (bool b_constant : {true, false}) {
      GraphBuilder b;
      const std::string a = b.input(random_tensor(sa, seed++));
      const std::string w = b_constant ? b.weight(random_tensor(sb, seed++)) : b.input(random_tensor(sb, seed++));
      b.output(b.node("MatMul", {a, w}));
      expect_parity(run_both(b), "MatMul " + shape_str(sa) + " x " + shape_str(sb), 1);
    }
  }
  {
    GraphBuilder b;  // 1-D operand: the reference runs
    b.output(b.node("MatMul", {b.input(random_tensor({7}, seed++)), b.weight(random_tensor({7, 3}, seed++))}));
    expect_parity(run_both(b), "MatMul of a vector", 0);
  }
}

TEST(CpuDevice, ConcatMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 900;
  const std::map<std::string, Attribute> conv_attrs = {{"pads", attr_ints({1, 1, 1, 1})}};
  for (const std::vector<int64_t>& channels : {std::vector<int64_t>{16, 32, 16}, std::vector<int64_t>{5, 7, 19}}) {
    GraphBuilder b;
    const std::string x = b.input(random_tensor({2, 6, 7, 7}, seed++));
    std::vector<std::string> ins;
    for (int64_t c : channels) ins.push_back(b.node("Conv", {x, b.weight(random_tensor({c, 6, 3, 3}, seed++))}, conv_attrs));
    b.output(b.node("Concat", ins, {{"axis", attr_int(1)}}));
    expect_parity(run_both(b), "Concat of conv outputs with channels " + shape_str(channels), 4);
  }
  {
    GraphBuilder b;  // plain inputs along the last axis
    b.output(b.node("Concat", {b.input(random_tensor({2, 3, 4}, seed++)), b.input(random_tensor({2, 3, 5}, seed++))},
                    {{"axis", attr_int(-1)}}));
    expect_parity(run_both(b), "Concat of graph inputs on axis -1", 1);
  }
}

TEST(CpuDevice, PadMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 950;
  struct PadCase {
    std::vector<int64_t> pads;
    float value;
    std::string mode;
    bool onednn;
  };
  for (const PadCase& c : std::vector<PadCase>{{{0, 0, 1, 1, 0, 0, 1, 1}, 0.f, "constant", true},
                                               {{0, 3, 2, 0, 0, 1, 0, 3}, 1.5f, "constant", true},
                                               {{0, 0, 1, 1, 0, 0, 1, 1}, 0.f, "reflect", false},
                                               {{0, 0, -1, 1, 0, 0, 1, 0}, 0.f, "constant", false}}) {
    // After a conv (channels-last or blocked output), then average pooling over the padded tensor.
    GraphBuilder b(13);
    std::string x = b.node("Conv", {b.input(random_tensor({2, 5, 9, 9}, seed++)), b.weight(random_tensor({19, 5, 1, 1}, seed++))});
    std::vector<std::string> ins = {x, b.weight(Tensor::from_int64(c.pads, {8}))};
    if (c.value != 0.f) ins.push_back(b.weight(Tensor::from_float({c.value}, {})));
    x = b.node("Pad", ins, {{"mode", attr_string(c.mode)}});
    b.output(b.node("AveragePool", {x}, {{"kernel_shape", attr_ints({3, 3})}}));
    expect_parity(run_both(b), "Pad " + shape_str(c.pads) + " " + c.mode, c.onednn ? 3 : 2);
  }
}

TEST(CpuDevice, TransposeMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 980;
  // The attention head split [N, S, H, D] -> [N, H, S, D], K's [N, H, D, S], a 2-D transpose, the default (reversed)
  // permutation, and a transpose of a conv's (blocked or channels-last) output, which the session reorders to plain.
  struct TransposeCase {
    Shape x;
    std::vector<int64_t> perm;  // empty: the attribute is absent
  };
  for (const TransposeCase& c : std::vector<TransposeCase>{{{2, 5, 3, 4}, {0, 2, 1, 3}},
                                                           {{2, 3, 5, 4}, {0, 1, 3, 2}},
                                                           {{7, 9}, {1, 0}},
                                                           {{2, 3, 4}, {}},
                                                           {{1, 2, 3, 4, 5}, {4, 0, 3, 1, 2}}}) {
    GraphBuilder b;
    std::map<std::string, Attribute> attrs;
    if (!c.perm.empty()) attrs["perm"] = attr_ints(c.perm);
    b.output(b.node("Transpose", {b.input(random_tensor(c.x, seed++))}, attrs));
    expect_parity(run_both(b), "Transpose " + shape_str(c.x) + " perm " + shape_str(c.perm), 1);
  }
  GraphBuilder b;
  const std::string y = b.node("Conv", {b.input(random_tensor({2, 5, 6, 7}, seed++)), b.weight(random_tensor({19, 5, 1, 1}, seed++))});
  b.output(b.node("Transpose", {y}, {{"perm", attr_ints({0, 2, 3, 1})}}));
  expect_parity(run_both(b), "Transpose of a conv output to NHWC", 2);
}

TEST(CpuDevice, BroadcastsMergeTheirDims) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 995;
  // Swin's shifted-window mask onto the attention scores, the mask constant or computed; a bias over the last axis.
  struct Case {
    Shape x, other;
    bool constant;
  };
  for (const Case& c : std::vector<Case>{{{1, 4, 3, 5, 5}, {1, 4, 1, 5, 5}, true},
                                         {{3, 4, 3, 5, 5}, {1, 4, 1, 5, 5}, true},
                                         {{3, 4, 3, 5, 5}, {4, 1, 5, 5}, false},
                                         {{1, 4, 3, 5, 5}, {4, 1, 5, 5}, false},
                                         {{2, 3, 4, 6}, {1, 1, 1, 6}, true},
                                         {{2, 3, 4, 6}, {2, 1, 4, 1}, false}}) {
    GraphBuilder b;
    const std::string x = b.input(random_tensor(c.x, seed++));
    const std::string o = c.constant ? b.weight(random_tensor(c.other, seed++)) : b.input(random_tensor(c.other, seed++));
    b.output(b.node("Add", {x, o}));
    expect_parity(run_both(b), "Add " + shape_str(c.x) + " + " + shape_str(c.other), 1);
  }
}

TEST(CpuDevice, SliceMatchesRef) {
  SKIP_WITHOUT_CPU_DEVICE();
  unsigned seed = 990;
  // Q, K and V out of a fused projection [N, S, 3E] (steps 1), then a step-2 slice with an offset (Swin's patch
  // merging): all four as oneDNN reorders.
  GraphBuilder b(13);
  const std::string qkv = b.input(random_tensor({2, 5, 12}, seed++));
  for (int part = 0; part < 3; ++part) {
    b.output(b.node("Slice", {qkv, b.weight(Tensor::from_int64({4 * part}, {1})),
                               b.weight(Tensor::from_int64({4 * part + 4}, {1})), b.weight(Tensor::from_int64({-1}, {1}))}));
  }
  b.output(b.node("Slice", {qkv, b.weight(Tensor::from_int64({1, 0}, {2})), b.weight(Tensor::from_int64({5, 12}, {2})),
                             b.weight(Tensor::from_int64({1, 2}, {2})), b.weight(Tensor::from_int64({1, 2}, {2}))}));
  expect_parity(run_both(b), "Slice of a fused QKV projection and a step-2 slice", 4);
}

// --- fallbacks and layouts ------------------------------------------------------------------------------------

// An op without a oneDNN kernel (InstanceNormalization) between two convolutions: reorders to plain before it
// and back after it.
TEST(CpuDevice, FallbackBetweenConvsReordersLayouts) {
  SKIP_WITHOUT_CPU_DEVICE();
  GraphBuilder b;
  const std::map<std::string, Attribute> conv_attrs = {{"pads", attr_ints({1, 1, 1, 1})}};
  std::string y = b.node("Conv", {b.input(random_tensor({2, 3, 10, 10}, 1)), b.weight(random_tensor({24, 3, 3, 3}, 2))},
                         conv_attrs);
  y = b.node("InstanceNormalization", {y, b.weight(random_tensor({24}, 3)), b.weight(random_tensor({24}, 6))});
  y = b.node("Conv", {y, b.weight(random_tensor({20, 24, 3, 3}, 4)), b.weight(random_tensor({20}, 5))}, conv_attrs);
  b.output(y);
  const CpuRun r = run_both(b);
  expect_parity(r, "Conv, InstanceNormalization (reference), Conv", 2);
  ASSERT_EQ(r.implementations.size(), 3u);
  EXPECT_EQ(r.implementations[1], "ref");
  EXPECT_EQ(r.fallbacks, 1);
  ASSERT_EQ(r.reorders[1].size(), 1u) << describe(r);  // the conv's layout -> plain for the reference
  EXPECT_NE(r.reorders[1][0].find("-> nchw"), std::string::npos) << describe(r);
  ASSERT_EQ(r.reorders[2].size(), 1u) << describe(r);  // plain output -> the conv's layout
  EXPECT_NE(r.reorders[2][0].find("nchw ->"), std::string::npos) << describe(r);
}

TEST(CpuDevice, ThreadCountIsApplied) {
  SKIP_WITHOUT_CPU_DEVICE();
  GraphBuilder b;
  b.output(b.node("Relu", {b.input(random_tensor({4, 4}, 1))}));
  Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds()));
  auto one = make_session(plan, parse_device("cpu", 1));
  EXPECT_NE(one->device_name().find("1 thread)"), std::string::npos) << one->device_name();
  EXPECT_EQ(one->device_json()["threads"], 1);
  auto two = make_session(plan, parse_device("cpu", 2));
  EXPECT_NE(two->device_name().find("2 threads"), std::string::npos) << two->device_name();
  expect_parity(run_both(b, 1), "Relu on one thread", 1);
}

// --- memory ---------------------------------------------------------------------------------------------------

// A small residual network: stem conv, max pool, two residual blocks (conv-BN-relu, conv-BN, add, relu), one with
// a strided 1x1 projection, global pool, flatten, Gemm, softmax.
GraphBuilder small_resnet() {
  GraphBuilder b;
  unsigned seed = 1000;
  auto conv = [&](const std::string& x, int64_t cin, int64_t cout, int64_t k, int64_t stride) {
    const int64_t p = k / 2;
    return b.node("Conv", {x, b.weight(random_tensor({cout, cin, k, k}, seed++, -0.3f, 0.3f)),
                           b.weight(random_tensor({cout}, seed++, -0.1f, 0.1f))},
                  {{"pads", attr_ints({p, p, p, p})}, {"strides", attr_ints({stride, stride})}});
  };
  auto bn = [&](const std::string& x, int64_t c) {
    return b.node("BatchNormalization",
                  {x, b.weight(random_tensor({c}, seed++, 0.5f, 1.5f)), b.weight(random_tensor({c}, seed++)),
                   b.weight(random_tensor({c}, seed++)), b.weight(random_tensor({c}, seed++, 0.5f, 2.f))});
  };
  std::string x = b.node("Relu", {conv(b.input(random_tensor({2, 3, 32, 32}, 1)), 3, 16, 3, 1)});
  x = b.node("MaxPool", {x}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                              {"pads", attr_ints({1, 1, 1, 1})}});
  // Block 1: identity shortcut.
  std::string y = b.node("Relu", {bn(conv(x, 16, 16, 3, 1), 16)});
  y = bn(conv(y, 16, 16, 3, 1), 16);
  x = b.node("Relu", {b.node("Add", {y, x})});
  // Block 2: projection shortcut.
  y = b.node("Relu", {bn(conv(x, 16, 24, 3, 2), 24)});
  y = bn(conv(y, 24, 24, 3, 1), 24);
  x = b.node("Relu", {b.node("Add", {y, conv(x, 16, 24, 1, 2)})});
  x = b.node("Flatten", {b.node("GlobalAveragePool", {x})});
  x = b.node("Gemm", {x, b.weight(random_tensor({10, 24}, seed++)), b.weight(random_tensor({10}, seed++))},
             {{"transB", attr_int(1)}});
  b.output(b.node("Softmax", {x}, {{"axis", attr_int(1)}}));
  return b;
}

TEST(CpuDevice, SmallResNetMatchesRefAndPlansItsMemoryExactly) {
  SKIP_WITHOUT_CPU_DEVICE();
  const GraphBuilder b = small_resnet();
  const CpuRun r = run_both(b);
  expect_parity(r, "small ResNet");
  EXPECT_EQ(r.fallbacks, 1) << describe(r);  // Flatten
  EXPECT_GT(r.memory.arena_planned, 0);
  EXPECT_GT(r.memory.in_place, 0);  // Relu, BN and Add write over their inputs
  EXPECT_LT(r.memory.arena_planned, r.memory.naive_activation_bytes);
  EXPECT_GT(r.memory.weight_bytes, 0);

  // After the passes the cpu device runs (BatchNorm folded, activations and residual adds fused into the convs):
  // every Conv is one oneDNN primitive and the result still matches ref of the imported graph.
  const OptimizedGraph executed = optimize(b.graph(), PassOptions::for_device("cpu"));
  EXPECT_FALSE(executed.log.empty());
  Plan plan(*executed.graph, bind_tensors(*executed.graph, b.feeds()));
  auto cpu = make_session(plan, parse_device("cpu"));
  const std::vector<Tensor> fused = cpu->run(b.feeds());
  EXPECT_LE(rel_l2(fused[0], r.ref[0]), kMaxRelL2);
  const SessionMemory m = cpu->memory();
  EXPECT_EQ(m.planned(), m.allocated());
  for (const PlanStep& step : plan.steps())
    EXPECT_TRUE(step.node->op_type != "BatchNormalization" && step.node->op_type != "Relu") << step.node->op_type;
#ifdef DNNCOST_HAVE_ONEDNN
  EXPECT_EQ(dynamic_cast<const CpuSession&>(*cpu).fallback_steps(), 1);  // Flatten
#endif
}

TEST(CpuDevice, ExportedModelPlansItsMemoryExactly) {
  SKIP_WITHOUT_CPU_DEVICE();
#ifndef DNNCOST_ZOO_MODEL_DIR
  GTEST_SKIP() << "no zoo model folder configured";
#else
  const std::string path = std::string(DNNCOST_ZOO_MODEL_DIR) + "/resnet18/model.onnx";
  if (!std::ifstream(path)) GTEST_SKIP() << path << " is not exported (ctest -R zoo.export.resnet18)";
  const Graph g = load_onnx(path);
  const Plan plan(g, bind_batch(g, 2));
  auto session = make_session(plan, parse_device("cpu"));
  const SessionMemory m = session->memory();
  EXPECT_EQ(m.planned(), m.allocated());
  EXPECT_EQ(m.arena_planned, m.arena_allocated);
  EXPECT_EQ(m.workspace_planned, m.workspace_allocated);
  EXPECT_GT(m.arena_planned, 0);
  EXPECT_LT(m.arena_planned, m.naive_activation_bytes);
#endif
}

}  // namespace
}  // namespace dnncost::testing
