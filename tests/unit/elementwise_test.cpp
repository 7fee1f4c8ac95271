// Unit tests of the broadcasting helper and the element-wise ops Add, Sub, Mul, Div, Sum, Max, PRelu, Clip:
// broadcast shapes and index maps, values against a naive multi-index computation, legacy opset forms, cost,
// parameter accounting and bad-input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "kernels/broadcast.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// Naive numpy broadcasting, element by element through multi-indices (independent of BroadcastIndexer).
Tensor naive_broadcast(const std::vector<const Tensor*>& ins, const std::function<float(float, float)>& combine) {
  size_t rank = 0;
  for (const Tensor* t : ins) rank = std::max(rank, t->shape().size());
  auto aligned = [&](const Tensor& t, size_t d) -> int64_t {
    const size_t lead = rank - t.shape().size();
    return d < lead ? 1 : t.shape()[d - lead];
  };
  Shape out(rank, 1);
  for (size_t d = 0; d < rank; ++d)
    for (const Tensor* t : ins) out[d] = aligned(*t, d) == 1 ? out[d] : aligned(*t, d);
  Tensor y(DType::kFloat32, out);
  std::vector<int64_t> index(rank);
  for (int64_t i = 0; i < y.numel(); ++i) {
    int64_t rest = i;
    for (size_t d = rank; d-- > 0;) {
      index[d] = rest % out[d];
      rest /= out[d];
    }
    float acc = 0;
    for (size_t k = 0; k < ins.size(); ++k) {
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d)
        offset = offset * aligned(*ins[k], d) + (aligned(*ins[k], d) == 1 ? 0 : index[d]);
      const float v = ins[k]->data<float>()[offset];
      acc = k == 0 ? v : combine(acc, v);
    }
    y.data<float>()[i] = acc;
  }
  return y;
}

void expect_same_values(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float g = got.data<float>()[i], w = want.data<float>()[i];
    if (std::isnan(w))
      EXPECT_TRUE(std::isnan(g)) << "element " << i;
    else
      EXPECT_FLOAT_EQ(g, w) << "element " << i;
  }
}

// --- the broadcasting helper ---------------------------------------------------------------------------------

TEST(Broadcast, ShapesFollowNumpyRules) {
  Shape out;
  ASSERT_TRUE(broadcast_shapes({{2, 3}, {}}, &out, nullptr));
  EXPECT_EQ(out, (Shape{2, 3}));
  ASSERT_TRUE(broadcast_shapes({{2, 3}, {3}}, &out, nullptr));
  EXPECT_EQ(out, (Shape{2, 3}));
  ASSERT_TRUE(broadcast_shapes({{2, 1}, {1, 3}}, &out, nullptr));
  EXPECT_EQ(out, (Shape{2, 3}));
  ASSERT_TRUE(broadcast_shapes({{8, 1, 6, 1}, {7, 1, 5}, {5}}, &out, nullptr));
  EXPECT_EQ(out, (Shape{8, 7, 6, 5}));
  ASSERT_TRUE(broadcast_shapes({{0, 3}, {1, 3}}, &out, nullptr));
  EXPECT_EQ(out, (Shape{0, 3}));
}

TEST(Broadcast, IncompatibleShapesSayWhy) {
  std::string why;
  Shape out{9};
  EXPECT_FALSE(broadcast_shapes({{2, 3}, {4}}, &out, &why));
  EXPECT_EQ(out, (Shape{9}));  // untouched
  EXPECT_NE(why.find("[2, 3] and [4] cannot be broadcast"), std::string::npos) << why;
  EXPECT_NE(why.find("3 vs 4"), std::string::npos) << why;
  EXPECT_FALSE(broadcast_shapes({{0}, {3}}, &out, &why));
}

