// The cuda device against the ref device: every cuDNN/cuBLAS step and dnncost kernel on small graphs (relative L2
// <= 1e-4 in fp32 math), the host fallback, planned == allocated memory, the CUDA graph and the device's timers, and
// out-of-memory as a clear error. Each test skips, saying why, in a build without CUDA or on a machine without a GPU.
#include "engine/cuda/cuda_device.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "engine/cuda/cuda_options.h"
#include "engine/memory_cap.h"
#include "engine/passes.h"
#include "engine/session.h"
#include "kernels/cuda/conv_plan.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

#ifdef DNNCOST_HAVE_CUDA
#include "engine/cuda/cuda_session.h"
#endif

namespace dnncost::testing {
namespace {

constexpr double kMaxRelL2 = 1e-4;

// Skips unless this build has the cuda device and the machine a GPU.
#define SKIP_WITHOUT_GPU()                                                                        \
  do {                                                                                            \
    if (!DeviceRegistry::instance().has("cuda")) GTEST_SKIP() << "this build has no cuda device"; \
    std::string why_;                                                                             \
    if (cuda_devices(&why_).empty()) GTEST_SKIP() << "no GPU: " << why_;                          \
  } while (0)

struct CudaRun {
  std::vector<Tensor> ref, cuda;
  std::vector<std::string> implementations;
  SessionMemory memory;
  int fallbacks = 0;
  bool graph = false;
};

// The ref device on `reference` (the graph as imported) and the cuda device on `executed` (the same graph, or what the
// passes made of it), fed the same tensors.
CudaRun run_both(const Graph& reference, const Graph& executed, const std::vector<std::shared_ptr<const Tensor>>& feeds,
                 const std::string& math = "fp32") {
  Plan ref_plan(reference, bind_tensors(reference, feeds));
  Plan plan(executed, bind_tensors(executed, feeds));
  CudaRun r;
  RefSession ref(ref_plan);
  r.ref = ref.run(feeds);
  DeviceSpec spec = parse_device("cuda");
  spec.math = math;
  std::unique_ptr<Session> cuda = make_session(plan, spec);
  r.cuda = cuda->run(feeds);
  const std::vector<Tensor> again = cuda->run(feeds);
  for (size_t k = 0; k < again.size(); ++k) EXPECT_EQ(rel_l2(again[k], r.cuda[k]), 0.0) << "second run differs";
  r.memory = cuda->memory();
  for (size_t i = 0; i < plan.steps().size(); ++i) r.implementations.push_back(cuda->step_algorithm(i));
#ifdef DNNCOST_HAVE_CUDA
  if (const auto* s = dynamic_cast<const CudaSession*>(cuda.get())) {
    r.fallbacks = s->fallback_steps();
    r.graph = s->uses_graph();
  }
#endif
  return r;
}

CudaRun run_both(const GraphBuilder& b, const std::string& math = "fp32") {
  return run_both(b.graph(), b.graph(), b.feeds(), math);
}

std::string describe(const CudaRun& r) {
  std::ostringstream os;
  for (size_t i = 0; i < r.implementations.size(); ++i) os << " [step " << i << ": " << r.implementations[i] << "]";
  return os.str();
}

void expect_parity(const CudaRun& r, const std::string& what, double bound = kMaxRelL2) {
  ASSERT_EQ(r.ref.size(), r.cuda.size()) << what;
  for (size_t k = 0; k < r.ref.size(); ++k) {
    ASSERT_EQ(r.ref[k].shape(), r.cuda[k].shape()) << what;
    EXPECT_LE(rel_l2(r.cuda[k], r.ref[k]), bound) << what << ": output " << k << describe(r);
  }
  EXPECT_EQ(r.memory.arena_planned, r.memory.arena_allocated) << what;
  EXPECT_EQ(r.memory.workspace_planned, r.memory.workspace_allocated) << what;
}

std::map<std::string, Attribute> conv_attrs(std::vector<int64_t> strides, std::vector<int64_t> pads,
                                            std::vector<int64_t> dilations, int64_t group) {
  return {{"strides", attr_ints(std::move(strides))},
          {"pads", attr_ints(std::move(pads))},
          {"dilations", attr_ints(std::move(dilations))},
          {"group", attr_int(group)}};
}

TEST(CudaDevice, ConvMatchesRefWithTheGpu) {
  SKIP_WITHOUT_GPU();
  struct Case {
    Shape x, w;
    std::vector<int64_t> strides, pads, dilations;
    int64_t group;
  };
  const Case cases[] = {
      {{2, 3, 17, 17}, {8, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
      {{1, 8, 16, 16}, {8, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 8},                  // depthwise
      {{1, 8, 16, 16}, {4, 4, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 2},                  // grouped, dilated
      {{2, 4, 20}, {6, 4, 5}, {2}, {2, 2}, {1}, 1},                                     // 1-D
      {{1, 2, 6, 6, 6}, {3, 2, 3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1}, 1},  // 3-D
      {{1, 3, 9, 9}, {4, 3, 2, 2}, {1, 1}, {0, 0, 1, 1}, {1, 1}, 1},  // asymmetric pads: host fallback
  };
  for (const Case& c : cases) {
    for (bool weights_as_inputs : {false, true}) {
      GraphBuilder b;
      const std::string x = b.input(random_tensor(c.x, 1));
      const Tensor w = random_tensor(c.w, 2), bias = random_tensor({c.w[0]}, 3);
      const std::string wn = weights_as_inputs ? b.input(w) : b.weight(w);
      const std::string bn = weights_as_inputs ? b.input(bias) : b.weight(bias);
      b.output(b.node("Conv", {x, wn, bn}, conv_attrs(c.strides, c.pads, c.dilations, c.group)));
      const CudaRun r = run_both(b);
      expect_parity(r, "Conv x" + shape_str(c.x) + " w" + shape_str(c.w));
    }
  }
}

TEST(CudaDevice, FusedConvMatchesTheUnfusedGraph) {
  SKIP_WITHOUT_GPU();
  for (const char* act : {"", "Relu", "Clip", "LeakyRelu", "HardSwish"}) {
    for (bool sum : {false, true}) {
      GraphBuilder b;
      const std::string x = b.input(random_tensor({2, 4, 10, 10}, 1));
      const std::string res = b.input(random_tensor({2, 6, 10, 10}, 4));
      std::map<std::string, Attribute> attrs = conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1);
      std::vector<std::string> ins = {x, b.weight(random_tensor({6, 4, 3, 3}, 2)), b.weight(random_tensor({6}, 3))};
      if (sum) {
        attrs["dnncost.sum"] = attr_int(1);
        ins.push_back(res);
      }
      if (*act) {
        attrs["dnncost.activation"] = attr_string(act);
        if (std::string(act) == "Clip") {
          attrs["dnncost.activation_alpha"] = attr_float(0.f);
          attrs["dnncost.activation_beta"] = attr_float(0.5f);
        }
      }
      b.output(b.node("Conv", ins, attrs));
      const CudaRun r = run_both(b);
      expect_parity(r, std::string("fused Conv ") + act + (sum ? " + sum" : ""));
      EXPECT_EQ(r.fallbacks, 0) << describe(r);
    }
  }
}

// 1x1 convolutions run either on cuDNN or as one cuBLAS batched GEMM + the epilogue, whichever measures faster:
// both paths, forced in turn, against the reference (bias or none, fused activations, a residual, weights as inputs,
// 1-D and 2-D).
TEST(CudaDevice, OneByOneConvBothPathsMatchRef) {
  SKIP_WITHOUT_GPU();
  namespace cg = cuda_geometry;
  struct Forced {
    ~Forced() { cg::conv_path_forced() = cg::ConvPath::kMeasured; }
  } restore;
  for (cg::ConvPath path : {cg::ConvPath::kCudnn, cg::ConvPath::kGemm}) {
    cg::conv_path_forced() = path;
    const char* want = path == cg::ConvPath::kGemm ? "cuBLAS 1x1 conv as GEMM" : "cuDNN conv";
    for (const char* act : {"", "Relu", "Clip"}) {
      for (int variant = 0; variant < 4; ++variant) {
        const bool with_bias = variant != 1, sum = variant == 2, weights_as_inputs = variant == 3;
        const Shape xs = variant == 3 ? Shape{3, 16, 11} : Shape{2, 16, 7, 9};
        Shape ws = {24, 16, 1, 1}, ys = {xs[0], 24, 7, 9};
        if (xs.size() == 3) ws = {24, 16, 1}, ys = {xs[0], 24, 11};
        GraphBuilder b;
        const std::string x = b.input(random_tensor(xs, 1));
        const Tensor w = random_tensor(ws, 2), bias = random_tensor({24}, 3);
        std::vector<std::string> ins = {x, weights_as_inputs ? b.input(w) : b.weight(w)};
        if (with_bias) ins.push_back(weights_as_inputs ? b.input(bias) : b.weight(bias));
        const size_t spatial = xs.size() - 2;
        std::map<std::string, Attribute> attrs =
            conv_attrs(std::vector<int64_t>(spatial, 1), std::vector<int64_t>(2 * spatial, 0),
                       std::vector<int64_t>(spatial, 1), 1);
        if (sum) {
          attrs["dnncost.sum"] = attr_int(1);
          ins.push_back(b.input(random_tensor(ys, 4)));
        }
        if (*act) attrs["dnncost.activation"] = attr_string(act);
        if (std::string(act) == "Clip") {
          attrs["dnncost.activation_alpha"] = attr_float(0.f);
          attrs["dnncost.activation_beta"] = attr_float(0.5f);
        }
        b.output(b.node("Conv", ins, attrs));
        const CudaRun r = run_both(b);
        const std::string what = std::string(want) + " x" + shape_str(xs) + " act '" + act + "' variant " +
                                 std::to_string(variant);
        expect_parity(r, what);
        EXPECT_EQ(r.fallbacks, 0) << what << describe(r);
        ASSERT_FALSE(r.implementations.empty());
        EXPECT_NE(r.implementations[0].find(want), std::string::npos) << what << describe(r);
      }
    }
  }
}

TEST(CudaDevice, PoolingMatchesRefIncludingCeilModeAndPads) {
  SKIP_WITHOUT_GPU();
  struct Case {
    std::string op;
    Shape x;
    std::map<std::string, Attribute> attrs;
  };
  const std::vector<Case> cases = {
      {"MaxPool",
       {2, 3, 12, 12},
       {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})}, {"pads", attr_ints({1, 1, 1, 1})}}},
      {"MaxPool",
       {1, 3, 112, 112},
       {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})}, {"ceil_mode", attr_int(1)}}},
      {"MaxPool", {1, 2, 9, 9}, {{"kernel_shape", attr_ints({2, 2})}, {"dilations", attr_ints({2, 2})}}},
      {"AveragePool",
       {2, 3, 11, 11},
       {{"kernel_shape", attr_ints({3, 3})}, {"pads", attr_ints({1, 1, 1, 1})}, {"count_include_pad", attr_int(1)}}},
      {"AveragePool",
       {2, 3, 11, 11},
       {{"kernel_shape", attr_ints({3, 3})},
        {"strides", attr_ints({2, 2})},
        {"pads", attr_ints({0, 0, 1, 1})},
        {"ceil_mode", attr_int(1)}}},
      {"AveragePool", {1, 2, 10}, {{"kernel_shape", attr_ints({3})}, {"auto_pad", attr_string("SAME_UPPER")}}},
      {"GlobalAveragePool", {2, 8, 7, 7}, {}},
      {"GlobalMaxPool", {2, 8, 5, 5}, {}},
  };
  for (const Case& c : cases) {
    GraphBuilder b;
    b.output(b.node(c.op, {b.input(random_tensor(c.x, 5))}, c.attrs));
    const CudaRun r = run_both(b);
    expect_parity(r, c.op + " x" + shape_str(c.x), 1e-6);
    EXPECT_EQ(r.fallbacks, 0) << c.op << describe(r);
  }
}

