// Unit tests of BatchNormalization (every opset form, inference and training mode) and InstanceNormalization:
// hand-computed values, cost, params/state accounting and bad-input errors.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

Tensor vec(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_float(v, {n});
}

// X [1, 2, 1, 2]; channel 0: a = 1/sqrt(4) = 0.5, b = 0 - 1*0.5; channel 1: a = 2/sqrt(1) = 2, b = 1 - 3*2.
SingleOp bn_hand_example(int64_t opset) {
  SingleOp op{"BatchNormalization",
              {{"epsilon", attr_float(0.f)}},
              {in(Tensor::from_float({1.f, 2.f, 3.f, 4.f}, {1, 2, 1, 2})), weight(vec({1.f, 2.f})),
               weight(vec({0.f, 1.f})), weight(vec({1.f, 3.f})), weight(vec({4.f, 1.f}))}};
  op.opset = opset;
  return op;
}

void expect_bn_hand_values(const SingleOpResult& r) {
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 2, 1, 2}));
  const float* y = r.outputs[0].data<float>();
  EXPECT_FLOAT_EQ(y[0], 0.f);
  EXPECT_FLOAT_EQ(y[1], 0.5f);
  EXPECT_FLOAT_EQ(y[2], 1.f);
  EXPECT_FLOAT_EQ(y[3], 3.f);
}

TEST(BatchNormalization, HandComputedValues) { expect_bn_hand_values(run_single_op(bn_hand_example(15))); }

TEST(BatchNormalization, DefaultEpsilonIs1em5) {
  SingleOp op{"BatchNormalization",
              {},
              {in(Tensor::from_float({2.f}, {1, 1})), weight(vec({1.f})), weight(vec({0.f})), weight(vec({0.f})),
               weight(vec({0.f}))}};
  EXPECT_NEAR(run_single_op(op).outputs[0].data<float>()[0], 2.f / std::sqrt(1e-5f), 1e-2);
}

TEST(BatchNormalization, OldOpsetFormsGiveTheSameResult) {
  // Opset 1-5: is_test, spatial, consumed_inputs; opset 6: is_test, spatial; opset 7-8: spatial.
  SingleOp op1 = bn_hand_example(1);
  op1.attrs["is_test"] = attr_int(1);
  op1.attrs["spatial"] = attr_int(1);
  op1.attrs["consumed_inputs"] = attr_ints({0, 0, 0, 1, 1});
  expect_bn_hand_values(run_single_op(op1));
  SingleOp op6 = bn_hand_example(6);
  op6.attrs["is_test"] = attr_int(0);  // ignored: inference form, as every runtime does with only Y requested
  expect_bn_hand_values(run_single_op(op6));
  SingleOp op7 = bn_hand_example(7);
  op7.attrs["spatial"] = attr_int(1);
  expect_bn_hand_values(run_single_op(op7));
  expect_bn_hand_values(run_single_op(bn_hand_example(9)));
  expect_bn_hand_values(run_single_op(bn_hand_example(14)));
}

TEST(BatchNormalization, SpatialZeroUsesOneStatisticPerActivation) {
  // Opset 7, spatial=0: X [2, 1, 2], parameters [1, 2] (C x D1), one (a, b) per activation.
  SingleOp op{"BatchNormalization",
              {{"epsilon", attr_float(0.f)}, {"spatial", attr_int(0)}},
              {in(Tensor::from_float({1.f, 2.f, 3.f, 4.f}, {2, 1, 2})), weight(Tensor::from_float({1.f, 2.f}, {1, 2})),
               weight(Tensor::from_float({0.f, 10.f}, {1, 2})), weight(Tensor::from_float({1.f, 0.f}, {1, 2})),
               weight(Tensor::from_float({1.f, 4.f}, {1, 2}))},
              1,
              7};
  auto r = run_single_op(op);
  const float* y = r.outputs[0].data<float>();
  // position 0: a = 1, b = -1; position 1: a = 2/2 = 1, b = 10.
  EXPECT_FLOAT_EQ(y[0], 0.f);
  EXPECT_FLOAT_EQ(y[1], 12.f);
  EXPECT_FLOAT_EQ(y[2], 2.f);
  EXPECT_FLOAT_EQ(y[3], 14.f);
  EXPECT_EQ(r.cost.flops, 2 * 4 + 5 * 2);  // 2 per element + 5 per (a, b) pair (2 pairs)
  EXPECT_EQ(r.cost.params, 4);
}