TEST(Broadcast, UnidirectionalCheck) {
  EXPECT_TRUE(broadcasts_to({3, 1, 1}, {2, 3, 4, 5}));
  EXPECT_TRUE(broadcasts_to({}, {2, 3}));
  EXPECT_FALSE(broadcasts_to({2, 3}, {3}));
  EXPECT_FALSE(broadcasts_to({4}, {2, 3}));
  EXPECT_THROW(BroadcastIndexer({{4}}, {2, 3}), std::invalid_argument);
}

TEST(Broadcast, IndexerMergesDimensionsTreatedAlike) {
  // Channel bias: N*C runs of H*W elements, the bias one value per run.
  BroadcastIndexer bias({{2, 3, 4, 5}, {1, 3, 1, 1}}, {2, 3, 4, 5});
  EXPECT_EQ(bias.dims(), (std::vector<int64_t>{2, 3, 20}));
  EXPECT_EQ(bias.strides(0), (std::vector<int64_t>{60, 20, 1}));
  EXPECT_EQ(bias.strides(1), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(bias.rows(), 6);
  EXPECT_EQ(bias.row_length(), 20);
  EXPECT_EQ(bias.inner_stride(1), 0);
  // Equal shapes: one run of everything (the fast path).
  BroadcastIndexer same({{2, 3, 4}, {2, 3, 4}}, {2, 3, 4});
  EXPECT_EQ(same.dims(), (std::vector<int64_t>{24}));
  EXPECT_EQ(same.rows(), 1);
  // A single element, and an empty output.
  BroadcastIndexer one({{}, {1, 1}}, {1, 1});
  EXPECT_EQ(one.numel(), 1);
  EXPECT_EQ(one.rows(), 1);
  BroadcastIndexer empty({{0, 3}, {3}}, {0, 3});
  int calls = 0;
  empty.for_each_row([&](int64_t, const int64_t*) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(Broadcast, RowWalkAndRandomAccessAgreeWithMultiIndices) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 4, 5}, {1, 3, 1, 1}}, {{2, 3}, {}},           {{2, 1}, {1, 3}},      {{4, 1, 3, 1}, {5, 1, 2}},
      {{1, 1, 7}, {6, 1}},          {{3, 1, 1}, {3, 4, 5}}, {{2, 3, 4}, {2, 3, 4}}};
  for (const auto& c : cases) {
    Shape out;
    ASSERT_TRUE(broadcast_shapes({c.first, c.second}, &out, nullptr));
    BroadcastIndexer ix({c.first, c.second}, out);
    // Expected offsets from multi-indices.
    const size_t rank = out.size();
    auto offset_of = [&](const Shape& s, int64_t flat) {
      std::vector<int64_t> index(rank);
      for (size_t d = rank; d-- > 0;) {
        index[d] = flat % out[d];
        flat /= out[d];
      }
      int64_t off = 0;
      const size_t lead = rank - s.size();
      for (size_t d = lead; d < rank; ++d) off = off * s[d - lead] + (s[d - lead] == 1 ? 0 : index[d]);
      return off;
    };
    std::vector<int64_t> walked0, walked1;
    ix.for_each_row([&](int64_t start, const int64_t* off) {
      EXPECT_EQ(start, static_cast<int64_t>(walked0.size()));
      for (int64_t i = 0; i < ix.row_length(); ++i) {
        walked0.push_back(off[0] + i * ix.inner_stride(0));
        walked1.push_back(off[1] + i * ix.inner_stride(1));
      }
    });
    ASSERT_EQ(static_cast<int64_t>(walked0.size()), shape_numel(out)) << shape_str(c.first) << shape_str(c.second);
    for (int64_t i = 0; i < shape_numel(out); ++i) {
      EXPECT_EQ(walked0[i], offset_of(c.first, i)) << shape_str(c.first) << " element " << i;
      EXPECT_EQ(walked1[i], offset_of(c.second, i)) << shape_str(c.second) << " element " << i;
      EXPECT_EQ(ix.input_offset(0, i), offset_of(c.first, i));
      EXPECT_EQ(ix.input_offset(1, i), offset_of(c.second, i));
    }
  }
}

// --- Add, Sub, Mul, Div --------------------------------------------------------------------------------------

