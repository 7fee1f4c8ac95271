// Unit tests of the element-wise activations: values, shape, cost.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

TEST(Activation, ReluValuesAndCost) {
  SingleOp op{"Relu", {}, {in(Tensor::from_float({-1.f, 0.f, 2.5f, -0.f}, {2, 2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  const float* y = r.outputs[0].data<float>();
  EXPECT_EQ(y[0], 0.f);
  EXPECT_EQ(y[2], 2.5f);
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 4);
  EXPECT_EQ(r.cost.bytes_read, 16);
  EXPECT_EQ(r.cost.bytes_written, 16);
  EXPECT_EQ(r.cost.params, 0);
}

TEST(Activation, LeakyReluUsesAlpha) {
  SingleOp op{"LeakyRelu", {{"alpha", attr_float(0.5f)}}, {in(Tensor::from_float({-2.f, 3.f}, {2}))}};
  auto r = run_single_op(op);
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[0], -1.f);
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[1], 3.f);
}

TEST(Activation, SigmoidIsStableForLargeInputs) {
  SingleOp op{"Sigmoid", {}, {in(Tensor::from_float({-100.f, 0.f, 100.f}, {3}))}};
  auto r = run_single_op(op);
  EXPECT_NEAR(r.outputs[0].data<float>()[0], 0.f, 1e-30);
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[1], 0.5f);
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[2], 1.f);
}

TEST(Activation, RejectsIntegerInputNamingTheNode) {
  SingleOp op{"Relu", {}, {in(Tensor::from_int64({1, 2}, {2}))}};
  // Integer graph inputs are plan-time values, so the layer still checks the type before folding.
  expect_model_error(op, {"float"});
}

}  // namespace
}  // namespace dnncost::testing