TEST(BatchNormalization, SpatialAttributeIsIgnoredFromOpset9) {
  SingleOp op = bn_hand_example(9);
  op.attrs["spatial"] = attr_int(0);
  expect_bn_hand_values(run_single_op(op));
}

TEST(BatchNormalization, CostParamsAndState) {
  // X [2, 3, 4, 5]: 120 elements, C = 3. FLOPs = 2 * 120 + 5 * 3 (add, sqrt, divide, multiply, subtract).
  SingleOp op{"BatchNormalization",
              {},
              {in(random_tensor({2, 3, 4, 5})), weight(random_tensor({3}, 2)), weight(random_tensor({3}, 3)),
               weight(random_tensor({3}, 4)), weight(random_tensor({3}, 5, 0.5f, 1.f))}};
  auto r = run_single_op(op);
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 255);
  EXPECT_EQ(r.cost.params, 6);         // scale and B; mean and var are state
  EXPECT_EQ(r.cost.weight_bytes, 48);  // all four, 3 floats each
}

TEST(BatchNormalization, MatchesNaiveFormulaOnRank3) {
  const Tensor x = random_tensor({2, 4, 3}, 7), s = random_tensor({4}, 8), b = random_tensor({4}, 9),
               m = random_tensor({4}, 10), v = random_tensor({4}, 11, 0.1f, 2.f);
  SingleOp op{
      "BatchNormalization", {{"epsilon", attr_float(1e-3f)}}, {in(x), weight(s), weight(b), weight(m), weight(v)}};
  auto r = run_single_op(op);
  Tensor want(DType::kFloat32, {2, 4, 3});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 4; ++c)
      for (int64_t i = 0; i < 3; ++i) {
        const int64_t k = (n * 4 + c) * 3 + i;
        want.data<float>()[k] =
            s.data<float>()[c] * (x.data<float>()[k] - m.data<float>()[c]) / std::sqrt(v.data<float>()[c] + 1e-3f) +
            b.data<float>()[c];
      }
  EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6);
}

TEST(BatchNormalization, TrainingModeUsesBatchStatistics) {
  // One channel, values {1, 1, 3, 3}: batch mean 2, batch variance 1; epsilon 0 -> y = x - 2.
  // running_mean = 0.9 * 0 + 0.1 * 2 = 0.2; running_var = 0.9 * 2 + 0.1 * 1 = 1.9.
  SingleOp op{"BatchNormalization",
              {{"epsilon", attr_float(0.f)}, {"training_mode", attr_int(1)}},
              {in(Tensor::from_float({1.f, 1.f, 3.f, 3.f}, {2, 1, 2})), weight(vec({1.f})), weight(vec({0.f})),
               weight(vec({0.f})), weight(vec({2.f}))},
              3,
              15};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs.size(), 3u);
  const float* y = r.outputs[0].data<float>();
  EXPECT_FLOAT_EQ(y[0], -1.f);
  EXPECT_FLOAT_EQ(y[3], 1.f);
  EXPECT_EQ(r.outputs[1].shape(), (Shape{1}));
  EXPECT_FLOAT_EQ(r.outputs[1].data<float>()[0], 0.2f);
  EXPECT_FLOAT_EQ(r.outputs[2].data<float>()[0], 1.9f);
  // 2n + 5C (normalize) + n + C (mean) + 3n + C (variance) + 3C per running output; n = 4, C = 1.
  EXPECT_EQ(r.cost.flops, 8 + 5 + 4 + 1 + 12 + 1 + 6);
}

TEST(BatchNormalization, RejectsTrainingOutputsInOldOpsets) {
  SingleOp op = bn_hand_example(9);
  op.outputs = 3;
  expect_model_error(op, {"output 1", "training-mode output", "inference form"});
}

TEST(BatchNormalization, RejectsRunningOutputsWithoutTrainingMode) {
  SingleOp op = bn_hand_example(15);
  op.outputs = 2;
  expect_model_error(op, {"output 1", "training_mode=1"});
}

