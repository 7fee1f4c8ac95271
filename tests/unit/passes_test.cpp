// Unit tests of the graph passes (engine/passes.h) on small hand-built graphs: the structure each pass makes
// (nodes removed, attributes added, names kept), the cases where a pass must not fire, the ref outputs of the
// optimized graph against the imported graph's, and the fused Conv layer's cost and errors.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

#include "engine/passes.h"
#include "kernels/fused_activation.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"
#include "tools/dnncost/commands.h"

namespace dnncost::testing {
namespace {

// Builds a graph node by node; values are named by the caller.
class NamedGraphBuilder {
 public:
  explicit NamedGraphBuilder(int64_t opset = 13) {
    g.path = "passes.onnx";
    g.opset = opset;
  }

  // A float32 graph input with a random value for running; `symbolic_batch` declares dim 0 as "batch".
  void input(const std::string& name, const Shape& shape, bool symbolic_batch = false, unsigned seed = 7,
             const std::string& batch_symbol = "batch") {
    ValueInfo vi;
    vi.name = name;
    vi.dtype = DType::kFloat32;
    vi.has_shape = true;
    for (size_t i = 0; i < shape.size(); ++i)
      vi.dims.push_back(i == 0 && symbolic_batch ? Dim{-1, batch_symbol} : Dim{shape[i], ""});
    g.inputs.push_back(vi);
    feeds.push_back(std::make_shared<const Tensor>(random_tensor(shape, seed)));
  }
  void weight(const std::string& name, Tensor t) {
    g.initializers[name] = std::make_shared<const Tensor>(std::move(t));
  }
  Node& node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
             std::vector<std::string> outputs, std::map<std::string, Attribute> attrs = {}) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    n.attributes = std::move(attrs);
    n.index = static_cast<int>(g.nodes.size());
    g.nodes.push_back(n);
    return g.nodes.back();
  }
  void output(const std::string& name) {
    ValueInfo vi;
    vi.name = name;
    g.outputs.push_back(vi);
  }
  // Conv named `name` reading x with a random 3x3 kernel (pads 1), optional bias; output `y`.
  void conv(const std::string& name, const std::string& x, const std::string& y, int64_t c_in, int64_t c_out,
            bool bias, unsigned seed, int64_t group = 1) {
    weight(name + ".W", random_tensor({c_out, c_in / group, 3, 3}, seed, -0.5f, 0.5f));
    std::vector<std::string> ins = {x, name + ".W"};
    if (bias) {
      weight(name + ".B", random_tensor({c_out}, seed + 1));
      ins.push_back(name + ".B");
    }
    node("Conv", name, ins, {y},
         {{"kernel_shape", attr_ints({3, 3})}, {"pads", attr_ints({1, 1, 1, 1})}, {"group", attr_int(group)}});
  }
  // BatchNormalization with random parameters (variance in [0.5, 1.5)) reading x; output y.
  void batchnorm(const std::string& name, const std::string& x, const std::string& y, int64_t c, unsigned seed,
                 std::map<std::string, Attribute> attrs = {{"epsilon", attr_float(1e-3f)}}) {
    weight(name + ".scale", random_tensor({c}, seed, 0.5f, 1.5f));
    weight(name + ".B", random_tensor({c}, seed + 1));
    weight(name + ".mean", random_tensor({c}, seed + 2));
    weight(name + ".var", random_tensor({c}, seed + 3, 0.5f, 1.5f));
    node("BatchNormalization", name, {x, name + ".scale", name + ".B", name + ".mean", name + ".var"}, {y}, attrs);
  }

  Graph g;
  std::vector<std::shared_ptr<const Tensor>> feeds;
};

// Ref outputs of a graph (plan with the builder's feeds).
std::vector<Tensor> run_ref(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& feeds) {
  Plan plan(g, bind_tensors(g, feeds));
  RefSession session(plan);
  return session.run(feeds);
}

Cost plan_totals(const Graph& g) {
  Plan plan(g, bind_batch(g, 0));
  return plan.totals();
}

const Node* find_node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

// Optimizes with every pass and checks that the outputs agree with the imported graph's within `bound`.
OptimizedGraph optimize_and_compare(const NamedGraphBuilder& b, double bound) {
  OptimizedGraph opt = optimize(b.g, PassOptions::all());
  const std::vector<Tensor> want = run_ref(b.g, b.feeds);
  const std::vector<Tensor> got = run_ref(*opt.graph, b.feeds);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    EXPECT_EQ(got[i].shape(), want[i].shape());
    EXPECT_LE(rel_l2(got[i], want[i]), bound) << "output " << i;
  }
  return opt;
}

size_t count_records(const OptimizedGraph& opt, const std::string& pass) {
  size_t n = 0;
  for (const PassRecord& r : opt.log) n += r.pass == pass;
  return n;
}

// ---- options ----------------------------------------------------------------------------------------------

TEST(PassOptions, PerDeviceAndParsing) {
  EXPECT_FALSE(PassOptions::for_device("ref").any());
  for (const char* kind : {"cpu", "cuda"}) {
    const PassOptions o = PassOptions::for_device(kind);
    EXPECT_TRUE(o.fold_batchnorm && o.drop_identity && o.fuse_activation && o.fuse_sum) << kind;
  }
  EXPECT_EQ(PassOptions::parse("all", "--passes").name(), "all");
  EXPECT_EQ(PassOptions::parse("none", "--passes").name(), "none");
  PassOptions some;
  some.fold_batchnorm = some.fuse_sum = true;
  EXPECT_EQ(some.name(), "fold_batchnorm,fuse_sum");
  expect_error([] { PassOptions::parse("fast", "--passes"); }, {"--passes fast: expected 'none'"});
}

