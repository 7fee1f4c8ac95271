// Unit tests of the comparison, logic and selection ops: Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or,
// Xor, Not and Where. Values against a naive multi-index broadcast, bool outputs, element types, cost (1 FLOP per
// output element; Where 0), folding of shape subgraphs, and bad-input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/unfolded_op.h"

namespace dnncost::testing {
namespace {

template <typename T>
Tensor typed(DType dt, std::vector<T> v, Shape s) {
  Tensor t(dt, std::move(s));
  EXPECT_EQ(t.numel(), static_cast<int64_t>(v.size()));
  if (!v.empty()) std::memcpy(t.raw(), v.data(), v.size() * sizeof(T));
  return t;
}
Tensor bools(std::vector<uint8_t> v, Shape s) { return typed<uint8_t>(DType::kBool, std::move(v), std::move(s)); }
template <typename T>
std::vector<T> values(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  if (!v.empty()) std::memcpy(v.data(), t.raw(), t.bytes());
  return v;
}
// Small integers as floats, so that comparisons meet equal values often.
Tensor small_ints(const Shape& s, unsigned seed) {
  Tensor t = random_tensor(s, seed, -3.f, 3.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::round(t.data<float>()[i]);
  return t;
}

// Offset in an input of shape `in` of output element `i` of shape `out`, by numpy broadcasting (multi-index).
int64_t naive_offset(const Shape& in, const Shape& out, int64_t i) {
  std::vector<int64_t> index(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    index[d] = i % out[d];
    i /= out[d];
  }
  int64_t offset = 0;
  const size_t lead = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) offset = offset * in[d] + (in[d] == 1 ? 0 : index[lead + d]);
  return offset;
}

struct CompareCase {
  const char* op;
  std::function<bool(float, float)> fn;
};

TEST(Comparisons, ValuesShapesAndCostWithBroadcast) {
  const std::vector<CompareCase> cases = {{"Equal", [](float a, float b) { return a == b; }},
                                          {"Less", [](float a, float b) { return a < b; }},
                                          {"Greater", [](float a, float b) { return a > b; }},
                                          {"LessOrEqual", [](float a, float b) { return a <= b; }},
                                          {"GreaterOrEqual", [](float a, float b) { return a >= b; }}};
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{2, 1, 4}, {3, 1}}, {{5}, {}}, {{1, 3}, {2, 1}}};
  for (const auto& c : cases) {
    for (const auto& sh : shapes) {
      const Tensor a = small_ints(sh.first, 3), b = small_ints(sh.second, 4);
      auto r = run_single_op({c.op, {}, {in(a), in(b)}});
      const Tensor& y = r.outputs[0];
      ASSERT_EQ(y.dtype(), DType::kBool) << c.op;
      const std::vector<uint8_t> got = values<uint8_t>(y);
      for (int64_t i = 0; i < y.numel(); ++i) {
        const float va = a.data<float>()[naive_offset(a.shape(), y.shape(), i)];
        const float vb = b.data<float>()[naive_offset(b.shape(), y.shape(), i)];
        EXPECT_EQ(got[i], c.fn(va, vb) ? 1 : 0) << c.op << " element " << i << ": " << va << " vs " << vb;
      }
      EXPECT_EQ(r.cost.flops, y.numel()) << c.op;
      EXPECT_EQ(r.cost.macs, 0);
      EXPECT_EQ(r.cost.params, 0);
    }
  }
}

TEST(Comparisons, NanIsNeitherEqualNorOrdered) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    auto r = run_single_op({op, {}, {in(Tensor::from_float({nan, 1.f}, {2})), in(Tensor::from_float({nan, nan}, {2}))}});
    EXPECT_EQ(values<uint8_t>(r.outputs[0]), (std::vector<uint8_t>{0, 0})) << op;
  }
}

