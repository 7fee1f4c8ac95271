// Unit tests of the passes that fuse the decomposed GELU and LayerNorm of older exports (engine/passes.h: fuse_gelu,
// fuse_layernorm) on small hand-built graphs in the node orders PyTorch's exporter writes (and the other operand
// orders): the fused node, what was removed, the ref outputs against the imported graph's, executed totals equal to
// imported totals (FLOPs, MACs, params), and the cases where nothing may be fused.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/passes.h"
#include "layers/registry.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// A graph whose values are named by the test.
struct Net {
  explicit Net(int64_t opset = 13) {
    g.path = "fuse.onnx";
    g.opset = opset;
  }
  void input(const std::string& name, const Shape& shape, unsigned seed = 3) {
    ValueInfo vi;
    vi.name = name;
    vi.dtype = DType::kFloat32;
    vi.has_shape = true;
    for (int64_t d : shape) vi.dims.push_back(Dim{d, ""});
    g.inputs.push_back(vi);
    feeds.push_back(std::make_shared<const Tensor>(random_tensor(shape, seed, -3.f, 3.f)));
  }
  void weight(const std::string& name, Tensor t) {
    g.initializers[name] = std::make_shared<const Tensor>(std::move(t));
  }
  // A Constant node writing the float scalar v (rank 0) as `name`.
  void constant(const std::string& name, float v) {
    node("Constant", "const_" + name, {}, {name}, {{"value", attr_tensor(Tensor::from_float({v}, {}))}});
  }
  void node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
            std::vector<std::string> outputs, std::map<std::string, Attribute> attrs = {}) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    n.attributes = std::move(attrs);
    n.index = static_cast<int>(g.nodes.size());
    g.nodes.push_back(n);
  }
  void output(const std::string& name) {
    ValueInfo vi;
    vi.name = name;
    g.outputs.push_back(vi);
  }
  Graph g;
  std::vector<std::shared_ptr<const Tensor>> feeds;
};

Cost totals(const Net& n, const Graph& g) { return Plan(g, bind_tensors(g, n.feeds)).totals(); }

std::vector<Tensor> run_ref(const Net& n, const Graph& g) {
  Plan plan(g, bind_tensors(g, n.feeds));
  RefSession session(plan);
  return session.run(n.feeds);
}

// Optimizes with every pass, expects `records` records of `pass`, the outputs within `bound` of the imported graph's
// and the same FLOPs, MACs and params as imported.
OptimizedGraph fuse_and_check(const Net& n, const std::string& pass, size_t records, double bound,
                              const PassOptions& options = PassOptions::all()) {
  OptimizedGraph opt = optimize(n.g, options);
  size_t found = 0;
  for (const PassRecord& r : opt.log) found += r.pass == pass;
  EXPECT_EQ(found, records);
  const std::vector<Tensor> want = run_ref(n, n.g), got = run_ref(n, *opt.graph);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    EXPECT_EQ(got[i].shape(), want[i].shape());
    EXPECT_LE(rel_l2(got[i], want[i]), bound) << "output " << i;
  }
  const Cost imported = totals(n, n.g), executed = totals(n, *opt.graph);
  EXPECT_EQ(executed.flops, imported.flops);
  EXPECT_EQ(executed.macs, imported.macs);
  EXPECT_EQ(executed.params, imported.params);
  return opt;
}

TEST(FuseTransformerOptions, CpuAndCudaRunBothFusionsRefNeither) {
  for (const char* kind : {"cpu", "cuda"}) {
    const PassOptions o = PassOptions::for_device(kind);
    EXPECT_TRUE(o.fuse_gelu && o.fuse_layernorm) << kind;
  }
  EXPECT_FALSE(PassOptions::for_device("ref").fuse_gelu || PassOptions::for_device("ref").fuse_layernorm);
  PassOptions some;
  some.fuse_gelu = some.fuse_layernorm = true;
  EXPECT_EQ(some.name(), "fuse_gelu,fuse_layernorm");
  EXPECT_TRUE(some.any());
}