TEST(CudaDevice, NormalizationAndSoftmaxMatchRef) {
  SKIP_WITHOUT_GPU();
  {
    GraphBuilder b;
    const Shape x{2, 5, 6, 6};
    b.output(b.node("BatchNormalization",
                    {b.input(random_tensor(x, 1)), b.weight(random_tensor({5}, 2)), b.weight(random_tensor({5}, 3)),
                     b.weight(random_tensor({5}, 4)), b.weight(random_tensor({5}, 5, 0.5f, 2.f))},
                    {{"epsilon", attr_float(1e-3f)}}));
    expect_parity(run_both(b), "BatchNormalization");
  }
  {
    GraphBuilder b;
    b.output(b.node("LRN", {b.input(random_tensor({2, 7, 5, 5}, 1))},
                    {{"size", attr_int(5)}, {"alpha", attr_float(1e-3f)}, {"beta", attr_float(0.75f)}}));
    expect_parity(run_both(b), "LRN");
  }
  for (int64_t opset : {11, 13}) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      for (int64_t axis : {1, -1}) {
        GraphBuilder b(opset);
        b.output(b.node(op, {b.input(random_tensor({2, 3, 4, 5}, 1, -4.f, 4.f))}, {{"axis", attr_int(axis)}}));
        const CudaRun r = run_both(b);
        expect_parity(r, std::string(op) + " opset " + std::to_string(opset) + " axis " + std::to_string(axis));
        EXPECT_EQ(r.fallbacks, 0) << describe(r);
      }
    }
  }
}