TEST(Elementwise, BinaryOpsBroadcastLikeNumpy) {
  const std::vector<std::pair<Shape, Shape>> cases = {{{2, 3}, {}},      // scalar
                                                      {{2, 3}, {3}},     // row
                                                      {{2, 3}, {2, 1}},  // column
                                                      {{2, 1}, {1, 3}},  // both sides broadcast
                                                      {{1, 3, 1}, {2, 1, 4}},
                                                      {{2, 3, 4, 5}, {1, 3, 1, 1}},  // channel bias
                                                      {{3}, {2, 3, 4, 3}},           // A is the smaller one
                                                      {{2, 3, 4}, {2, 3, 4}}};       // equal shapes
  const std::vector<std::pair<std::string, std::function<float(float, float)>>> ops = {
      {"Add", [](float a, float b) { return a + b; }},
      {"Sub", [](float a, float b) { return a - b; }},
      {"Mul", [](float a, float b) { return a * b; }},
      {"Div", [](float a, float b) { return a / b; }}};
  unsigned seed = 1;
  for (const auto& c : cases) {
    const Tensor a = random_tensor(c.first, seed++);
    const Tensor b = random_tensor(c.second, seed++, 0.5f, 2.f);
    for (const auto& op : ops) {
      SCOPED_TRACE(op.first + " " + shape_str(c.first) + " " + shape_str(c.second));
      auto r = run_single_op({op.first, {}, {in(a.reshaped(a.shape())), in(b.reshaped(b.shape()))}});
      const Tensor want = naive_broadcast({&a, &b}, op.second);
      expect_same_values(r.outputs[0], want);
      EXPECT_EQ(r.cost.macs, 0);
      EXPECT_EQ(r.cost.flops, want.numel());
    }
  }
}

TEST(Elementwise, AddHandComputedRowAndColumn) {
  auto r = run_single_op(
      {"Add", {}, {in(Tensor::from_float({1, 2, 3, 4, 5, 6}, {2, 3})), in(Tensor::from_float({10, 20}, {2, 1}))}});
  const float want[] = {11, 12, 13, 24, 25, 26};
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.outputs[0].data<float>()[i], want[i]);
  r = run_single_op({"Sub", {}, {in(Tensor::from_float({1}, {})), in(Tensor::from_float({1, 2, 3}, {3}))}});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{3}));
  EXPECT_EQ(r.outputs[0].data<float>()[2], -2.f);
}

TEST(Elementwise, ChannelBiasInitializerCountsAsParams) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 7);
  const Tensor bias = random_tensor({1, 3, 1, 1}, 8);
  auto r = run_single_op({"Add", {}, {in(x.reshaped(x.shape())), weight(bias.reshaped(bias.shape()))}});
  EXPECT_FALSE(r.folded);
  expect_same_values(r.outputs[0], naive_broadcast({&x, &bias}, [](float a, float b) { return a + b; }));
  EXPECT_EQ(r.cost.params, 3);
  EXPECT_EQ(r.cost.weight_bytes, 12);
  EXPECT_EQ(r.cost.flops, 120);
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.bytes_read, 120 * 4 + 12);
  EXPECT_EQ(r.cost.bytes_written, 120 * 4);
}

TEST(Elementwise, ScalarConstantIsNotAParam) {
  auto r = run_single_op({"Mul", {}, {in(random_tensor({2, 3})), weight(Tensor::from_float({0.5f}, {}))}});
  EXPECT_EQ(r.cost.params, 0);
  EXPECT_EQ(r.cost.weight_bytes, 4);
  EXPECT_EQ(r.cost.flops, 6);
  // A one-element tensor of rank 1 is a scalar too.
  r = run_single_op({"Div", {}, {weight(Tensor::from_float({2.f}, {1})), in(random_tensor({4}, 3, 1.f, 2.f))}});
  EXPECT_EQ(r.cost.params, 0);
}

