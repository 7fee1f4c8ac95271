// Unit tests of the plan: input binding, error messages, folding of constant nodes, accounting.
#include <gtest/gtest.h>

#include "engine/plan.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"
#include "tools/dnncost/format.h"

namespace dnncost::testing {
namespace {

Graph relu_chain_graph(std::vector<Dim> dims) {
  Graph g;
  g.path = "chain.onnx";
  g.opset = 13;
  ValueInfo in;
  in.name = "x";
  in.dtype = DType::kFloat32;
  in.has_shape = true;
  in.dims = std::move(dims);
  g.inputs.push_back(in);
  Node a;
  a.name = "relu_a";
  a.op_type = "Relu";
  a.inputs = {"x"};
  a.outputs = {"y"};
  Node b;
  b.name = "sig_b";
  b.op_type = "Sigmoid";
  b.inputs = {"y"};
  b.outputs = {"z"};
  g.nodes = {a, b};
  ValueInfo out;
  out.name = "z";
  g.outputs.push_back(out);
  return g;
}

TEST(Plan, SymbolicBatchBindsToRequestedBatch) {
  Graph g = relu_chain_graph({Dim{-1, "batch"}, Dim{3, ""}, Dim{4, ""}});
  Plan p(g, bind_batch(g, 8));
  ASSERT_EQ(p.steps().size(), 2u);
  EXPECT_EQ(p.values()[p.output_ids()[0]].shape, (Shape{8, 3, 4}));
  EXPECT_EQ(p.totals().flops, 8 * 12 * (1 + 4));  // Relu 1 + Sigmoid 4 per element
  EXPECT_EQ(p.totals().activation_bytes, 2 * 8 * 12 * 4);
  Plan p1(g, bind_batch(g, 0));
  EXPECT_EQ(p1.values()[p1.output_ids()[0]].shape, (Shape{1, 3, 4}));
}

TEST(Plan, FixedBatchOverriddenWithANote) {
  Graph g = relu_chain_graph({Dim{1, ""}, Dim{5, ""}});
  std::vector<std::string> notes;
  Plan p(g, bind_batch(g, 4, &notes));
  EXPECT_EQ(p.values()[p.output_ids()[0]].shape, (Shape{4, 5}));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("fixed batch dimension 1"), std::string::npos) << notes[0];
}

TEST(Plan, SymbolicNonBatchDimIsAnErrorNamingTheInput) {
  Graph g = relu_chain_graph({Dim{-1, "batch"}, Dim{-1, "height"}});
  expect_error([&] { bind_batch(g, 1); }, {"input 'x' dimension 1 is symbolic ('height')"});
}

TEST(Plan, RunInputShapeCheckedAgainstDeclaration) {
  Graph g = relu_chain_graph({Dim{-1, "batch"}, Dim{3, ""}});
  auto t = std::make_shared<const Tensor>(random_tensor({2, 4}));
  expect_error([&] { bind_tensors(g, {t}); }, {"expects shape [batch, 3], got [2, 4]"});
}

TEST(Plan, UnsupportedOpsAreListedTogether) {
  Graph g = relu_chain_graph({Dim{1, ""}});
  Node c = g.nodes[0];
  c.name = "weird1";
  c.op_type = "FooOp";
  c.outputs = {"q1"};
  Node d = g.nodes[0];
  d.name = "weird2";
  d.op_type = "BarOp";
  d.domain = "com.example";
  d.outputs = {"q2"};
  g.nodes.push_back(c);
  g.nodes.push_back(d);
  expect_error([&] { check_supported(g); },
               {"2 node(s)", "'weird1' (FooOp)", "'weird2' (com.example::BarOp)", "Supported ops:"});
}

TEST(Plan, NodeOnConstantsIsFoldedAndCostsNothing) {
  Graph g;
  g.path = "fold.onnx";
  g.opset = 13;
  g.initializers["w"] = std::make_shared<const Tensor>(Tensor::from_float({-1.f, 2.f}, {2}));
  Node n;
  n.name = "relu_w";
  n.op_type = "Relu";
  n.inputs = {"w"};
  n.outputs = {"y"};
  g.nodes = {n};
  ValueInfo out;
  out.name = "y";
  g.outputs.push_back(out);
  Plan p(g, bind_batch(g, 1));
  EXPECT_TRUE(p.steps().empty());
  ASSERT_EQ(p.folded().size(), 1u);
  EXPECT_EQ(p.totals().flops, 0);
  RefSession s(p);
  auto outs = s.run({});
  EXPECT_EQ(outs[0].data<float>()[0], 0.f);
  EXPECT_EQ(outs[0].data<float>()[1], 2.f);
}

TEST(Format, NumbersReadWell) {
  EXPECT_EQ(si(999), "999");
  EXPECT_EQ(si(4089184256), "4.09G");
  EXPECT_EQ(si(25557032), "25.6M");
  EXPECT_EQ(si(118013952), "118M");
  EXPECT_EQ(grouped(4089184256), "4,089,184,256");
  EXPECT_EQ(grouped(-1234), "-1,234");
  EXPECT_EQ(bytes_str(512), "512 B");
  EXPECT_EQ(bytes_str(1536), "1.5 KiB");
  EXPECT_EQ(percent(0.1234), "12.3%");
}

}  // namespace
}  // namespace dnncost::testing