TEST(CudaDevice, GemmAndMatMulMatchRef) {
  SKIP_WITHOUT_GPU();
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      for (const Shape& c : {Shape{}, Shape{7}, Shape{5, 1}, Shape{5, 7}}) {
        GraphBuilder b;
        const std::string a = b.input(random_tensor(ta ? Shape{9, 5} : Shape{5, 9}, 1));
        const std::string w = b.weight(random_tensor(tb ? Shape{7, 9} : Shape{9, 7}, 2));
        std::vector<std::string> ins = {a, w};
        if (!c.empty()) ins.push_back(b.weight(random_tensor(c, 3)));
        b.output(b.node("Gemm", ins,
                        {{"transA", attr_int(ta)},
                         {"transB", attr_int(tb)},
                         {"alpha", attr_float(0.5f)},
                         {"beta", attr_float(2.f)}}));
        const CudaRun r = run_both(b);
        expect_parity(r, "Gemm transA " + std::to_string(ta) + " transB " + std::to_string(tb) + " C" + shape_str(c));
        EXPECT_EQ(r.fallbacks, 0) << describe(r);
      }
    }
  }
  const std::pair<Shape, Shape> matmuls[] = {
      {{4, 6}, {6, 3}}, {{2, 4, 6}, {6, 3}}, {{2, 4, 6}, {2, 6, 3}},      {{4, 6}, {3, 6, 2}},
      {{6}, {6, 3}},    {{2, 4, 6}, {6}},    {{2, 1, 4, 6}, {1, 3, 6, 2}}};  // the last: partial broadcast, host
  for (const auto& [as, bs] : matmuls) {
    GraphBuilder b;
    b.output(b.node("MatMul", {b.input(random_tensor(as, 1)), b.input(random_tensor(bs, 2))}));
    expect_parity(run_both(b), "MatMul " + shape_str(as) + " x " + shape_str(bs));
  }
}