TEST(Elementwise, Int64ArithmeticForShapeSubgraphs) {
  const Tensor a = Tensor::from_int64({7, -7, 7, -7, 6, 0}, {6});
  const Tensor b = Tensor::from_int64({2, 2, -2, -2, 3, 5}, {6});
  auto run = [&](const std::string& op) {
    auto r = run_single_op({op, {}, {in(a.reshaped(a.shape())), in(b.reshaped(b.shape()))}});
    EXPECT_TRUE(r.folded);  // integer graph inputs are plan-time values
    EXPECT_EQ(r.outputs[0].dtype(), DType::kInt64);
    return r.outputs[0].to_int64_vector();
  };
  EXPECT_EQ(run("Add"), (std::vector<int64_t>{9, -5, 5, -9, 9, 5}));
  EXPECT_EQ(run("Sub"), (std::vector<int64_t>{5, -9, 9, -5, 3, -5}));
  EXPECT_EQ(run("Mul"), (std::vector<int64_t>{14, -14, -14, 14, 18, 0}));
  // Integer Div truncates toward zero (ONNX reference, onnxruntime), not floor as numpy's //.
  EXPECT_EQ(run("Div"), (std::vector<int64_t>{3, -3, -3, 3, 2, 0}));
}

TEST(Elementwise, Int64BroadcastAndOverflowEdges) {
  // shape[0] * shape[1] style arithmetic with a scalar.
  auto r = run_single_op({"Mul", {}, {in(Tensor::from_int64({2, 3, 4}, {3})), in(Tensor::from_int64({-1}, {}))}});
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{-2, -3, -4}));
  const int64_t min = std::numeric_limits<int64_t>::min();
  r = run_single_op({"Div", {}, {in(Tensor::from_int64({min}, {1})), in(Tensor::from_int64({-1}, {1}))}});
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{min}));  // wraps, no trap
}

TEST(Elementwise, Int32Arithmetic) {
  Tensor a(DType::kInt32, {3}), b(DType::kInt32, {1});
  const int32_t av[] = {9, -9, 4};
  for (int i = 0; i < 3; ++i) a.data<int32_t>()[i] = av[i];
  b.data<int32_t>()[0] = 4;
  auto r = run_single_op({"Div", {}, {in(a.reshaped({3})), in(b.reshaped({1}))}});
  ASSERT_EQ(r.outputs[0].dtype(), DType::kInt32);
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{2, -2, 1}));
}

TEST(Elementwise, IntegerDivisionByZeroIsAnError) {
  expect_model_error({"Div", {}, {in(Tensor::from_int64({4, 5}, {2})), in(Tensor::from_int64({1, 0}, {2}))}},
                     {"integer division by zero", "divisor B is 0 at element 1"});
}