TEST(BatchNormalization, RejectsWrongParameterLength) {
  SingleOp op = bn_hand_example(15);
  op.inputs[1] = weight(vec({1.f, 2.f, 3.f}));
  expect_model_error(op, {"'scale'", "[3]", "expected [2]", "one value per channel"});
}

TEST(BatchNormalization, RejectsRank1Input) {
  SingleOp op = bn_hand_example(15);
  op.inputs[0] = in(vec({1.f, 2.f}));
  expect_model_error(op, {"rank >= 2", "[2]"});
}

TEST(BatchNormalization, RejectsMissingInput) {
  SingleOp op = bn_hand_example(15);
  op.inputs.pop_back();
  expect_model_error(op, {"expected 5 input(s), got 4"});
}

// First (n, c) plane {1, 2, 3, 4}: mean 2.5, variance 1.25; scale 2, B 1.
TEST(InstanceNormalization, HandComputedValues) {
  SingleOp op{"InstanceNormalization",
              {{"epsilon", attr_float(0.f)}},
              {in(Tensor::from_float({1.f, 2.f, 3.f, 4.f, 0.f, 0.f, 2.f, 2.f}, {1, 2, 2, 2})), weight(vec({2.f, 1.f})),
               weight(vec({1.f, -1.f}))},
              1,
              6};
  auto r = run_single_op(op);
  const float* y = r.outputs[0].data<float>();
  const float inv_std = 1.f / std::sqrt(1.25f);
  EXPECT_FLOAT_EQ(y[0], 2.f * -1.5f * inv_std + 1.f);
  EXPECT_FLOAT_EQ(y[3], 2.f * 1.5f * inv_std + 1.f);
  EXPECT_FLOAT_EQ(y[4], -2.f);  // second plane {0, 0, 2, 2}: mean 1, variance 1, scale 1, B -1
  EXPECT_FLOAT_EQ(y[7], 0.f);
}

TEST(InstanceNormalization, MatchesNaiveFormula) {
  const Tensor x = random_tensor({2, 3, 5}, 21), s = random_tensor({3}, 22), b = random_tensor({3}, 23);
  SingleOp op{"InstanceNormalization", {}, {in(x), weight(s), weight(b)}};
  auto r = run_single_op(op);
  Tensor want(DType::kFloat32, {2, 3, 5});
  for (int64_t p = 0; p < 6; ++p) {
    const float* xp = x.data<float>() + p * 5;
    double mean = 0, var = 0;
    for (int i = 0; i < 5; ++i) mean += xp[i] / 5.0;
    for (int i = 0; i < 5; ++i) var += (xp[i] - mean) * (xp[i] - mean) / 5.0;
    for (int i = 0; i < 5; ++i)
      want.data<float>()[p * 5 + i] =
          static_cast<float>(s.data<float>()[p % 3] * (xp[i] - mean) / std::sqrt(var + 1e-5) + b.data<float>()[p % 3]);
  }
  EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6);
}

TEST(InstanceNormalization, CostAndParams) {
  // X [2, 3, 4, 5]: 120 elements, N*C = 6 planes. FLOPs = 6 * 120 + 7 * 6.
  SingleOp op{"InstanceNormalization",
              {},
              {in(random_tensor({2, 3, 4, 5})), weight(random_tensor({3}, 2)), weight(random_tensor({3}, 3))}};
  auto r = run_single_op(op);
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 762);
  EXPECT_EQ(r.cost.params, 6);
}

TEST(InstanceNormalization, RejectsWrongParameterLength) {
  SingleOp op{"InstanceNormalization",
              {},
              {in(random_tensor({1, 3, 4})), weight(random_tensor({2}, 2)), weight(random_tensor({3}, 3))}};
  expect_model_error(op, {"'scale'", "[2]", "expected [3]"});
}

TEST(InstanceNormalization, RejectsRank2Input) {
  SingleOp op{"InstanceNormalization",
              {},
              {in(random_tensor({1, 3})), weight(random_tensor({3}, 2)), weight(random_tensor({3}, 3))}};
  expect_model_error(op, {"rank >= 3", "[1, 3]"});
}

}  // namespace
}  // namespace dnncost::testing