// One pre-norm transformer block as PyTorch's opset-13 exports write it: Q, K, V projections, heads split by Reshape
// and Transpose, Q K^T (a strided batched GEMM over N * H), the scaling, GPT-2's causal mask by Where, Softmax over the
// last axis, the product with V, the output projection and residual, LayerNorm decomposed into ReduceMean, Sub, Pow,
// Sqrt, Div, Mul, Add, and an MLP with GELU decomposed into Div, Erf, Add, Mul, Mul. Every step on the GPU, within each
// math mode's bound.
struct AttentionSizes {
  int64_t n = 2, s = 9, heads = 4, d = 8;
  int64_t e() const { return heads * d; }
};

std::string attention(GraphBuilder& b, const std::string& x, const AttentionSizes& z, unsigned seed) {
  const int64_t e = z.e();
  const auto proj = [&](const std::string& in, unsigned k) {
    return b.node("MatMul", {in, b.weight(random_tensor({e, e}, seed + k, -0.3f, 0.3f))});
  };
  const std::string heads_shape = b.weight(Tensor::from_int64({z.n, z.s, z.heads, z.d}, {4}));
  const auto split = [&](const std::string& v, std::vector<int64_t> perm) {
    return b.node("Transpose", {b.node("Reshape", {v, heads_shape})}, {{"perm", attr_ints(std::move(perm))}});
  };
  const std::string q = split(proj(x, 1), {0, 2, 1, 3});   // [N, H, S, D]
  const std::string kt = split(proj(x, 2), {0, 2, 3, 1});  // [N, H, D, S]
  const std::string v = split(proj(x, 3), {0, 2, 1, 3});
  const std::string scale = b.weight(Tensor::from_float({std::sqrt(static_cast<float>(z.d))}, {}));
  const std::string scores = b.node("Div", {b.node("MatMul", {q, kt}), scale});  // [N, H, S, S]
  Tensor causal(DType::kBool, {1, 1, z.s, z.s});
  for (int64_t i = 0; i < z.s; ++i)
    for (int64_t j = 0; j < z.s; ++j) causal.data<uint8_t>()[i * z.s + j] = j <= i ? 1 : 0;
  const std::string masked = b.node(
      "Where", {b.weight(causal), scores, b.weight(Tensor::from_float({-std::numeric_limits<float>::infinity()}, {}))});
  const std::string probs = b.node("Softmax", {masked}, {{"axis", attr_int(-1)}});
  const std::string context = b.node("MatMul", {probs, v});  // [N, H, S, D]
  const std::string merged = b.node("Reshape", {b.node("Transpose", {context}, {{"perm", attr_ints({0, 2, 1, 3})}}),
                                                b.weight(Tensor::from_int64({z.n, z.s, e}, {3}))});
  return b.node("Add", {proj(merged, 4), x});
}

