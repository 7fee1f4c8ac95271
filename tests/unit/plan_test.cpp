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
  expect_error([&] { bind_batch(g, 1); }, {"input 'x' dimension 1 is symbolic ('height')", "--dim height=N"});
}

// A graph input [N, seq, 16] into MatMul by a constant [16, 4], then Relu: y is [N, seq, 4].
Graph seq_matmul_graph() {
  Graph g;
  g.path = "seq.onnx";
  g.opset = 13;
  ValueInfo in;
  in.name = "tokens";
  in.dtype = DType::kFloat32;
  in.has_shape = true;
  in.dims = {Dim{-1, "N"}, Dim{-1, "seq"}, Dim{16, ""}};
  g.inputs.push_back(in);
  g.initializers["w"] = std::make_shared<const Tensor>(random_tensor({16, 4}));
  Node mm;
  mm.name = "proj";
  mm.op_type = "MatMul";
  mm.inputs = {"tokens", "w"};
  mm.outputs = {"h"};
  Node relu;
  relu.name = "act";
  relu.op_type = "Relu";
  relu.inputs = {"h"};
  relu.outputs = {"y"};
  g.nodes = {mm, relu};
  ValueInfo out;
  out.name = "y";
  g.outputs.push_back(out);
  return g;
}

TEST(Plan, NamedSymbolicDimBindsToTheRequestedSize) {
  const Graph g = seq_matmul_graph();
  InputRequest request;
  request.batch = 3;
  request.dims = {{"seq", 5}};
  const BoundInputs bound = bind_inputs(g, request);
  EXPECT_EQ(bound.batch, 3);
  EXPECT_EQ(bound.binding.shapes.at("tokens"), (Shape{3, 5, 16}));
  const Plan p(g, bound.binding);
  EXPECT_EQ(p.values()[p.output_ids()[0]].shape, (Shape{3, 5, 4}));
  EXPECT_EQ(p.totals().macs, 3 * 5 * 16 * 4);
  request.dims = {{"seq", 7}};
  const Plan p7(g, bind_inputs(g, request).binding);
  EXPECT_EQ(p7.values()[p7.output_ids()[0]].shape, (Shape{3, 7, 4}));
}

TEST(Plan, UnboundSymbolicDimNamesInputDimensionAndOption) {
  const Graph g = seq_matmul_graph();
  const std::string m = error_message([&] { bind_inputs(g, InputRequest()); });
  EXPECT_EQ(m, "seq.onnx: graph input 'tokens' dimension 1 is symbolic ('seq'): give its size with --dim seq=N");
  // Two inputs and two symbols: every symbol once, at its first place.
  Graph two = g;
  ValueInfo mask;
  mask.name = "mask";
  mask.dtype = DType::kFloat32;
  mask.has_shape = true;
  mask.dims = {Dim{-1, "N"}, Dim{-1, "seq"}, Dim{-1, "past"}};
  two.inputs.push_back(mask);
  InputRequest seq_only;
  seq_only.dims = {{"seq", 4}};
  expect_error([&] { bind_inputs(two, seq_only); },
               {"graph input 'mask' dimension 2 is symbolic ('past')", "--dim past=N"});
  expect_error([&] { bind_inputs(two, InputRequest()); },
               {"graph input 'tokens' dimension 1 is symbolic ('seq'), input 'mask' dimension 2 is symbolic ('past')",
                "give their sizes with --dim seq=N --dim past=N"});
  // A dimension without a size or a name cannot be given.
  Graph unnamed = g;
  unnamed.inputs[0].dims[1].symbol.clear();
  expect_error([&] { bind_inputs(unnamed, InputRequest()); },
               {"graph input 'tokens' dimension 1 has neither a size nor a name", "--dim"});
}

TEST(Plan, DimNamesTheModelDoesNotHaveAreErrors) {
  const Graph g = seq_matmul_graph();
  InputRequest request;
  request.dims = {{"seq", 5}, {"sequence", 5}};
  expect_error([&] { bind_inputs(g, request); },
               {"seq.onnx: --dim sequence: no input of the model has a dimension named 'sequence'",
                "its symbolic dimensions: seq (input 'tokens' dimension 1)"});
  request.dims = {{"seq", 5}, {"N", 2}};  // the batch symbol is --batch's
  expect_error([&] { bind_inputs(g, request); }, {"--dim N: 'N' is the batch dimension", "--batch"});
  request.dims = {{"seq", 0}};
  expect_error([&] { bind_inputs(g, request); }, {"--dim seq=0", "positive integer"});
  const Graph fixed = relu_chain_graph({Dim{-1, "batch"}, Dim{3, ""}});
  request.dims = {{"seq", 5}};
  expect_error([&] { check_dim_names(fixed, request.dims); },
               {"--dim seq", "its inputs have no symbolic dimension after the batch"});
  std::vector<SymbolicDim> batch_only;
  const std::vector<SymbolicDim> named = symbolic_dims(g, &batch_only);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].name, "seq");
  EXPECT_EQ(named[0].axis, 1u);
  ASSERT_EQ(batch_only.size(), 1u);
  EXPECT_EQ(batch_only[0].name, "N");
}