TEST(Elementwise, FloatDivisionByZeroFollowsIeee) {
  auto r = run_single_op({"Div", {}, {in(Tensor::from_float({1, -1, 0}, {3})), in(Tensor::from_float({0}, {}))}});
  EXPECT_EQ(r.outputs[0].data<float>()[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(r.outputs[0].data<float>()[1], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[2]));
}

TEST(Elementwise, IncompatibleShapesNameTheNodeAndShapes) {
  expect_model_error({"Add", {}, {in(random_tensor({2, 3})), in(random_tensor({4}))}},
                     {"inputs A and B", "[2, 3] and [4] cannot be broadcast", "3 vs 4"});
}

TEST(Elementwise, UnsupportedAndMixedTypesAreErrors) {
  expect_model_error({"Add", {}, {in(Tensor(DType::kUint8, {2})), in(Tensor(DType::kUint8, {2}))}},
                     {"input A has element type uint8", "float (float32), int64 or int32"});
  expect_model_error({"Mul", {}, {in(random_tensor({2})), in(Tensor::from_int64({1, 2}, {2}))}},
                     {"input A and input B must have the same element type, got float and int64"});
  expect_model_error({"Sub", {}, {in(random_tensor({2}))}}, {"expected 2 input(s)"});
}

TEST(Elementwise, LegacyBroadcastAttributeBeforeOpset7) {
  const Tensor a = random_tensor({2, 3, 4, 5}, 11);
  // B = [3, 4] placed at axis 1 (numpy would align it with the last two dimensions instead).
  const Tensor b = random_tensor({3, 4}, 12);
  SingleOp op{"Add",
              {{"broadcast", attr_int(1)}, {"axis", attr_int(1)}},
              {in(a.reshaped(a.shape())), in(b.reshaped(b.shape()))}};
  op.opset = 6;
  auto r = run_single_op(op);
  const Tensor b_aligned = b.reshaped({1, 3, 4, 1});
  expect_same_values(r.outputs[0], naive_broadcast({&a, &b_aligned}, [](float x, float y) { return x + y; }));
  EXPECT_EQ(r.cost.flops, 120);

  // No axis: suffix matching, as numpy.
  const Tensor c = random_tensor({5}, 13);
  op = {"Mul", {{"broadcast", attr_int(1)}}, {in(a.reshaped(a.shape())), in(c.reshaped(c.shape()))}, 1, 6};
  r = run_single_op(op);
  expect_same_values(r.outputs[0], naive_broadcast({&a, &c}, [](float x, float y) { return x * y; }));

  // One element of any rank up to A's is a scalar.
  op = {"Sub", {{"broadcast", attr_int(1)}}, {in(a.reshaped(a.shape())), in(Tensor::from_float({1.f}, {1, 1}))}, 1, 6};
  r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), a.shape());
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[7], a.data<float>()[7] - 1.f);
}

TEST(Elementwise, LegacyFormRejectsWhatItCannotBroadcast) {
  SingleOp op{"Add", {}, {in(random_tensor({2, 3})), in(random_tensor({3}))}};
  op.opset = 6;
  expect_model_error(op, {"must have the same shape", "broadcast=1"});
  op.attrs["broadcast"] = attr_int(1);
  op.attrs["axis"] = attr_int(0);
  expect_model_error(op, {"with broadcast=1 and axis 0", "[3] must match A [2, 3] at dimensions 0 to 0"});
  op.attrs["axis"] = attr_int(2);
  expect_model_error(op, {"attribute axis 2 places B [3] outside A [2, 3]", "expected 0 <= axis <= 1"});
}

// --- Sum, Max ------------------------------------------------------------------------------------------------

TEST(Elementwise, SumOfThreeBroadcastInputs) {
  const Tensor a = Tensor::from_float({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = Tensor::from_float({10, 20, 30}, {3});
  const Tensor c = Tensor::from_float({100, 200}, {2, 1});
  auto r =
      run_single_op({"Sum", {}, {in(a.reshaped(a.shape())), in(b.reshaped(b.shape())), in(c.reshaped(c.shape()))}});
  const float want[] = {111, 122, 133, 214, 225, 236};
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.outputs[0].data<float>()[i], want[i]);
  EXPECT_EQ(r.cost.flops, 2 * 6);  // (k - 1) per output element
  EXPECT_EQ(r.cost.macs, 0);
}

TEST(Elementwise, VariadicOutputLargerThanFirstPair) {
  // The first two inputs broadcast to [3] only; the third widens the output to [2, 3].
  const Tensor a = random_tensor({3}, 21), b = random_tensor({1}, 22), c = random_tensor({2, 3}, 23);
  auto r =
      run_single_op({"Max", {}, {in(a.reshaped(a.shape())), in(b.reshaped(b.shape())), in(c.reshaped(c.shape()))}});
  expect_same_values(r.outputs[0], naive_broadcast({&a, &b, &c}, [](float x, float y) { return std::max(x, y); }));
  r = run_single_op({"Sum", {}, {in(b.reshaped(b.shape())), in(a.reshaped(a.shape())), in(c.reshaped(c.shape()))}});
  expect_same_values(r.outputs[0], naive_broadcast({&b, &a, &c}, [](float x, float y) { return x + y; }));
}

TEST(Elementwise, SumAndMaxOfOneInputCopy) {
  const Tensor a = random_tensor({2, 2}, 5);
  auto r = run_single_op({"Sum", {}, {in(a.reshaped(a.shape()))}});
  expect_same_values(r.outputs[0], a);
  EXPECT_EQ(r.cost.flops, 0);
  r = run_single_op({"Max", {}, {in(a.reshaped(a.shape()))}});
  expect_same_values(r.outputs[0], a);
}

TEST(Elementwise, MaxPropagatesNaNAndHandlesIntegers) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto r =
      run_single_op({"Max", {}, {in(Tensor::from_float({nan, 1, 2}, {3})), in(Tensor::from_float({0, nan, 3}, {3}))}});
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[0]));
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[1]));
  EXPECT_EQ(r.outputs[0].data<float>()[2], 3.f);
  EXPECT_EQ(r.cost.flops, 3);
  r = run_single_op(
      {"Max",
       {},
       {in(Tensor::from_int64({-5, 7}, {2})), in(Tensor::from_int64({-6}, {1})), in(Tensor::from_int64({0, 1}, {2}))}});
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{0, 7}));
}