std::string decomposed_layer_norm(GraphBuilder& b, const std::string& x, int64_t e, unsigned seed) {
  const std::string mean = b.node("ReduceMean", {x}, {{"axes", attr_ints({-1})}});
  const std::string d = b.node("Sub", {x, mean});
  const std::string var =
      b.node("ReduceMean", {b.node("Pow", {d, b.weight(Tensor::from_float({2.f}, {}))})}, {{"axes", attr_ints({-1})}});
  const std::string std_dev = b.node("Sqrt", {b.node("Add", {var, b.weight(Tensor::from_float({1e-5f}, {}))})});
  const std::string normalized = b.node("Div", {d, std_dev});
  return b.node("Add", {b.node("Mul", {normalized, b.weight(random_tensor({e}, seed, 0.5f, 1.5f))}),
                        b.weight(random_tensor({e}, seed + 1))});
}

std::string decomposed_gelu(GraphBuilder& b, const std::string& h) {
  const std::string erf = b.node("Erf", {b.node("Div", {h, b.weight(Tensor::from_float({std::sqrt(2.f)}, {}))})});
  const std::string half = b.node("Mul", {h, b.weight(Tensor::from_float({0.5f}, {}))});
  return b.node("Mul", {half, b.node("Add", {erf, b.weight(Tensor::from_float({1.f}, {}))})});
}