TEST(Comparisons, IntegerAndBoolOperands) {
  auto eq = run_single_op_unfolded({"Equal", {}, {in(Tensor::from_int64({1, 2, 3}, {3})), in(Tensor::from_int64({2}, {1}))}});
  EXPECT_EQ(values<uint8_t>(eq.outputs[0]), (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(eq.cost.flops, 3);
  auto lt = run_single_op({"Less",
                           {},
                           {in(typed<int32_t>(DType::kInt32, {-5, 7}, {2})), in(typed<int32_t>(DType::kInt32, {0, 7}, {2}))}});
  EXPECT_EQ(values<uint8_t>(lt.outputs[0]), (std::vector<uint8_t>{1, 0}));
  // Equal on bool compares truth values (2 is true, as 1).
  auto beq = run_single_op({"Equal", {}, {in(bools({1, 0, 2, 0}, {4})), in(bools({1, 1, 1, 0}, {4}))}});
  EXPECT_EQ(values<uint8_t>(beq.outputs[0]), (std::vector<uint8_t>{1, 0, 1, 1}));
}

TEST(Comparisons, EqualOnAShapeVectorIsFolded) {
  // ViT's class-token Expand: Equal(shape vector, -1) on values known at plan time costs nothing.
  auto r = run_single_op({"Equal", {}, {weight(Tensor::from_int64({1, -1, 768}, {3})), weight(Tensor::from_int64({-1}, {1}))}});
  EXPECT_TRUE(r.folded);
  EXPECT_EQ(values<uint8_t>(r.outputs[0]), (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(r.cost.flops, 0);
}

TEST(Comparisons, BadOperands) {
  expect_model_error({"Less", {}, {in(bools({1}, {1})), in(bools({0}, {1}))}},
                     {"input A has element type bool", "float32, int64 or int32"});
  expect_model_error({"Equal", {}, {in(Tensor::from_float({1}, {1})), in(Tensor::from_int64({1}, {1}))}},
                     {"same element type", "float", "int64"});
  expect_model_error({"Greater", {}, {in(random_tensor({2, 3})), in(random_tensor({4}))}},
                     {"cannot be broadcast", "3 vs 4"});
  expect_model_error({"Greater", {{"broadcast", attr_int(1)}}, {in(random_tensor({2, 3})), in(random_tensor({3}))}, 1, 6},
                     {"legacy broadcast=1"});
}

TEST(Logic, TruthTablesWithBroadcast) {
  const Tensor a = bools({0, 0, 1, 1}, {4, 1});
  const Tensor b = bools({0, 1}, {2});
  const struct {
    const char* op;
    std::vector<uint8_t> want;  // [4, 2]: rows a = 0, 0, 1, 1; columns b = 0, 1
  } cases[] = {{"And", {0, 0, 0, 0, 0, 1, 0, 1}}, {"Or", {0, 1, 0, 1, 1, 1, 1, 1}}, {"Xor", {0, 1, 0, 1, 1, 0, 1, 0}}};
  for (const auto& c : cases) {
    auto r = run_single_op_unfolded({c.op, {}, {in(a), in(b)}});  // bool inputs: values known to `run`, not to `info`
    ASSERT_FALSE(r.folded);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{4, 2})) << c.op;
    EXPECT_EQ(r.outputs[0].dtype(), DType::kBool);
    EXPECT_EQ(values<uint8_t>(r.outputs[0]), c.want) << c.op;
    EXPECT_EQ(r.cost.flops, 8) << c.op;
  }
  auto n = run_single_op_unfolded({"Not", {}, {in(bools({0, 1, 5, 0, 1, 1}, {2, 3}))}});
  EXPECT_EQ(values<uint8_t>(n.outputs[0]), (std::vector<uint8_t>{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(n.outputs[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(n.cost.flops, 6);
}

TEST(Logic, OperandsMustBeBool) {
  expect_model_error({"And", {}, {in(random_tensor({2})), in(random_tensor({2}))}},
                     {"input A has element type float", "bool tensors only"});
  expect_model_error({"Not", {}, {in(Tensor::from_int64({1}, {1}))}}, {"input X has element type int64", "bool"});
}

TEST(Where, SelectsWithThreeWayBroadcastAndCostsNothing) {
  const Tensor cond = bools({1, 0, 0, 1, 1, 0}, {2, 1, 3});
  const Tensor x = random_tensor({4, 1}, 5);
  const Tensor y = random_tensor({2, 4, 3}, 6);
  auto r = run_single_op({"Where", {}, {in(cond), in(x), in(y)}});
  const Tensor& out = r.outputs[0];
  ASSERT_EQ(out.shape(), (Shape{2, 4, 3}));
  for (int64_t i = 0; i < out.numel(); ++i) {
    const bool c = cond.data<uint8_t>()[naive_offset(cond.shape(), out.shape(), i)] != 0;
    const float want = c ? x.data<float>()[naive_offset(x.shape(), out.shape(), i)]
                         : y.data<float>()[naive_offset(y.shape(), out.shape(), i)];
    EXPECT_EQ(out.data<float>()[i], want) << "element " << i;
  }
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.macs, 0);
}

TEST(Where, MaskedFillConstantIsDataAndAnyElementTypeWorks) {
  // masked_fill(x, mask, -inf): the -inf constant is data, not a param.
  const float inf = std::numeric_limits<float>::infinity();
  auto r = run_single_op({"Where", {}, {in(bools({1, 0, 1}, {3})), weight(Tensor::from_float({-inf}, {})), in(random_tensor({3}, 2))}});
  EXPECT_EQ(r.cost.params, 0);
  EXPECT_EQ(r.outputs[0].data<float>()[0], -inf);
  EXPECT_EQ(r.outputs[0].data<float>()[2], -inf);
  auto i64 = run_single_op({"Where",
                            {},
                            {in(bools({1, 0}, {2})), in(Tensor::from_int64({10, 11}, {2})), in(Tensor::from_int64({-1}, {1}))}});
  EXPECT_EQ(values<int64_t>(i64.outputs[0]), (std::vector<int64_t>{10, -1}));
  auto b = run_single_op({"Where", {}, {in(bools({0, 1}, {2})), in(bools({1, 1}, {2})), in(bools({0, 0}, {2}))}});
  EXPECT_EQ(values<uint8_t>(b.outputs[0]), (std::vector<uint8_t>{0, 1}));
}

TEST(Where, BadOperands) {
  expect_model_error({"Where", {}, {in(random_tensor({2})), in(random_tensor({2})), in(random_tensor({2}))}},
                     {"input 'condition' has element type float, expected bool"});
  expect_model_error({"Where", {}, {in(bools({1, 0}, {2})), in(random_tensor({2})), in(Tensor::from_int64({1, 2}, {2}))}},
                     {"inputs X and Y must have the same element type"});
  expect_model_error({"Where", {}, {in(bools({1, 0}, {2})), in(random_tensor({3})), in(random_tensor({2}))}},
                     {"cannot be broadcast"});
}

}  // namespace
}  // namespace dnncost::testing
