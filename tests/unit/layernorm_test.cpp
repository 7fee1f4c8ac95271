// Unit tests of LayerNormalization (opset 17): hand-computed values for several axes, the optional outputs Mean and
// InvStdDev, the default epsilon, the cost and params, and bad-input errors (axis, Scale/B shapes, stash_type).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// X [2, 2] rows {0, 4} (mean 2, variance 4) and {1, 3} (mean 2, variance 1): both normalize to {-1, 1}.
SingleOp two_rows(bool bias, int outputs = 1) {
  SingleOp op{"LayerNormalization",
              {{"epsilon", attr_float(0.f)}},
              {in(Tensor::from_float({0.f, 4.f, 1.f, 3.f}, {2, 2})), weight(Tensor::from_float({2.f, 3.f}, {2}))},
              outputs};
  if (bias) op.inputs.push_back(weight(Tensor::from_float({0.5f, -1.f}, {2})));
  return op;
}

TEST(LayerNormalization, LastAxisHandComputedValues) {
  auto r = run_single_op(two_rows(true));
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  const float* y = r.outputs[0].data<float>();
  // (x - mean) / std * scale + B = {-1 * 2 + 0.5, 1 * 3 - 1} on both rows.
  for (int row = 0; row < 2; ++row) {
    EXPECT_FLOAT_EQ(y[2 * row], -1.5f);
    EXPECT_FLOAT_EQ(y[2 * row + 1], 2.f);
  }
}

TEST(LayerNormalization, MeanAndInvStdDevOutputs) {
  auto r = run_single_op(two_rows(false, 3));
  ASSERT_EQ(r.outputs.size(), 3u);
  EXPECT_EQ(r.outputs[1].shape(), (Shape{2, 1}));
  EXPECT_EQ(r.outputs[2].shape(), (Shape{2, 1}));
  EXPECT_FLOAT_EQ(r.outputs[1].data<float>()[0], 2.f);
  EXPECT_FLOAT_EQ(r.outputs[1].data<float>()[1], 2.f);
  EXPECT_FLOAT_EQ(r.outputs[2].data<float>()[0], 0.5f);  // 1 / sqrt(4)
  EXPECT_FLOAT_EQ(r.outputs[2].data<float>()[1], 1.f);
  const float* y = r.outputs[0].data<float>();
  EXPECT_FLOAT_EQ(y[0], -2.f);  // no B
  EXPECT_FLOAT_EQ(y[1], 3.f);
}

TEST(LayerNormalization, AxisZeroNormalizesEverything) {
  // X [1, 2, 2] = {1, 1, 3, 3}: mean 2, variance 1 over all four values, for axis 0 and for axis 1 (leading dim 1).
  for (int64_t axis : {0, 1, -2}) {
    SingleOp op{"LayerNormalization",
                {{"epsilon", attr_float(0.f)}, {"axis", attr_int(axis)}},
                {in(Tensor::from_float({1.f, 1.f, 3.f, 3.f}, {1, 2, 2})),
                 weight(Tensor::from_float({1.f, 2.f, 3.f, 4.f}, {2, 2}))},
                3};
    auto r = run_single_op(op);
    const float* y = r.outputs[0].data<float>();
    EXPECT_FLOAT_EQ(y[0], -1.f) << axis;
    EXPECT_FLOAT_EQ(y[1], -2.f) << axis;
    EXPECT_FLOAT_EQ(y[2], 3.f) << axis;
    EXPECT_FLOAT_EQ(y[3], 4.f) << axis;
    EXPECT_EQ(r.outputs[1].shape(), (Shape{1, 1, 1})) << axis;
    EXPECT_FLOAT_EQ(r.outputs[1].data<float>()[0], 2.f);
  }
}

TEST(LayerNormalization, StatisticsShapeKeepsTheLeadingDims) {
  SingleOp op{"LayerNormalization",
              {{"axis", attr_int(1)}},
              {in(random_tensor({3, 2, 4})), weight(random_tensor({2, 4}, 2))},
              3};
  auto r = run_single_op(op);
  EXPECT_EQ(r.outputs[1].shape(), (Shape{3, 1, 1}));
  EXPECT_EQ(r.outputs[2].shape(), (Shape{3, 1, 1}));
}

