// Unit tests of Softmax and LogSoftmax: values, numerical stability, the axis semantics of opsets 1-12 (coerce to
// 2-D) versus 13+ (one dim), cost and bad-input errors.
#include <gtest/gtest.h>

#include <cmath>

#include "layers/softmax.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

TEST(Softmax, HandComputedValues) {
  auto r = run_single_op({"Softmax", {}, {in(Tensor::from_float({1.f, 2.f, 3.f}, {1, 3}))}});
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(r.outputs[0].data<float>()[i], std::exp(i + 1.0) / sum, 1e-7);
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 15);  // 5 per element
}

TEST(Softmax, IsStableForLargeInputs) {
  auto r = run_single_op({"Softmax", {}, {in(Tensor::from_float({1000.f, 1001.f, -1000.f}, {3}))}});
  const float* y = r.outputs[0].data<float>();
  EXPECT_NEAR(y[0], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_NEAR(y[1], std::exp(1.0) / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_EQ(y[2], 0.f);
}

// Sum of y over the index set { base + i * stride : i < count }.
double strided_sum(const Tensor& y, int64_t base, int64_t count, int64_t stride) {
  double s = 0;
  for (int64_t i = 0; i < count; ++i) s += y.data<float>()[base + i * stride];
  return s;
}

TEST(Softmax, Opset11CoercesTo2DAtAxis) {
  // X [2, 3, 4], axis 1, opset 11: each of the 2 rows of 12 values sums to 1.
  auto r = run_single_op({"Softmax", {{"axis", attr_int(1)}}, {in(random_tensor({2, 3, 4}))}, 1, 11});
  EXPECT_NEAR(strided_sum(r.outputs[0], 0, 12, 1), 1.0, 1e-6);
  EXPECT_NEAR(strided_sum(r.outputs[0], 12, 12, 1), 1.0, 1e-6);
  EXPECT_GT(std::fabs(strided_sum(r.outputs[0], 0, 3, 4) - 1.0), 0.05);  // not normalized along dim 1 alone
}

TEST(Softmax, Opset13NormalizesAlongOneAxis) {
  // Same input, axis 1, opset 13: for every (n, k) the 3 values along dim 1 (stride 4) sum to 1.
  auto r = run_single_op({"Softmax", {{"axis", attr_int(1)}}, {in(random_tensor({2, 3, 4}))}, 1, 13});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t k = 0; k < 4; ++k) EXPECT_NEAR(strided_sum(r.outputs[0], n * 12 + k, 3, 4), 1.0, 1e-6);
}

TEST(Softmax, DefaultAxisDependsOnOpset) {
  const Tensor x = random_tensor({2, 3, 4}, 5);
  // Opset 11: default axis 1 -> rows of 12.
  auto r11 = run_single_op({"Softmax", {}, {in(x)}, 1, 11});
  EXPECT_NEAR(strided_sum(r11.outputs[0], 0, 12, 1), 1.0, 1e-6);
  // Opset 13: default axis -1 -> rows of 4.
  auto r13 = run_single_op({"Softmax", {}, {in(x)}, 1, 13});
  for (int64_t row = 0; row < 6; ++row) EXPECT_NEAR(strided_sum(r13.outputs[0], row * 4, 4, 1), 1.0, 1e-6);
  // Opset 1 behaves as 11 (negative axes too).
  auto r1 = run_single_op({"Softmax", {{"axis", attr_int(-2)}}, {in(x)}, 1, 1});
  EXPECT_LT(rel_l2(r1.outputs[0], r11.outputs[0]), 1e-7);
}

TEST(Softmax, LastAxisIsTheSameInBothForms) {
  const Tensor x = random_tensor({2, 3, 4}, 6);
  auto r11 = run_single_op({"Softmax", {{"axis", attr_int(2)}}, {in(x)}, 1, 11});
  auto r13 = run_single_op({"Softmax", {{"axis", attr_int(-1)}}, {in(x)}, 1, 13});
  EXPECT_LT(rel_l2(r11.outputs[0], r13.outputs[0]), 1e-7);
}

TEST(Softmax, RejectsAxisOutOfRange) {
  expect_model_error({"Softmax", {{"axis", attr_int(3)}}, {in(random_tensor({2, 3, 4}))}},
                     {"axis 3 is out of range", "[2, 3, 4]", "expected -3 <= axis < 3"});
  expect_model_error({"Softmax", {{"axis", attr_int(-4)}}, {in(random_tensor({2, 3, 4}))}, 1, 11},
                     {"axis -4 is out of range"});
}

TEST(LogSoftmax, MatchesLogOfSoftmax) {
  const Tensor x = random_tensor({3, 5}, 8, -5.f, 5.f);
  for (int64_t opset : {11, 13}) {
    auto s = run_single_op({"Softmax", {{"axis", attr_int(0)}}, {in(x)}, 1, opset});
    auto l = run_single_op({"LogSoftmax", {{"axis", attr_int(0)}}, {in(x)}, 1, opset});
    for (int64_t i = 0; i < x.numel(); ++i)
      EXPECT_NEAR(l.outputs[0].data<float>()[i], std::log(s.outputs[0].data<float>()[i]), 1e-5) << "opset " << opset;
  }
}

TEST(LogSoftmax, HandComputedAndStable) {
  auto r = run_single_op({"LogSoftmax", {}, {in(Tensor::from_float({1000.f, 1000.f}, {1, 2}))}});
  EXPECT_NEAR(r.outputs[0].data<float>()[0], -std::log(2.0), 1e-6);
  EXPECT_NEAR(r.outputs[0].data<float>()[1], -std::log(2.0), 1e-6);
}

TEST(LogSoftmax, CostCountsOneLogPerRow) {
  // [2, 3, 4] along axis 1 (opset 13): 24 elements, 8 rows of 3 -> 5 * 24 + 8.
  auto r = run_single_op({"LogSoftmax", {{"axis", attr_int(1)}}, {in(random_tensor({2, 3, 4}))}});
  EXPECT_EQ(r.cost.flops, 128);
  // Opset 11, axis 1: 2 rows of 12 -> 5 * 24 + 2.
  r = run_single_op({"LogSoftmax", {{"axis", attr_int(1)}}, {in(random_tensor({2, 3, 4}))}, 1, 11});
  EXPECT_EQ(r.cost.flops, 122);
}

TEST(LogSoftmax, RejectsIntegerInput) {
  expect_model_error({"LogSoftmax", {}, {in(Tensor::from_int64({1, 2}, {2}))}}, {"float"});
}

// The [outer, length, inner] view the layer resolves once and every device reads (layers/softmax.h), in both
// opset forms.
SoftmaxParams parsed_softmax(const char* op, const Shape& shape, int64_t axis, int64_t opset) {
  Graph g;
  const auto feeds = build_single_op_graph({op, {{"axis", attr_int(axis)}}, {in(random_tensor(shape))}, 1, opset}, g);
  Plan plan(g, bind_tensors(g, feeds));
  const SoftmaxParams* p = plan.view(0).parsed<SoftmaxParams>();
  EXPECT_NE(p, nullptr);
  return p ? *p : SoftmaxParams{};
}

TEST(Softmax, ParsedViewForBothOpsetForms) {
  SoftmaxParams s = parsed_softmax("Softmax", {2, 3, 4, 5}, 1, 13);
  EXPECT_FALSE(s.log);
  EXPECT_EQ(s.outer, 2);
  EXPECT_EQ(s.length, 3);
  EXPECT_EQ(s.inner, 20);
  s = parsed_softmax("Softmax", {2, 3, 4, 5}, 1, 11);  // opset < 13: the trailing dims flattened
  EXPECT_EQ(s.outer, 2);
  EXPECT_EQ(s.length, 60);
  EXPECT_EQ(s.inner, 1);
  s = parsed_softmax("LogSoftmax", {2, 3, 4, 5}, -1, 13);
  EXPECT_TRUE(s.log);
  EXPECT_EQ(s.outer, 24);
  EXPECT_EQ(s.length, 5);
  EXPECT_EQ(s.inner, 1);
}

}  // namespace
}  // namespace dnncost::testing