// ---- fuse_gelu ----------------------------------------------------------------------------------------------

enum class Tail { kTorch, kHalfTimesF, kHalfOfXFirst };

// x -> Div(x, sqrt 2) -> Erf -> Add(1) -> x * . * 0.5 with the product in the order `tail`, operands swapped when
// `swapped`.
Net gelu_erf_net(Tail tail, bool swapped, float sqrt2 = static_cast<float>(std::sqrt(2.0)), float half = 0.5f) {
  Net n;
  n.input("x", {2, 3, 8});
  n.constant("c_sqrt2", sqrt2);
  n.node("Div", "div", {"x", "c_sqrt2"}, {"d"});
  n.node("Erf", "erf", {"d"}, {"e"});
  n.weight("one", Tensor::from_float({1.f}, {}));
  n.node("Add", "add", swapped ? std::vector<std::string>{"one", "e"} : std::vector<std::string>{"e", "one"}, {"a"});
  n.constant("c_half", half);
  auto pair = [&](const std::string& p, const std::string& q) {
    return swapped ? std::vector<std::string>{q, p} : std::vector<std::string>{p, q};
  };
  switch (tail) {
    case Tail::kTorch:
      n.node("Mul", "mul", pair("x", "a"), {"m"});
      n.node("Mul", "mul_half", pair("m", "c_half"), {"y"});
      break;
    case Tail::kHalfTimesF:
      n.node("Mul", "mul", pair("a", "c_half"), {"m"});
      n.node("Mul", "mul_half", pair("x", "m"), {"y"});
      break;
    case Tail::kHalfOfXFirst:
      n.node("Mul", "mul", pair("x", "c_half"), {"m"});
      n.node("Mul", "mul_half", pair("m", "a"), {"y"});
      break;
  }
  n.output("y");
  return n;
}

TEST(FuseGelu, ErfFormInEveryOperandOrderBecomesOneGelu) {
  for (Tail tail : {Tail::kTorch, Tail::kHalfTimesF, Tail::kHalfOfXFirst}) {
    for (bool swapped : {false, true}) {
      SCOPED_TRACE("tail " + std::to_string(static_cast<int>(tail)) + (swapped ? " swapped" : ""));
      const Net n = gelu_erf_net(tail, swapped);
      const OptimizedGraph opt = fuse_and_check(n, "fuse_gelu", 1, 1e-6);
      ASSERT_EQ(opt.graph->nodes.size(), 1u);
      const Node& gelu = opt.graph->nodes[0];
      EXPECT_EQ(gelu.op_type, "Gelu");
      EXPECT_EQ(gelu.name, "erf");
      EXPECT_EQ(gelu.inputs, std::vector<std::string>{"x"});
      EXPECT_EQ(gelu.outputs, std::vector<std::string>{"y"});
      EXPECT_EQ(gelu.attributes.at("approximate").s, "none");
      ASSERT_EQ(opt.log.size(), 1u);
      EXPECT_EQ(opt.log[0].target_node, "erf");
      EXPECT_EQ(opt.log[0].removed_nodes.size(), 6u);  // Div, Add, two Muls, two Constants
      EXPECT_TRUE(opt.graph->initializers.empty());    // the 1 nobody reads any more
      // 5 FLOPs per element either way.
      EXPECT_EQ(totals(n, *opt.graph).flops, 5 * 2 * 3 * 8);
    }
  }
}

TEST(FuseGelu, MultiplyByInverseSqrt2IsTheSame) {
  Net n = gelu_erf_net(Tail::kTorch, false);
  n.g.nodes[0].attributes["value"] = attr_tensor(Tensor::from_float({static_cast<float>(std::sqrt(0.5))}, {}));
  n.g.nodes[1].op_type = "Mul";
  n.g.nodes[1].inputs = {"c_sqrt2", "x"};
  const OptimizedGraph opt = fuse_and_check(n, "fuse_gelu", 1, 1e-6);
  EXPECT_EQ(opt.graph->nodes.size(), 1u);
}