std::string mlp(GraphBuilder& b, const std::string& x, int64_t e, unsigned seed,
                const std::function<std::string(const std::string&)>& gelu) {
  const std::string h = b.node("Add", {b.node("MatMul", {x, b.weight(random_tensor({e, 4 * e}, seed, -0.3f, 0.3f))}),
                                       b.weight(random_tensor({4 * e}, seed + 1))});
  return b.node("Add", {b.node("MatMul", {gelu(h), b.weight(random_tensor({4 * e, e}, seed + 2, -0.2f, 0.2f))}),
                        b.weight(random_tensor({e}, seed + 3))});
}

const std::pair<std::string, double> kMathBounds[] = {{"fp32", kMaxRelL2}, {"tf32", 5e-3}, {"fp16", 2e-2}};

TEST(CudaDevice, DecomposedTransformerBlockRunsOnTheGpuInEveryMathMode) {
  SKIP_WITHOUT_GPU();
  const AttentionSizes z;
  GraphBuilder b(13);
  const std::string x = b.input(random_tensor({z.n, z.s, z.e()}, 1));
  const std::string ln = decomposed_layer_norm(b, attention(b, x, z, 10), z.e(), 20);
  b.output(mlp(b, ln, z.e(), 30, [&](const std::string& h) { return decomposed_gelu(b, h); }));
  for (const auto& [math, bound] : kMathBounds) {
    const CudaRun r = run_both(b, math);
    expect_parity(r, "decomposed transformer block in " + math, bound);
    EXPECT_EQ(r.fallbacks, 0) << math << describe(r);
  }
}

// The same block as the cuda device runs it: the passes fuse the decomposed LayerNorm and GELU into
// LayerNormalization and Gelu nodes (dnncost's own kernels); checked against ref on the graph as imported.
TEST(CudaDevice, FusedTransformerBlockRunsOnTheGpuInEveryMathMode) {
  SKIP_WITHOUT_GPU();
  const AttentionSizes z;
  GraphBuilder b(13);
  const std::string x = b.input(random_tensor({z.n, z.s, z.e()}, 1));
  const std::string ln = decomposed_layer_norm(b, attention(b, x, z, 10), z.e(), 20);
  b.output(mlp(b, ln, z.e(), 30, [&](const std::string& h) { return decomposed_gelu(b, h); }));
  const OptimizedGraph fused = optimize(b.graph(), PassOptions::for_device("cuda"));
  std::map<std::string, int> ops;
  for (const Node& n : fused.graph->nodes) ++ops[n.op_type];
  EXPECT_EQ(ops["LayerNormalization"], 1);
  EXPECT_EQ(ops["Gelu"], 1);
  for (const auto& [math, bound] : kMathBounds) {
    const CudaRun r = run_both(b.graph(), *fused.graph, b.feeds(), math);
    expect_parity(r, "fused transformer block in " + math, bound);
    EXPECT_EQ(r.fallbacks, 0) << math << describe(r);
  }
}