TEST(Plan, RunDimsAreCheckedAgainstTheTensors) {
  const Graph g = seq_matmul_graph();
  const auto t = std::make_shared<const Tensor>(random_tensor({2, 6, 16}));
  EXPECT_EQ(bind_tensors(g, {t}, {{"seq", 6}}).shapes.at("tokens"), (Shape{2, 6, 16}));
  expect_error(
      [&] {
        bind_tensors(g, {t}, {{"seq", 5}});
      },
      {"input 'tokens' dimension 1 ('seq') is 6 in the given tensor [2, 6, 16], but --dim seq=5"});
  expect_error([&] { bind_tensors(g, {t}, {{"sq", 6}}); }, {"--dim sq", "no input of the model"});
  EXPECT_EQ(tensor_dims(g, {t}), (std::map<std::string, int64_t>{{"seq", 6}}));
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


// Params of initializers folded at plan time (docs/COSTS.md, "Folded nodes"): a learned token expanded over the batch
// from a shape subgraph is charged to its reader; a float table gathered at constant indices counts the table's
// elements, not the gathered copy's; a weight read by two folded slices counts once.
TEST(Plan, FoldedInitializersKeepTheirParams) {
  {
    GraphBuilder b(13);
    const std::string x = b.input(random_tensor({2, 3, 4}, 1));
    const std::string token = b.weight(random_tensor({1, 1, 4}, 2));
    const std::string shape = b.node("Concat", {b.node("Slice", {b.node("Shape", {x}), b.weight(Tensor::from_int64({0}, {1})),
                                                                   b.weight(Tensor::from_int64({1}, {1}))}),
                                                 b.weight(Tensor::from_int64({1, 4}, {2}))},
                                     {{"axis", attr_int(0)}});
    const std::string expanded = b.node("Expand", {token, shape});
    b.output(b.node("Concat", {expanded, x}, {{"axis", attr_int(1)}}));
    Plan p(b.graph(), bind_tensors(b.graph(), b.feeds()));
    ASSERT_EQ(p.steps().size(), 1u);  // only the Concat with x runs
    EXPECT_EQ(p.totals().params, 4);  // the token, not its [2, 1, 4] expansion and not the shape constants
  }
  {
    GraphBuilder b(13);
    const std::string x = b.input(random_tensor({7, 3}, 3));
    const std::string table = b.weight(random_tensor({5, 3}, 4));
    const std::string bias = b.node("Gather", {table, b.weight(Tensor::from_int64({0, 1, 2, 3, 4, 0, 1}, {7}))});
    b.output(b.node("Add", {x, bias}));
    Plan p(b.graph(), bind_tensors(b.graph(), b.feeds()));
    ASSERT_EQ(p.steps().size(), 1u);
    EXPECT_EQ(p.totals().params, 15);  // the [5, 3] table, not the [7, 3] gathered copy or the int64 indices
  }
  {
    GraphBuilder b(13);
    const std::string x = b.input(random_tensor({2, 4}, 5));
    const std::string w = b.weight(random_tensor({4, 6}, 6));
    std::vector<std::string> parts;
    for (int64_t k = 0; k < 2; ++k) {
      const std::string wk = b.node("Slice", {w, b.weight(Tensor::from_int64({3 * k}, {1})),
                                              b.weight(Tensor::from_int64({3 * k + 3}, {1})),
                                              b.weight(Tensor::from_int64({1}, {1}))});
      parts.push_back(b.node("MatMul", {x, wk}));
    }
    b.output(b.node("Add", parts));
    Plan p(b.graph(), bind_tensors(b.graph(), b.feeds()));
    EXPECT_EQ(p.totals().params, 24);  // the [4, 6] weight once
  }
}

}  // namespace
}  // namespace dnncost::testing