TEST(FuseGelu, NotFusedWhenAConstantDiffersOrAValueIsReadElsewhere) {
  // sqrt(2) rounded otherwise, 0.25 for 0.5: another function, left alone.
  fuse_and_check(gelu_erf_net(Tail::kTorch, false, 1.4142f), "fuse_gelu", 0, 0);
  fuse_and_check(gelu_erf_net(Tail::kTorch, false, static_cast<float>(std::sqrt(2.0)), 0.25f), "fuse_gelu", 0, 0);
  // erf(x / sqrt 2) is also a graph output.
  Net out = gelu_erf_net(Tail::kTorch, false);
  out.output("e");
  fuse_and_check(out, "fuse_gelu", 0, 0);
  // 1 + erf(...) is read by another node too.
  Net read = gelu_erf_net(Tail::kTorch, false);
  read.node("Relu", "relu", {"a"}, {"r"});
  read.output("r");
  fuse_and_check(read, "fuse_gelu", 0, 0);
  // The product takes another value than the one divided by sqrt 2.
  Net other = gelu_erf_net(Tail::kTorch, false);
  other.input("z", {2, 3, 8}, 9);
  other.g.nodes[5].inputs = {"z", "a"};  // mul
  fuse_and_check(other, "fuse_gelu", 0, 0);
}

// torch.onnx (1.13) writes nn.GELU(approximate="tanh") with x * x * x; GPT-2's own code writes Pow(x, 3).
Net gelu_tanh_net(bool pow_cube) {
  Net n;
  n.input("x", {2, 5});
  if (pow_cube) {
    n.constant("three", 3.f);
    n.node("Pow", "cube", {"x", "three"}, {"c"});
  } else {
    n.node("Mul", "square", {"x", "x"}, {"s"});
    n.node("Mul", "cube", {"x", "s"}, {"c"});
  }
  n.constant("kappa", 0.044715f);
  n.node("Mul", "mul_kappa", {"kappa", "c"}, {"k"});
  n.node("Add", "add_x", {"x", "k"}, {"i"});
  n.constant("beta", static_cast<float>(std::sqrt(2.0 / 3.14159265358979323846)));
  n.node("Mul", "mul_beta", {"beta", "i"}, {"b"});
  n.node("Tanh", "tanh", {"b"}, {"t"});
  n.constant("one", 1.f);
  n.node("Add", "add_one", {"one", "t"}, {"a"});
  n.node("Mul", "mul_x", {"x", "a"}, {"m"});
  n.constant("half", 0.5f);
  n.node("Mul", "mul_half", {"half", "m"}, {"y"});
  n.output("y");
  return n;
}

TEST(FuseGelu, TanhFormWithXTimesXTimesXCountsItsTwoMultiplies) {
  const Net n = gelu_tanh_net(false);
  const OptimizedGraph opt = fuse_and_check(n, "fuse_gelu", 1, 1e-6);
  ASSERT_EQ(opt.graph->nodes.size(), 1u);
  const Node& gelu = opt.graph->nodes[0];
  EXPECT_EQ(gelu.op_type, "Gelu");
  EXPECT_EQ(gelu.name, "tanh");
  EXPECT_EQ(gelu.attributes.at("approximate").s, "tanh");
  EXPECT_EQ(gelu.attributes.at("dnncost.cube_multiplies").i, 1);
  EXPECT_EQ(totals(n, *opt.graph).flops, 9 * 10);
}

TEST(FuseGelu, TanhFormWithPowCube) {
  // Pow is not this test's subject: the fused graph alone is planned (8 FLOPs per element).
  const Net n = gelu_tanh_net(true);
  const OptimizedGraph opt = optimize(n.g, PassOptions::all());
  ASSERT_EQ(opt.graph->nodes.size(), 1u);
  EXPECT_EQ(opt.graph->nodes[0].attributes.at("approximate").s, "tanh");
  EXPECT_EQ(opt.graph->nodes[0].attributes.count("dnncost.cube_multiplies"), 0u);
  EXPECT_EQ(opt.log.at(0).removed_nodes.size(), 12u);  // 7 operation nodes (the Tanh is the Gelu), 5 Constants
  EXPECT_EQ(totals(n, *opt.graph).flops, 8 * 10);
  Net wrong_power = gelu_tanh_net(true);
  wrong_power.g.nodes[0].attributes["value"] = attr_tensor(Tensor::from_float({2.f}, {}));
  EXPECT_TRUE(optimize(wrong_power.g, PassOptions::all()).log.empty());
}