// LayerNormalization and Gelu (both approximations) as opset-17/20 exports write them, post-norm as BERT.
TEST(CudaDevice, LayerNormalizationAndGeluNodesRunOnTheGpu) {
  SKIP_WITHOUT_GPU();
  const AttentionSizes z;
  for (bool tanh : {false, true}) {
    GraphBuilder b(17);
    const std::string x = b.input(random_tensor({z.n, z.s, z.e()}, 1));
    const auto layer_norm = [&](const std::string& v, unsigned seed) {
      return b.node("LayerNormalization",
                    {v, b.weight(random_tensor({z.e()}, seed, 0.5f, 1.5f)), b.weight(random_tensor({z.e()}, seed + 1))},
                    {{"epsilon", attr_float(1e-12f)}});
    };
    const std::string a = layer_norm(attention(b, x, z, 10), 20);
    const std::map<std::string, Attribute> approximate = {{"approximate", attr_string(tanh ? "tanh" : "none")}};
    b.output(
        layer_norm(mlp(b, a, z.e(), 30, [&](const std::string& h) { return b.node("Gelu", {h}, approximate); }), 40));
    for (const auto& [math, bound] : kMathBounds) {
      const CudaRun r = run_both(b, math);
      expect_parity(r, std::string("LayerNormalization + Gelu ") + (tanh ? "tanh" : "none") + " in " + math, bound);
      EXPECT_EQ(r.fallbacks, 0) << math << describe(r);
    }
  }
}

TEST(CudaDevice, SoftmaxOverTheLastAxisOfAttentionScores) {
  SKIP_WITHOUT_GPU();
  for (int64_t opset : {11, 13}) {
    for (const Shape& x : {Shape{2, 12, 50, 50}, Shape{1, 3, 197, 197}}) {
      GraphBuilder b(opset);
      b.output(b.node("Softmax", {b.input(random_tensor(x, 1, -6.f, 6.f))}, {{"axis", attr_int(-1)}}));
      const CudaRun r = run_both(b);
      expect_parity(r, "Softmax " + shape_str(x) + " opset " + std::to_string(opset));
      EXPECT_EQ(r.fallbacks, 0) << describe(r);
      ASSERT_FALSE(r.implementations.empty());
      EXPECT_NE(r.implementations[0].find("cuDNN"), std::string::npos) << describe(r);
    }
  }
}

TEST(CudaDevice, AttentionProductsAreStridedBatchedGemms) {
  SKIP_WITHOUT_GPU();
  const int64_t n = 2, h = 3, s = 17, d = 8;
  const std::pair<Shape, Shape> products[] = {{{n, h, s, d}, {n, h, d, s}}, {{n, h, s, s}, {n, h, s, d}}};
  for (const auto& [as, bs] : products) {
    for (const auto& [math, bound] : kMathBounds) {
      GraphBuilder b;
      b.output(b.node("MatMul", {b.input(random_tensor(as, 1)), b.input(random_tensor(bs, 2))}));
      const CudaRun r = run_both(b, math);
      expect_parity(r, "MatMul " + shape_str(as) + " x " + shape_str(bs) + " in " + math, bound);
      ASSERT_EQ(r.implementations.size(), 1u);
      EXPECT_NE(r.implementations[0].find("cublasGemmStridedBatchedEx"), std::string::npos) << describe(r);
    }
  }
}

TEST(CudaDevice, FallbackStepsRunOnTheHostInStreamOrder) {
  SKIP_WITHOUT_GPU();
  // Conv (GPU) -> ConvTranspose (no cuda kernel: host) -> Relu-fused Conv (GPU).
  GraphBuilder b;
  const std::string x = b.input(random_tensor({1, 3, 8, 8}, 1));
  const std::string c1 =
      b.node("Conv", {x, b.weight(random_tensor({4, 3, 3, 3}, 2))}, conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1));
  const std::string t =
      b.node("ConvTranspose", {c1, b.weight(random_tensor({4, 2, 2, 2}, 3))}, {{"strides", attr_ints({2, 2})}});
  const std::string c2 =
      b.node("Conv", {t, b.weight(random_tensor({3, 2, 3, 3}, 4))}, conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1));
  b.output(c2);
  const CudaRun r = run_both(b);
  expect_parity(r, "Conv -> ConvTranspose (host) -> Conv");
  EXPECT_TRUE(r.graph) << "host functions are captured into the CUDA graph";
}