TEST(Passes, NoPassesCopyTheGraph) {
  NamedGraphBuilder b;
  b.input("x", {1, 2, 5, 5});
  b.conv("conv", "x", "c", 2, 3, true, 1);
  b.node("Relu", "relu", {"c"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize(b.g, PassOptions::none());
  EXPECT_TRUE(opt.log.empty());
  ASSERT_EQ(opt.graph->nodes.size(), 2u);
  EXPECT_EQ(opt.graph->nodes[1].op_type, "Relu");
}

// ---- fold_batchnorm ---------------------------------------------------------------------------------------

TEST(FoldBatchNorm, FoldsIntoConvWithAndWithoutBias) {
  for (bool bias : {true, false}) {
    NamedGraphBuilder b;
    b.input("x", {2, 3, 6, 6});
    b.conv("conv", "x", "c", 3, 4, bias, 11);
    b.batchnorm("bn", "c", "y", 4, 20);
    b.output("y");
    const OptimizedGraph opt = optimize_and_compare(b, 1e-5);
    ASSERT_EQ(opt.graph->nodes.size(), 1u) << "bias " << bias;
    const Node& conv = opt.graph->nodes[0];
    EXPECT_EQ(conv.name, "conv");
    EXPECT_EQ(conv.outputs, std::vector<std::string>{"y"});
    ASSERT_EQ(conv.inputs.size(), 3u);
    EXPECT_EQ(conv.inputs[1], "conv.W_bnfold");
    EXPECT_EQ(conv.inputs[2], bias ? "conv.B_bnfold" : "conv.W_bias_bnfold");
    ASSERT_EQ(opt.log.size(), 1u);
    EXPECT_EQ(opt.log[0].pass, "fold_batchnorm");
    EXPECT_EQ(opt.log[0].removed_nodes, std::vector<std::string>{"bn"});
    EXPECT_EQ(opt.log[0].target_node, "conv");
    // The originals nobody reads any more are dropped; the imported graph is untouched.
    EXPECT_EQ(opt.graph->initializers.size(), 2u);
    EXPECT_EQ(b.g.nodes.size(), 2u);
    EXPECT_EQ(b.g.initializers.count("bn.var"), 1u);
    // Cost: BN's 2n + 5C FLOPs and its 2C params go, the Conv bias (n FLOPs, C params) comes when it was absent.
    const Cost before = plan_totals(b.g), after = plan_totals(*opt.graph);
    const int64_t n = 2 * 4 * 6 * 6, c = 4;
    EXPECT_EQ(after.macs, before.macs);
    EXPECT_EQ(after.flops, before.flops - (2 * n + 5 * c) + (bias ? 0 : n));
    EXPECT_EQ(after.params, before.params - 2 * c + (bias ? 0 : c));
  }
}

TEST(FoldBatchNorm, HandComputedWeights) {
  // 1x1 conv, one input channel, two output channels: W = [2, -1], B = [1, 0.5];
  // BN scale [3, 1], bias [0.5, -2], mean [1, 2], var [3, 0], eps 1: a = [1.5, 1].
  NamedGraphBuilder b;
  b.input("x", {1, 1, 1, 1});
  b.weight("W", Tensor::from_float({2.f, -1.f}, {2, 1, 1, 1}));
  b.weight("B", Tensor::from_float({1.f, 0.5f}, {2}));
  b.weight("s", Tensor::from_float({3.f, 1.f}, {2}));
  b.weight("t", Tensor::from_float({0.5f, -2.f}, {2}));
  b.weight("m", Tensor::from_float({1.f, 2.f}, {2}));
  b.weight("v", Tensor::from_float({3.f, 0.f}, {2}));
  b.node("Conv", "conv", {"x", "W", "B"}, {"c"});
  b.node("BatchNormalization", "bn", {"c", "s", "t", "m", "v"}, {"y"}, {{"epsilon", attr_float(1.f)}});
  b.output("y");
  const OptimizedGraph opt = optimize(b.g, PassOptions::all());
  const Tensor& w = *opt.graph->initializers.at("W_bnfold");
  const Tensor& bias = *opt.graph->initializers.at("B_bnfold");
  EXPECT_FLOAT_EQ(w.data<float>()[0], 3.f);               // 2 * 1.5
  EXPECT_FLOAT_EQ(w.data<float>()[1], -1.f);              // -1 * 1
  EXPECT_FLOAT_EQ(bias.data<float>()[0], 0.5f);           // (1 - 1) * 1.5 + 0.5
  EXPECT_FLOAT_EQ(bias.data<float>()[1], -3.5f);          // (0.5 - 2) * 1 - 2
}

TEST(FoldBatchNorm, DepthwiseConvAndOldOpsetForms) {
  // Grouped (depthwise) conv; BN in opset 7 form (spatial = 1 written) and opset 15 (training_mode = 0).
  for (int64_t opset : {7, 15}) {
    NamedGraphBuilder b(opset);
    b.input("x", {1, 4, 5, 5});
    b.conv("dw", "x", "c", 4, 4, false, 3, 4);
    std::map<std::string, Attribute> attrs = {{"epsilon", attr_float(1e-5f)}};
    attrs[opset < 9 ? "spatial" : "training_mode"] = attr_int(opset < 9 ? 1 : 0);
    b.batchnorm("bn", "c", "y", 4, 30, attrs);
    b.output("y");
    const OptimizedGraph opt = optimize_and_compare(b, 1e-5);
    EXPECT_EQ(count_records(opt, "fold_batchnorm"), 1u) << "opset " << opset;
    EXPECT_EQ(opt.graph->nodes.size(), 1u);
  }
}

TEST(FoldBatchNorm, DoesNotFireWhenItCannot) {
  struct Case {
    const char* what;
    std::function<void(NamedGraphBuilder&)> build;
  };
  const std::vector<Case> cases = {
      {"conv output read twice",
       [](NamedGraphBuilder& b) {
         b.conv("conv", "x", "c", 2, 3, true, 1);
         b.batchnorm("bn", "c", "y", 3, 5);
         b.node("Relu", "relu", {"c"}, {"z"});
         b.output("y");
         b.output("z");
       }},
      {"conv output is a graph output",
       [](NamedGraphBuilder& b) {
         b.conv("conv", "x", "c", 2, 3, true, 1);
         b.batchnorm("bn", "c", "y", 3, 5);
         b.output("c");
         b.output("y");
       }},
      {"BN mean is a graph input",
       [](NamedGraphBuilder& b) {
         b.conv("conv", "x", "c", 2, 3, true, 1);
         b.batchnorm("bn", "c", "y", 3, 5);
         b.g.initializers.erase("bn.mean");
         b.input("bn.mean", {3}, false, 9);
         b.output("y");
       }},
      {"conv weight is a graph input",
       [](NamedGraphBuilder& b) {
         b.conv("conv", "x", "c", 2, 3, true, 1);
         b.g.initializers.erase("conv.W");
         b.input("conv.W", {3, 2, 3, 3}, false, 9);
         b.batchnorm("bn", "c", "y", 3, 5);
         b.output("y");
       }},
      {"BN after a Relu, not a Conv",
       [](NamedGraphBuilder& b) {
         b.node("Relu", "relu", {"x"}, {"r"});
         b.batchnorm("bn", "r", "y", 2, 5);
         b.output("y");
       }},
  };
  for (const Case& c : cases) {
    NamedGraphBuilder b;
    b.input("x", {1, 2, 4, 4});
    c.build(b);
    const OptimizedGraph opt = optimize_and_compare(b, 1e-6);
    EXPECT_EQ(count_records(opt, "fold_batchnorm"), 0u) << c.what;
    EXPECT_NE(find_node(*opt.graph, "bn"), nullptr) << c.what;
  }
  // spatial = 0 (opset 7): one statistic per activation, not per channel.
  NamedGraphBuilder b(7);
  b.input("x", {1, 2, 2, 2});
  b.conv("conv", "x", "c", 2, 2, true, 1);
  for (const char* p : {"s", "t", "m", "v"}) b.weight(p, random_tensor({2, 2, 2}, 4, 0.5f, 1.5f));
  b.node("BatchNormalization", "bn", {"c", "s", "t", "m", "v"}, {"y"}, {{"spatial", attr_int(0)}});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 1e-6);
  EXPECT_EQ(count_records(opt, "fold_batchnorm"), 0u);
}

// ---- drop_identity ----------------------------------------------------------------------------------------

TEST(DropIdentity, ReadersReadTheInput) {
  NamedGraphBuilder b(13);
  b.input("x", {1, 2, 4, 4});
  b.node("Identity", "id", {"x"}, {"i"});
  b.node("Relu", "relu", {"i"}, {"r"});
  b.node("Dropout", "drop", {"r"}, {"d", ""});
  b.node("Sigmoid", "sig", {"d"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  ASSERT_EQ(opt.graph->nodes.size(), 2u);
  EXPECT_EQ(opt.graph->nodes[0].inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(opt.graph->nodes[1].inputs, std::vector<std::string>{"r"});
  ASSERT_EQ(opt.log.size(), 2u);
  EXPECT_EQ(opt.log[0].pass, "drop_identity");
  EXPECT_EQ(opt.log[0].removed_nodes, std::vector<std::string>{"id"});
  EXPECT_EQ(opt.log[1].removed_nodes, std::vector<std::string>{"drop"});
}

TEST(DropIdentity, GraphOutputNameKeptByRenamingTheProducer) {
  NamedGraphBuilder b(13);
  b.input("x", {1, 3});
  b.node("Relu", "relu", {"x"}, {"r"});
  b.node("Sigmoid", "sig", {"r"}, {"s"});  // another reader of r: it reads "y" afterwards
  b.node("Identity", "id", {"r"}, {"y"});
  b.output("y");
  b.output("s");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  ASSERT_EQ(opt.graph->nodes.size(), 2u);
  EXPECT_EQ(find_node(*opt.graph, "relu")->outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(find_node(*opt.graph, "sig")->inputs, std::vector<std::string>{"y"});
  EXPECT_EQ(opt.graph->outputs[0].name, "y");
}

TEST(DropIdentity, KeptWhenItMustBe) {
  struct Case {
    const char* what;
    std::function<void(NamedGraphBuilder&)> build;
  };
  const std::vector<Case> cases = {
      {"graph input to graph output", [](NamedGraphBuilder& b) {
         b.node("Identity", "keep", {"x"}, {"y"});
         b.output("y");
       }},
      {"input is itself a graph output", [](NamedGraphBuilder& b) {
         b.node("Relu", "relu", {"x"}, {"r"});
         b.node("Identity", "keep", {"r"}, {"y"});
         b.output("r");
         b.output("y");
       }},
      {"Dropout mask is read", [](NamedGraphBuilder& b) {
         b.node("Dropout", "keep", {"x"}, {"d", "mask"});
         b.node("Cast", "cast", {"mask"}, {"m"}, {{"to", attr_int(1)}});
         b.node("Mul", "mul", {"d", "m"}, {"y"});
         b.output("y");
       }},
      {"Dropout mask is a graph output", [](NamedGraphBuilder& b) {
         b.node("Dropout", "keep", {"x"}, {"d", "mask"});
         b.node("Relu", "relu", {"d"}, {"y"});
         b.output("y");
         b.output("mask");
       }},
      {"Dropout training_mode is not a constant", [](NamedGraphBuilder& b) {
         Tensor ratio = Tensor::from_float({0.f}, {});
         b.weight("ratio", ratio);
         ValueInfo vi;
         vi.name = "training";
         vi.dtype = DType::kBool;
         vi.has_shape = true;
         b.g.inputs.push_back(vi);
         Tensor t(DType::kBool, {});
         b.feeds.push_back(std::make_shared<const Tensor>(t));
         b.node("Dropout", "keep", {"x", "ratio", "training"}, {"d"});
         b.node("Relu", "relu", {"d"}, {"y"});
         b.output("y");
       }},
  };
  for (const Case& c : cases) {
    NamedGraphBuilder b(13);
    b.input("x", {1, 3});
    c.build(b);
    const OptimizedGraph opt = optimize_and_compare(b, 0);
    EXPECT_EQ(count_records(opt, "drop_identity"), 0u) << c.what;
    EXPECT_NE(find_node(*opt.graph, "keep"), nullptr) << c.what;
  }
}

TEST(DropIdentity, IdentityBetweenConvAndBatchNormDoesNotBlockTheFold) {
  NamedGraphBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.conv("conv", "x", "c", 2, 3, false, 1);
  b.node("Identity", "id", {"c"}, {"i"});
  b.batchnorm("bn", "i", "y", 3, 5);
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 1e-5);
  EXPECT_EQ(opt.graph->nodes.size(), 1u);
  EXPECT_EQ(count_records(opt, "drop_identity"), 1u);
  EXPECT_EQ(count_records(opt, "fold_batchnorm"), 1u);
}

// ---- fuse_activation --------------------------------------------------------------------------------------

struct ActivationCase {
  std::string op;
  std::map<std::string, Attribute> attrs;
  float alpha, beta;  // expected dnncost.activation_alpha/beta (NaN: not written)
};

class FuseActivation : public ::testing::TestWithParam<ActivationCase> {};

TEST_P(FuseActivation, ConvAbsorbsItWithTheSameOutputsAndCost) {
  const ActivationCase& c = GetParam();
  NamedGraphBuilder b;
  b.input("x", {2, 3, 5, 5}, false, 3);
  b.conv("conv", "x", "c", 3, 4, true, 2);
  b.node(c.op, "act", {"c"}, {"y"}, c.attrs);
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);  // same math in the same order: bit-identical
  ASSERT_EQ(opt.graph->nodes.size(), 1u);
  const Node& conv = opt.graph->nodes[0];
  EXPECT_EQ(conv.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(conv.attributes.at("dnncost.activation").s, c.op);
  EXPECT_EQ(executed_op_label(conv), "Conv+" + c.op);
  if (std::isnan(c.alpha)) {
    EXPECT_EQ(conv.attributes.count("dnncost.activation_alpha"), 0u);
  } else {
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_alpha").f, c.alpha);
  }
  if (std::isnan(c.beta)) {
    EXPECT_EQ(conv.attributes.count("dnncost.activation_beta"), 0u);
  } else {
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_beta").f, c.beta);
  }
  ASSERT_EQ(opt.log.size(), 1u);
  EXPECT_EQ(opt.log[0].pass, "fuse_activation");
  EXPECT_EQ(opt.log[0].target_node, "conv");
  // The fused layer costs what Conv and the activation cost apart.
  const Cost before = plan_totals(b.g), after = plan_totals(*opt.graph);
  EXPECT_EQ(after.macs, before.macs);
  EXPECT_EQ(after.flops, before.flops);
  EXPECT_EQ(after.params, before.params);
}

const float kNone = std::nanf("");
INSTANTIATE_TEST_SUITE_P(
    Activations, FuseActivation,
    ::testing::Values(ActivationCase{"Relu", {}, kNone, kNone},
                      ActivationCase{"LeakyRelu", {{"alpha", attr_float(0.2f)}}, 0.2f, kNone},
                      ActivationCase{"LeakyRelu", {}, 0.01f, kNone},
                      ActivationCase{"Sigmoid", {}, kNone, kNone}, ActivationCase{"Tanh", {}, kNone, kNone},
                      ActivationCase{"Elu", {{"alpha", attr_float(0.7f)}}, 0.7f, kNone},
                      ActivationCase{"HardSigmoid", {{"alpha", attr_float(0.3f)}}, 0.3f, 0.5f},
                      ActivationCase{"HardSwish", {}, kNone, kNone},
                      ActivationCase{"Clip", {}, -FLT_MAX, FLT_MAX}),
    [](const ::testing::TestParamInfo<ActivationCase>& p) {
      return p.param.op + (p.param.attrs.empty() ? "Defaults" : "");
    });

TEST(FuseActivationClip, BoundsFromInitializersConstantsAndAttributes) {
  {  // opset 13: min from an initializer, max from a Constant node (removed with the Clip)
    NamedGraphBuilder b(13);
    b.input("x", {1, 2, 4, 4});
    b.conv("conv", "x", "c", 2, 3, true, 1);
    b.weight("lo", Tensor::from_float({-0.25f}, {}));
    b.node("Constant", "hi_const", {}, {"hi"}, {{"value", attr_tensor(Tensor::from_float({0.5f}, {}))}});
    b.node("Clip", "clip", {"c", "lo", "hi"}, {"y"});
    b.output("y");
    const OptimizedGraph opt = optimize_and_compare(b, 0);
    ASSERT_EQ(opt.graph->nodes.size(), 1u);
    const Node& conv = opt.graph->nodes[0];
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_alpha").f, -0.25f);
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_beta").f, 0.5f);
    EXPECT_EQ(opt.log[0].removed_nodes, (std::vector<std::string>{"clip", "hi_const"}));
    EXPECT_EQ(opt.graph->initializers.count("lo"), 0u);
  }
  {  // opset 13: only max given (min absent: "")
    NamedGraphBuilder b(13);
    b.input("x", {1, 2, 4, 4});
    b.conv("conv", "x", "c", 2, 3, true, 1);
    b.weight("hi", Tensor::from_float({0.1f}, {}));
    b.node("Clip", "clip", {"c", "", "hi"}, {"y"});
    b.output("y");
    const OptimizedGraph opt = optimize_and_compare(b, 0);
    const Node& conv = opt.graph->nodes.at(0);
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_alpha").f, -FLT_MAX);
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_beta").f, 0.1f);
  }
  {  // opset 6: attributes (ReLU6 as old exporters wrote it)
    NamedGraphBuilder b(6);
    b.input("x", {1, 2, 4, 4});
    b.conv("conv", "x", "c", 2, 3, true, 1);
    b.node("Clip", "clip", {"c"}, {"y"}, {{"min", attr_float(0.f)}, {"max", attr_float(6.f)}});
    b.output("y");
    const OptimizedGraph opt = optimize_and_compare(b, 0);
    const Node& conv = opt.graph->nodes.at(0);
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_alpha").f, 0.f);
    EXPECT_FLOAT_EQ(conv.attributes.at("dnncost.activation_beta").f, 6.f);
  }
}

TEST(FuseActivationClip, InvertedBoundsMatchOnnxClip) {
  // min > max: ONNX Clip (numpy.clip) gives max everywhere; the fused Conv must too.
  NamedGraphBuilder b(13);
  b.input("x", {1, 2, 4, 4});
  b.conv("conv", "x", "c", 2, 3, true, 1);
  b.weight("lo", Tensor::from_float({0.5f}, {}));
  b.weight("hi", Tensor::from_float({-0.5f}, {}));
  b.node("Clip", "clip", {"c", "lo", "hi"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  EXPECT_EQ(opt.graph->nodes.size(), 1u);
  const Tensor y = run_ref(*opt.graph, b.feeds)[0];
  for (int64_t i = 0; i < y.numel(); ++i) ASSERT_EQ(y.data<float>()[i], -0.5f);
}

TEST(FuseActivation, DoesNotFireWhenItCannot) {
  struct Case {
    const char* what;
    std::function<void(NamedGraphBuilder&)> build;
  };
  const std::vector<Case> cases = {
      {"conv output read twice",
       [](NamedGraphBuilder& b) {
         b.node("Relu", "act", {"c"}, {"y"});
         b.node("Sigmoid", "sig", {"c"}, {"z"});
         b.output("y");
         b.output("z");
       }},
      {"conv output is a graph output",
       [](NamedGraphBuilder& b) {
         b.node("Relu", "act", {"c"}, {"y"});
         b.output("c");
         b.output("y");
       }},
      {"Clip bound is a graph input",
       [](NamedGraphBuilder& b) {
         b.input("lo", {}, false, 3);
         b.node("Clip", "act", {"c", "lo"}, {"y"});
         b.output("y");
       }},
      {"Softmax is not an element-wise activation",
       [](NamedGraphBuilder& b) {
         b.node("Softmax", "act", {"c"}, {"y"});
         b.output("y");
       }},
  };
  for (const Case& c : cases) {
    NamedGraphBuilder b(13);
    b.input("x", {1, 2, 4, 4});
    b.conv("conv", "x", "c", 2, 3, true, 1);
    c.build(b);
    const OptimizedGraph opt = optimize_and_compare(b, 0);
    EXPECT_EQ(count_records(opt, "fuse_activation"), 0u) << c.what;
    EXPECT_NE(find_node(*opt.graph, "act"), nullptr) << c.what;
  }
}

// ---- fuse_sum ---------------------------------------------------------------------------------------------

TEST(FuseSum, ResidualBlockBecomesOneConv) {
  // conv1 -> BN -> Relu = a; conv2(a) -> BN -> + a -> Relu: conv2 absorbs BN, the Add and the Relu.
  NamedGraphBuilder b;
  b.input("x", {2, 4, 6, 6}, true);
  b.conv("conv1", "x", "c1", 4, 4, false, 1);
  b.batchnorm("bn1", "c1", "b1", 4, 10);
  b.node("Relu", "relu1", {"b1"}, {"a"});
  b.conv("conv2", "a", "c2", 4, 4, false, 2);
  b.batchnorm("bn2", "c2", "b2", 4, 20);
  b.node("Add", "add", {"b2", "a"}, {"s"});
  b.node("Relu", "relu2", {"s"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 1e-5);
  ASSERT_EQ(opt.graph->nodes.size(), 2u);
  const Node& conv2 = opt.graph->nodes[1];
  EXPECT_EQ(conv2.name, "conv2");
  ASSERT_EQ(conv2.inputs.size(), 4u);
  EXPECT_EQ(conv2.inputs[0], "a");
  EXPECT_EQ(conv2.inputs[3], "a");
  EXPECT_EQ(conv2.attributes.at("dnncost.sum").i, 1);
  EXPECT_EQ(conv2.attributes.at("dnncost.activation").s, "Relu");
  EXPECT_EQ(conv2.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(executed_op_label(conv2), "Conv+Add+Relu");
  EXPECT_EQ(count_records(opt, "fuse_sum"), 1u);
  EXPECT_EQ(count_records(opt, "fold_batchnorm"), 2u);
  EXPECT_EQ(count_records(opt, "fuse_activation"), 2u);
}

TEST(FuseSum, BiasFreeConvGetsAnEmptyBiasAndTheSameOutputs) {
  NamedGraphBuilder b;
  b.input("x", {1, 3, 5, 5});
  b.input("r", {1, 2, 5, 5}, false, 9);
  b.conv("conv", "x", "c", 3, 2, false, 1);
  b.node("Add", "add", {"r", "c"}, {"y"});  // the residual first: either operand order fuses
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  ASSERT_EQ(opt.graph->nodes.size(), 1u);
  EXPECT_EQ(opt.graph->nodes[0].inputs, (std::vector<std::string>{"x", "conv.W", "", "r"}));
  const Cost before = plan_totals(b.g), after = plan_totals(*opt.graph);
  EXPECT_EQ(after.flops, before.flops);
  EXPECT_EQ(after.macs, before.macs);
}

TEST(FuseSum, ConvMovesAfterAResidualComputedLater) {
  // The residual (sigmoid of x) is computed after the conv in the imported order: the fused conv runs where the
  // Add ran.
  NamedGraphBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.conv("conv", "x", "c", 2, 2, true, 1);
  b.node("Sigmoid", "sig", {"x"}, {"r"});
  b.node("Add", "add", {"c", "r"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  ASSERT_EQ(opt.graph->nodes.size(), 2u);
  EXPECT_EQ(opt.graph->nodes[0].name, "sig");
  EXPECT_EQ(opt.graph->nodes[1].name, "conv");
  EXPECT_EQ(opt.graph->nodes[1].inputs.back(), "r");
}

TEST(FuseSum, PrefersTheConvWhoseResidualIsReady) {
  // Add(conv_a, conv_b), conv_b later: conv_b takes the sum (conv_a's output is ready), nothing moves.
  NamedGraphBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.conv("conv_a", "x", "a", 2, 2, true, 1);
  b.conv("conv_b", "x", "bb", 2, 2, true, 3);
  b.node("Add", "add", {"a", "bb"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  ASSERT_EQ(opt.graph->nodes.size(), 2u);
  EXPECT_EQ(opt.graph->nodes[1].name, "conv_b");
  EXPECT_EQ(opt.graph->nodes[1].inputs.back(), "a");
}

TEST(FuseSum, DoesNotFireWhenItCannot) {
  struct Case {
    const char* what;
    std::function<void(NamedGraphBuilder&)> build;
  };
  const std::vector<Case> cases = {
      {"broadcasting operand",
       [](NamedGraphBuilder& b) {
         b.input("r", {1, 2, 1, 1}, false, 9);
         b.node("Add", "add", {"c", "r"}, {"y"});
         b.output("y");
       }},
      {"operand broadcast over the batch only",
       [](NamedGraphBuilder& b) {
         b.input("r", {1, 2, 4, 4}, false, 9);  // fixed batch 1 while x's batch is symbolic
         b.node("Add", "add", {"c", "r"}, {"y"});
         b.output("y");
       }},
      {"operand whose batch follows another input",
       [](NamedGraphBuilder& b) {
         b.input("r", {1, 2, 4, 4}, true, 9, "other");  // another batch symbol: it may be 1 while x's is 2
         b.node("Add", "add", {"c", "r"}, {"y"});
         b.output("y");
       }},
      {"constant operand (a bias)",
       [](NamedGraphBuilder& b) {
         b.weight("r", random_tensor({1, 2, 4, 4}, 9));
         b.node("Add", "add", {"c", "r"}, {"y"});
         b.output("y");
       }},
      {"conv output read twice",
       [](NamedGraphBuilder& b) {
         b.node("Sigmoid", "sig", {"x"}, {"r"});
         b.node("Add", "add", {"c", "r"}, {"y"});
         b.node("Tanh", "tanh", {"c"}, {"z"});
         b.output("y");
         b.output("z");
       }},
      {"conv output is a graph output",
       [](NamedGraphBuilder& b) {
         b.node("Sigmoid", "sig", {"x"}, {"r"});
         b.node("Add", "add", {"c", "r"}, {"y"});
         b.output("c");
         b.output("y");
       }},
      {"activation between the conv and the Add",
       [](NamedGraphBuilder& b) {
         b.node("Relu", "relu", {"c"}, {"rc"});
         b.node("Sigmoid", "sig", {"x"}, {"r"});
         b.node("Add", "add", {"rc", "r"}, {"y"});
         b.output("y");
       }},
      {"x + x", [](NamedGraphBuilder& b) {
         b.node("Add", "add", {"c", "c"}, {"y"});
         b.output("y");
       }},
  };
  for (const Case& c : cases) {
    NamedGraphBuilder b;
    b.input("x", {1, 2, 4, 4}, true);
    b.conv("conv", "x", "c", 2, 2, true, 1);
    c.build(b);
    const OptimizedGraph opt = optimize_and_compare(b, 0);
    EXPECT_EQ(count_records(opt, "fuse_sum"), 0u) << c.what;
    EXPECT_NE(find_node(*opt.graph, "add"), nullptr) << c.what;
  }
}

TEST(FuseSum, ResidualInputWithTheSameBatchSymbolFuses) {
  NamedGraphBuilder b;
  b.input("x", {2, 2, 4, 4}, true);
  b.input("r", {2, 2, 4, 4}, true, 9);  // "batch" as x: the same size by the ONNX declaration
  b.conv("conv", "x", "c", 2, 2, true, 1);
  b.node("Add", "add", {"c", "r"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  EXPECT_EQ(count_records(opt, "fuse_sum"), 1u);
  EXPECT_TRUE(opt.notes.empty());
}

TEST(FuseSum, SkippedWithANoteWhenShapesAreUnknown) {
  NamedGraphBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.g.inputs[0].has_shape = false;  // no declared shape: bind_batch cannot plan it
  b.conv("conv", "x", "c", 2, 2, true, 1);
  b.node("Sigmoid", "sig", {"x"}, {"r"});
  b.node("Add", "add", {"c", "r"}, {"y"});
  b.output("y");
  const OptimizedGraph opt = optimize_and_compare(b, 0);
  EXPECT_EQ(count_records(opt, "fuse_sum"), 0u);
  ASSERT_EQ(opt.notes.size(), 1u);
  EXPECT_NE(opt.notes[0].find("fuse_sum skipped: the value shapes are unknown"), std::string::npos) << opt.notes[0];
}

TEST(FuseSum, SymbolicDimensionsAfterTheBatchFuseWithTheirSizes) {
  NamedGraphBuilder b;
  b.input("x", {1, 2, 5, 4}, true);
  b.g.inputs[0].dims[2] = Dim{-1, "height"};  // [batch, 2, height, 4]
  b.conv("conv", "x", "c", 2, 2, true, 1);
  b.node("Add", "add", {"c", "x"}, {"y"});
  b.output("y");
  // Without the size of "height" the shapes are unknown: not fused, and the note says which option gives it.
  const OptimizedGraph unknown = optimize(b.g, PassOptions::all());
  EXPECT_EQ(count_records(unknown, "fuse_sum"), 0u);
  ASSERT_EQ(unknown.notes.size(), 1u);
  EXPECT_NE(unknown.notes[0].find("--dim height=N"), std::string::npos) << unknown.notes[0];
  // With it (--dim height=5), the residual block is one Conv and computes the same values.
  const OptimizedGraph fused = optimize(b.g, PassOptions::all(), {{"height", 5}});
  EXPECT_EQ(count_records(fused, "fuse_sum"), 1u);
  EXPECT_TRUE(fused.notes.empty());
  const std::vector<Tensor> want = run_ref(b.g, b.feeds);
  const std::vector<Tensor> got = run_ref(*fused.graph, b.feeds);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].shape(), (Shape{1, 2, 5, 4}));
  EXPECT_EQ(rel_l2(got[0], want[0]), 0.0);
}

// ---- info ---------------------------------------------------------------------------------------------------

TEST(InfoWithPasses, JsonAndTableShowBothGraphs) {
  NamedGraphBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.conv("conv", "x", "c", 2, 3, false, 1);
  b.batchnorm("bn", "c", "n", 3, 5);
  b.node("Relu", "relu", {"n"}, {"y"});
  b.output("y");
  const InputBinding binding = bind_batch(b.g, 1);
  const Plan imported(b.g, binding);
  const OptimizedGraph opt = optimize(b.g, PassOptions::all());
  const Plan executed(*opt.graph, binding);
  InfoPasses passes{"all", &imported, opt.log, opt.notes};

  const nlohmann::json j = info_json(executed, 1, {}, &passes);
  EXPECT_EQ(j["passes_mode"], "all");
  ASSERT_EQ(j["passes"].size(), 2u);
  EXPECT_EQ(j["passes"][0]["pass"], "fold_batchnorm");
  EXPECT_EQ(j["passes"][1]["removed_nodes"], nlohmann::json::array({"relu"}));
  EXPECT_EQ(j["totals"]["layers"], 1);
  EXPECT_EQ(j["imported_totals"]["layers"], 3);
  EXPECT_EQ(j["totals"]["imported_nodes"], 3);
  EXPECT_EQ(j["totals"]["executed_nodes"], 1);
  // 2 * MACs + bias 48 + Relu 48 as executed; as imported 2 * MACs + BN (2 * 48 + 5 * 3) + Relu 48.
  const int64_t macs = 48 * 2 * 9;
  EXPECT_EQ(j["totals"]["flops"], 2 * macs + 48 + 48);
  EXPECT_EQ(j["imported_totals"]["flops"], 2 * macs + 2 * 48 + 15 + 48);
  EXPECT_EQ(j["layers"][0]["op"], "Conv");
  EXPECT_EQ(j["layers"][0]["executed_op"], "Conv+Relu");
  EXPECT_EQ(j["layers"][0]["absorbed_nodes"], nlohmann::json::array({"bn", "relu"}));

  EXPECT_EQ(j["dims"], nlohmann::json::object());  // no --dim: an empty object next to "batch"
  const nlohmann::json with_dims = info_json(executed, 1, {}, &passes, nullptr, {{"seq", 128}});
  EXPECT_EQ(with_dims["dims"], (nlohmann::json{{"seq", 128}}));

  const std::string table = info_table(executed, 1, {}, &passes);
  EXPECT_NE(info_table(executed, 1, {}, &passes, nullptr, {{"seq", 128}}).find("batch 1, seq=128)"), std::string::npos);
  for (const char* expected :
       {"Conv+Relu", "passes: all", "1 BatchNormalization folded, 0 Add fused, 1 activations fused",
        "fold_batchnorm   'bn' (BatchNormalization) folded into", "as imported", "-2 (-66.7%)",
        "3 imported, 1 after the passes"}) {
    EXPECT_NE(table.find(expected), std::string::npos) << expected << "\n" << table;
  }
}

// ---- the fused Conv layer ---------------------------------------------------------------------------------

TEST(FusedConv, CostAndValuesOfSumAndActivation) {
  // 1x1 conv, W = 2, B = 1, residual r, LeakyRelu(0.5): y = leaky(2x + 1 + r).
  const Tensor x = Tensor::from_float({1.f, -3.f, 0.5f}, {1, 1, 1, 3});
  const Tensor r = Tensor::from_float({-10.f, 1.f, 0.f}, {1, 1, 1, 3});
  SingleOp op;
  op.op = "Conv";
  op.attrs = {{"dnncost.sum", attr_int(1)},
              {"dnncost.activation", attr_string("LeakyRelu")},
              {"dnncost.activation_alpha", attr_float(0.5f)}};
  op.inputs = {in(x), weight(Tensor::from_float({2.f}, {1, 1, 1, 1})),
               weight(Tensor::from_float({1.f}, {1})), in(r)};
  const SingleOpResult res = run_single_op(op);
  const float* y = res.outputs[0].data<float>();
  EXPECT_FLOAT_EQ(y[0], -3.5f);  // 2 + 1 - 10 = -7 -> -3.5
  EXPECT_FLOAT_EQ(y[1], -2.f);   // -6 + 1 + 1 = -4 -> -2
  EXPECT_FLOAT_EQ(y[2], 2.f);
  // MACs 3; FLOPs 2 * 3 + bias 3 + sum 3 + LeakyRelu 2 * 3.
  EXPECT_EQ(res.cost.macs, 3);
  EXPECT_EQ(res.cost.flops, 6 + 3 + 3 + 6);
  EXPECT_EQ(res.cost.params, 2);  // W and B; the residual is data
}

TEST(FusedConv, BadFusedAttributesAndInputsAreErrors) {
  auto conv_op = [](std::map<std::string, Attribute> attrs, bool residual, Shape r_shape) {
    SingleOp op;
    op.op = "Conv";
    op.attrs = std::move(attrs);
    op.inputs = {in(random_tensor({1, 1, 3, 3})), weight(random_tensor({2, 1, 1, 1})), absent()};
    if (residual) op.inputs.push_back(in(random_tensor(r_shape)));
    return op;
  };
  const struct {
    SingleOp op;
    const char* message;
  } cases[] = {
      {conv_op({{"dnncost.sum", attr_int(1)}}, false, {}), "dnncost.sum = 1 needs the residual R as input 3"},
      {conv_op({}, true, {1, 2, 3, 3}), "expected 2 to 3 input(s), got 4"},
      {conv_op({{"dnncost.sum", attr_int(1)}}, true, {1, 1, 3, 3}),
       "residual R (dnncost.sum) must have the output's shape [1, 2, 3, 3], got [1, 1, 3, 3]"},
      {conv_op({{"dnncost.sum", attr_int(2)}}, true, {1, 2, 3, 3}), "dnncost.sum must be 0 or 1, got 2"},
      {conv_op({{"dnncost.activation", attr_string("Softmax")}}, false, {}),
       "dnncost.activation 'Softmax' is not one of Relu, LeakyRelu"},
  };
  for (const auto& c : cases) expect_model_error(c.op, {c.message});
}

TEST(FusedActivationMath, MatchesTheSeparateFunctors) {
  for (float x : {-3.f, -0.5f, 0.f, 0.25f, 4.f}) {
    EXPECT_EQ((FusedActivation{ActivationKind::kRelu, 0, 0})(x), ReluFn{}(x));
    EXPECT_EQ((FusedActivation{ActivationKind::kClip, -1.f, 1.f})(x), (ClampFn{-1.f, 1.f})(x));
    EXPECT_EQ((FusedActivation{ActivationKind::kHardSwish, 0, 0})(x), HardSwishFn{}(x));
    EXPECT_EQ((FusedActivation{ActivationKind::kNone, 0, 0})(x), x);
  }
  EXPECT_EQ(default_activation(ActivationKind::kHardSigmoid).beta, 0.5f);
  EXPECT_EQ((FusedActivation{ActivationKind::kSigmoid, 0, 0}).flops_per_element(), SigmoidFn::kFlops);
  EXPECT_EQ((FusedActivation{ActivationKind::kNone, 0, 0}).flops_per_element(), 0);
}

}  // namespace
}  // namespace dnncost::testing