// ---- fuse_layernorm ------------------------------------------------------------------------------------------

// The decomposition runs Pow and Sqrt (layers of their own, another part of the project).
#define SKIP_WITHOUT_POW_AND_SQRT()                                                                             \
  do {                                                                                                          \
    if (!LayerRegistry::instance().has("Pow") || !LayerRegistry::instance().has("Sqrt"))                        \
      GTEST_SKIP() << "the decomposed LayerNorm needs the Pow and Sqrt layers, which this build does not have"; \
  } while (0)

struct LnForm {
  Shape x = {2, 3, 8};
  std::vector<int64_t> axes = {-1};
  Shape scale = {8};
  bool bias = true;
  bool square_by_mul = false;       // Mul(d, d) instead of Pow(d, 2)
  bool scale_via_identity = false;  // torch.onnx's Identity of a merged initializer
  float epsilon = 1e-5f;
  float power = 2.f;
};

// x -> ReduceMean -> Sub -> Pow(2) -> ReduceMean -> Add(eps) -> Sqrt -> Div -> Mul(scale) [-> Add(B)], in torch's
// order (symbolic_opset9.native_layer_norm).
Net layernorm_net(const LnForm& f) {
  Net n;
  n.input("x", f.x);
  const std::map<std::string, Attribute> axes{{"axes", attr_ints(f.axes)}};
  n.node("ReduceMean", "mean", {"x"}, {"m"}, axes);
  n.node("Sub", "sub", {"x", "m"}, {"d"});
  if (f.square_by_mul) {
    n.node("Mul", "square", {"d", "d"}, {"p"});
  } else {
    n.constant("two", f.power);
    n.node("Pow", "square", {"d", "two"}, {"p"});
  }
  n.node("ReduceMean", "variance", {"p"}, {"v"}, axes);
  n.constant("eps", f.epsilon);
  n.node("Add", "add_eps", {"v", "eps"}, {"ve"});
  n.node("Sqrt", "sqrt", {"ve"}, {"s"});
  n.node("Div", "div", {"d", "s"}, {"q"});
  n.weight("ln.weight", random_tensor(f.scale, 5, 0.5f, 1.5f));
  std::string scale = "ln.weight";
  if (f.scale_via_identity) {
    n.node("Identity", "scale_copy", {"ln.weight"}, {"ln2.weight"});
    scale = "ln2.weight";
  }
  n.node("Mul", "mul_scale", {"q", scale}, {f.bias ? "qs" : "y"});
  if (f.bias) {
    n.weight("ln.bias", random_tensor(f.scale, 6));
    n.node("Add", "add_bias", {"qs", "ln.bias"}, {"y"});
  }
  n.output("y");
  return n;
}