TEST(Elementwise, SumBeforeOpset8NeedsEqualShapes) {
  SingleOp op{"Sum", {}, {in(random_tensor({2, 3})), in(random_tensor({3}))}};
  op.opset = 6;
  expect_model_error(op, {"input 0 [2, 3] and input 1 [3] must have the same shape", "before opset 8"});
  op.opset = 8;
  EXPECT_EQ(run_single_op(op).outputs[0].shape(), (Shape{2, 3}));
}

TEST(Elementwise, VariadicBadInputs) {
  expect_model_error({"Max", {}, {in(random_tensor({2, 3})), in(random_tensor({2})), in(random_tensor({3}))}},
                     {"[2, 3], [2] and [3] cannot be broadcast"});
  expect_model_error({"Sum", {}, {in(random_tensor({2})), in(Tensor(DType::kFloat64, {2}))}},
                     {"input 1 has element type double", "Sum computes float (float32), int64 or int32"});
  expect_model_error({"Sum", {}, {}}, {"expected at least 1 input, got 0"});
}

// --- PRelu ---------------------------------------------------------------------------------------------------

TEST(Elementwise, PReluChannelSlopeIsAParam) {
  const Tensor x = random_tensor({2, 3, 2, 2}, 31);
  const Tensor slope = Tensor::from_float({0.1f, 0.2f, 0.3f}, {3, 1, 1});
  auto r = run_single_op({"PRelu", {}, {in(x.reshaped(x.shape())), weight(slope.reshaped(slope.shape()))}});
  ASSERT_EQ(r.outputs[0].shape(), x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.data<float>()[i];
    const float s = slope.data<float>()[(i / 4) % 3];
    EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[i], v < 0 ? s * v : v) << i;
  }
  EXPECT_EQ(r.cost.params, 3);
  EXPECT_EQ(r.cost.flops, 2 * 24);
  EXPECT_EQ(r.cost.macs, 0);
}

TEST(Elementwise, PReluOpset6OneDimensionalSlopeIsPerChannel) {
  const Tensor x = random_tensor({1, 3, 2, 2}, 32);
  SingleOp op{"PRelu", {}, {in(x.reshaped(x.shape())), weight(Tensor::from_float({1.f, 2.f, 3.f}, {3}))}};
  op.opset = 6;
  auto r = run_single_op(op);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.data<float>()[i];
    EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[i], v < 0 ? static_cast<float>(i / 4 + 1) * v : v) << i;
  }
  // Opset 7+: the same slope aligns with the last dimension (2), which does not fit.
  op.opset = 9;
  expect_model_error(op, {"input slope [3] must broadcast to X [1, 3, 2, 2]", "[C, 1, 1]"});
}

TEST(Elementwise, PReluRejectsIntegerInput) {
  expect_model_error({"PRelu", {}, {in(Tensor::from_int64({1, -1}, {2})), in(random_tensor({1}))}},
                     {"input X must be float (float32), got int64"});
}