TEST(CudaDevice, TimersMemoryAndRecords) {
  SKIP_WITHOUT_GPU();
  GraphBuilder b;
  const std::string x = b.input(random_tensor({4, 3, 32, 32}, 1));
  const std::string c = b.node("Conv", {x, b.weight(random_tensor({16, 3, 3, 3}, 2)), b.weight(random_tensor({16}, 3))},
                               conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1));
  const std::string p = b.node("MaxPool", {c}, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}});
  b.output(b.node("GlobalAveragePool", {p}));
  Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds()));
  DeviceSpec spec = parse_device("cuda");
  spec.include_transfers = true;
  std::unique_ptr<Session> s = make_session(plan, spec);
  ASSERT_TRUE(s->times_itself());
  s->set_inputs(b.feeds());
  const double ms = s->timed_run_ms();
  EXPECT_GT(ms, 0.0);
  const std::vector<double> steps = s->timed_steps_ms();
  ASSERT_EQ(steps.size(), plan.steps().size());
  for (double v : steps) EXPECT_GE(v, 0.0);
  s->outputs();
  const nlohmann::json d = s->device_json();
  EXPECT_EQ(d["kind"], "cuda");
  EXPECT_EQ(d["math"], "fp32");
  EXPECT_TRUE(d["include_transfers"].get<bool>());
  EXPECT_TRUE(d["transfers"]["h2d_ms"].is_number());
  EXPECT_TRUE(d["transfers"]["d2h_ms"].is_number());
  EXPECT_GT(d["memory"]["baseline"].get<int64_t>(), 0);
  const SessionMemory m = s->memory();
  EXPECT_EQ(m.planned(), m.allocated());
  EXPECT_GT(m.weight_bytes, 0);
  // The drop in free memory covers what was allocated (the driver rounds up to its pages).
  EXPECT_GE(d["memory"]["allocated_measured"].get<int64_t>(), m.allocated() + m.weight_bytes - (int64_t{2} << 20));
  const nlohmann::json step0 = s->step_json(0);
  EXPECT_NE(step0["implementation"].get<std::string>().find("cuDNN conv"), std::string::npos) << step0.dump();
  EXPECT_TRUE(step0["details"].contains("algorithm")) << step0.dump();
}

TEST(CudaDevice, OutOfMemoryIsAClearError) {
  SKIP_WITHOUT_GPU();
  // 2^40 floats (4 TiB) of activations: planned fine, the arena (or a host copy) cannot be allocated.
  GraphBuilder b;
  const std::string x = b.input(random_tensor({1, 1, 1, 1}, 1));
  b.output(b.node("GlobalAveragePool", {x}));
  std::vector<std::string> notes;
  Graph big = b.graph();
  big.inputs[0].dims = {Dim{1 << 20, ""}, Dim{1024, ""}, Dim{1024, ""}, Dim{1, ""}};
  Plan plan(big, bind_batch(big, 0, &notes));
  expect_error<MemoryCapError>([&] { make_session(plan, parse_device("cuda")); }, {"out of"},
                               "a 4 TiB arena was allocated");
  // The device is usable afterwards (the sweep goes on).
  GraphBuilder small;
  small.output(small.node("Relu", {small.input(random_tensor({2, 3}, 1))}));
  expect_parity(run_both(small), "Relu after an out-of-memory error");
}

TEST(CudaDevice, Tf32AndFp16MathStayWithinTheirBounds) {
  SKIP_WITHOUT_GPU();
  for (const auto& [math, bound] : {std::pair<std::string, double>{"tf32", 5e-3}, {"fp16", 2e-2}}) {
    GraphBuilder b;
    const std::string x = b.input(random_tensor({2, 16, 16, 16}, 1));
    const std::string c =
        b.node("Conv", {x, b.weight(random_tensor({32, 16, 3, 3}, 2))}, conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1));
    b.output(b.node("Gemm", {b.node("Flatten", {c}), b.weight(random_tensor({32 * 16 * 16, 10}, 3))}));
    expect_parity(run_both(b, math), "Conv + Gemm in " + math, bound);
  }
}

}  // namespace
}  // namespace dnncost::testing