TEST(FuseLayerNorm, TorchDecompositionBecomesOneLayerNormalization) {
  SKIP_WITHOUT_POW_AND_SQRT();
  const Net n = layernorm_net({});
  const OptimizedGraph opt = fuse_and_check(n, "fuse_layernorm", 1, 1e-6);
  ASSERT_EQ(opt.graph->nodes.size(), 1u);
  const Node& ln = opt.graph->nodes[0];
  EXPECT_EQ(ln.op_type, "LayerNormalization");
  EXPECT_EQ(ln.name, "mean");
  EXPECT_EQ(ln.inputs, (std::vector<std::string>{"x", "ln.weight", "ln.bias"}));
  EXPECT_EQ(ln.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(ln.attributes.at("axis").i, -1);
  EXPECT_EQ(ln.attributes.at("epsilon").f, 1e-5f);
  EXPECT_EQ(opt.log.at(0).removed_nodes.size(),
            10u);  // 8 operation nodes (the first ReduceMean is the LayerNorm), 2 Constants
  // 7n + 4R, n = 48 elements in R = 6 rows; Scale and B are 16 params as imported (the Mul's and Add's initializers).
  const Cost executed = totals(n, *opt.graph);
  EXPECT_EQ(executed.flops, 7 * 48 + 4 * 6);
  EXPECT_EQ(executed.params, 16);
}

TEST(FuseLayerNorm, OtherFormsOfTheSameLayerNorm) {
  SKIP_WITHOUT_POW_AND_SQRT();
  LnForm mul;
  mul.square_by_mul = true;
  EXPECT_EQ(fuse_and_check(layernorm_net(mul), "fuse_layernorm", 1, 1e-6).graph->nodes.size(), 1u);
  LnForm no_bias;
  no_bias.bias = false;
  const Net nb = layernorm_net(no_bias);
  const OptimizedGraph opt = fuse_and_check(nb, "fuse_layernorm", 1, 1e-6);
  EXPECT_EQ(opt.graph->nodes.at(0).inputs.size(), 2u);
  EXPECT_EQ(totals(nb, *opt.graph).flops, 6 * 48 + 4 * 6);
  LnForm positive;  // axes [2] of a rank-3 input: the last dim, known from the shapes
  positive.axes = {2};
  fuse_and_check(layernorm_net(positive), "fuse_layernorm", 1, 1e-6);
  LnForm two_dims;  // over the last two dims, Scale [3, 8] with a leading 1
  two_dims.axes = {-2, -1};
  two_dims.scale = {1, 3, 8};
  const OptimizedGraph two = fuse_and_check(layernorm_net(two_dims), "fuse_layernorm", 1, 1e-6);
  EXPECT_EQ(two.graph->nodes.at(0).attributes.at("axis").i, -2);
  LnForm identity;  // kept when drop_identity does not run: the Scale is found behind it
  identity.scale_via_identity = true;
  PassOptions fuse_only;
  fuse_only.fuse_layernorm = true;
  const OptimizedGraph id = fuse_and_check(layernorm_net(identity), "fuse_layernorm", 1, 1e-6, fuse_only);
  EXPECT_EQ(id.graph->nodes.back().inputs.at(1), "ln2.weight");
}

TEST(FuseLayerNorm, NotFusedWhenItIsNotThatLayerNorm) {
  SKIP_WITHOUT_POW_AND_SQRT();
  LnForm fourth;
  fourth.power = 4.f;
  fuse_and_check(layernorm_net(fourth), "fuse_layernorm", 0, 0);
  LnForm middle;  // axes [1] are not the trailing dims
  middle.axes = {1};
  middle.scale = {3, 1};
  fuse_and_check(layernorm_net(middle), "fuse_layernorm", 0, 0);
  LnForm per_row;  // a Scale that also varies along the rows ([3, 8] for a LayerNorm over the last dim)
  per_row.scale = {3, 8};
  fuse_and_check(layernorm_net(per_row), "fuse_layernorm", 0, 0);
  // x - mean is read by a third node; the variance is a graph output.
  Net read = layernorm_net({});
  read.node("Relu", "relu", {"d"}, {"r"});
  read.output("r");
  fuse_and_check(read, "fuse_layernorm", 0, 0);
  Net out = layernorm_net({});
  out.output("v");
  fuse_and_check(out, "fuse_layernorm", 0, 0);
  // keepdims = 0: x - mean broadcasts the means of the rows along the last dim instead ([8, 8, 8] - [8, 8]).
  LnForm square;
  square.x = {8, 8, 8};
  Net flat = layernorm_net(square);
  flat.g.nodes[0].attributes["keepdims"] = attr_int(0);
  flat.g.nodes[4].attributes["keepdims"] = attr_int(0);
  fuse_and_check(flat, "fuse_layernorm", 0, 0);
}

}  // namespace
}  // namespace dnncost::testing