TEST(LayerNormalization, DefaultEpsilonIs1em5) {
  SingleOp op{"LayerNormalization",
              {},
              {in(Tensor::from_float({0.f, 2.f}, {1, 2})), weight(Tensor::from_float({1.f, 1.f}, {2}))}};
  EXPECT_NEAR(run_single_op(op).outputs[0].data<float>()[1], 1.f / std::sqrt(1.f + 1e-5f), 1e-7);
}

TEST(LayerNormalization, CostAndParams) {
  // n = 4 elements in R = 2 rows: 6n + 4R, + n for B, + R for InvStdDev; Scale and B are params.
  auto with_bias = run_single_op(two_rows(true));
  EXPECT_EQ(with_bias.cost.macs, 0);
  EXPECT_EQ(with_bias.cost.flops, 7 * 4 + 4 * 2);
  EXPECT_EQ(with_bias.cost.params, 4);
  auto no_bias = run_single_op(two_rows(false));
  EXPECT_EQ(no_bias.cost.flops, 6 * 4 + 4 * 2);
  EXPECT_EQ(no_bias.cost.params, 2);
  EXPECT_EQ(run_single_op(two_rows(false, 2)).cost.flops, 6 * 4 + 4 * 2);  // Mean costs nothing more
  EXPECT_EQ(run_single_op(two_rows(false, 3)).cost.flops, 6 * 4 + 5 * 2);  // InvStdDev: 1 / std per row
}

TEST(LayerNormalization, ScaleWithLeadingOnesIsAccepted) {
  SingleOp op = two_rows(true);
  op.inputs[1] = weight(Tensor::from_float({2.f, 3.f}, {1, 2}));
  EXPECT_FLOAT_EQ(run_single_op(op).outputs[0].data<float>()[1], 2.f);
}

TEST(LayerNormalization, RejectsBadAxis) {
  SingleOp op = two_rows(true);
  op.attrs["axis"] = attr_int(2);
  expect_model_error(op, {"axis 2 is out of range", "[2, 2]", "-2 <= axis < 2"});
  op.attrs["axis"] = attr_int(-3);
  expect_model_error(op, {"axis -3 is out of range"});
}

TEST(LayerNormalization, RejectsScaleAndBiasOfTheWrongShape) {
  SingleOp op = two_rows(true);
  op.inputs[1] = weight(Tensor::from_float({1.f, 2.f, 3.f}, {3}));
  expect_model_error(op, {"'Scale' has shape [3], expected [2]", "axis -1"});
  SingleOp b = two_rows(true);
  b.inputs[2] = weight(Tensor::from_float({1.f, 2.f, 3.f, 4.f}, {2, 2}));
  expect_model_error(b, {"'B' has shape [2, 2], expected [2]"});
  SingleOp axis0 = two_rows(false);
  axis0.attrs["axis"] = attr_int(0);  // normalizes [2, 2]: a Scale of 2 values does not fit
  expect_model_error(axis0, {"'Scale' has shape [2], expected [2, 2]"});
}

TEST(LayerNormalization, RejectsOtherStashTypesAndIntegerInput) {
  SingleOp op = two_rows(true);
  op.attrs["stash_type"] = attr_int(11);
  expect_model_error(op, {"stash_type 11 is not supported"});
  SingleOp ints{
      "LayerNormalization", {}, {in(Tensor::from_int64({1, 2}, {1, 2})), weight(Tensor::from_float({1.f, 1.f}, {2}))}};
  expect_model_error(ints, {"float"});
  SingleOp one{"LayerNormalization", {}, {in(Tensor::from_float({1.f, 2.f}, {1, 2}))}};
  expect_model_error(one, {"expected 2 to 3 input(s), got 1"});
}

}  // namespace
}  // namespace dnncost::testing