// --- Clip ----------------------------------------------------------------------------------------------------

TEST(Elementwise, ClipOpset11BoundsAreOptionalInputs) {
  const Tensor x = Tensor::from_float({-3, -0.5f, 0.5f, 3}, {2, 2});
  auto both = run_single_op(
      {"Clip", {}, {in(x.reshaped(x.shape())), in(Tensor::from_float({-1}, {})), in(Tensor::from_float({1}, {}))}});
  const float want_both[] = {-1, -0.5f, 0.5f, 1};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(both.outputs[0].data<float>()[i], want_both[i]);
  EXPECT_EQ(both.cost.flops, 2 * 4);
  EXPECT_EQ(both.cost.macs, 0);

  auto min_only = run_single_op({"Clip", {}, {in(x.reshaped(x.shape())), in(Tensor::from_float({0}, {}))}});
  const float want_min[] = {0, 0, 0.5f, 3};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(min_only.outputs[0].data<float>()[i], want_min[i]);

  auto max_only = run_single_op({"Clip", {}, {in(x.reshaped(x.shape())), absent(), in(Tensor::from_float({0}, {}))}});
  const float want_max[] = {-3, -0.5f, 0, 0};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(max_only.outputs[0].data<float>()[i], want_max[i]);

  auto neither = run_single_op({"Clip", {}, {in(x.reshaped(x.shape())), absent(), absent()}});
  expect_same_values(neither.outputs[0], x);
}

TEST(Elementwise, ClipBoundsAreDataNotParams) {
  auto r = run_single_op(
      {"Clip", {}, {in(random_tensor({3})), weight(Tensor::from_float({0}, {})), weight(Tensor::from_float({6}, {}))}});
  EXPECT_EQ(r.cost.params, 0);
  EXPECT_EQ(r.cost.weight_bytes, 8);
}

TEST(Elementwise, ClipOpset6Attributes) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = Tensor::from_float({-3, 0.25f, 7, nan}, {4});
  SingleOp op{"Clip", {{"min", attr_float(0.f)}, {"max", attr_float(6.f)}}, {in(x.reshaped(x.shape()))}};
  op.opset = 6;
  auto r = run_single_op(op);
  EXPECT_EQ(r.outputs[0].data<float>()[0], 0.f);
  EXPECT_EQ(r.outputs[0].data<float>()[1], 0.25f);
  EXPECT_EQ(r.outputs[0].data<float>()[2], 6.f);
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[3]));
  // Only max given: no lower bound.
  op.attrs.erase("min");
  r = run_single_op(op);
  EXPECT_EQ(r.outputs[0].data<float>()[0], -3.f);
  EXPECT_EQ(r.outputs[0].data<float>()[2], 6.f);
  // Inputs min/max do not exist before opset 11.
  op.inputs.push_back(in(Tensor::from_float({0}, {})));
  expect_model_error(op, {"expected 1 input(s), got 2"});
}

TEST(Elementwise, ClipMinAboveMaxGivesMax) {
  auto r = run_single_op(
      {"Clip",
       {},
       {in(Tensor::from_float({-1, 5}, {2})), in(Tensor::from_float({2}, {})), in(Tensor::from_float({1}, {}))}});
  EXPECT_EQ(r.outputs[0].data<float>()[0], 1.f);
  EXPECT_EQ(r.outputs[0].data<float>()[1], 1.f);
}

TEST(Elementwise, ClipBadBounds) {
  expect_model_error({"Clip", {}, {in(random_tensor({3})), in(random_tensor({2}))}},
                     {"input min must be a scalar (one element), got shape [2]"});
  expect_model_error({"Clip", {}, {in(random_tensor({3})), absent(), in(Tensor::from_int64({1}, {}))}},
                     {"input max must have X's element type float, got int64"});
  expect_model_error({"Clip", {}, {in(Tensor(DType::kInt8, {3}))}}, {"input X must be float (float32), got int8"});
}

}  // namespace
}  // namespace dnncost::testing
