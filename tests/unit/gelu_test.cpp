// Unit tests of Erf and Gelu (both approximations): values against erf/GELU computed by hand (Python's math module,
// in double), cost per element, and bad attributes.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

TEST(Erf, ValuesAndCost) {
  SingleOp op{"Erf", {}, {in(Tensor::from_float({0.f, 0.5f, -2.f, 10.f}, {2, 2}))}, 1, 13};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  const float* y = r.outputs[0].data<float>();
  EXPECT_EQ(y[0], 0.f);
  EXPECT_NEAR(y[1], 0.5204998778130465, 1e-7);
  EXPECT_NEAR(y[2], -0.9953222650189527, 1e-7);
  EXPECT_FLOAT_EQ(y[3], 1.f);
  EXPECT_EQ(r.cost.flops, 4);  // 1 per element
  EXPECT_EQ(r.cost.params, 0);
}

TEST(Gelu, ErfFormValuesAndCost) {
  SingleOp op{"Gelu", {}, {in(Tensor::from_float({1.f, -1.f, 3.f, 0.f}, {4}))}, 1, 20};
  auto r = run_single_op(op);
  const float* y = r.outputs[0].data<float>();
  EXPECT_NEAR(y[0], 0.8413447460685429, 1e-6);
  EXPECT_NEAR(y[1], -0.15865525393145707, 1e-6);
  EXPECT_NEAR(y[2], 2.99595030590511, 1e-6);
  EXPECT_EQ(y[3], 0.f);
  EXPECT_EQ(r.cost.flops, 4 * 5);  // x / sqrt(2), erf, + 1, * x, * 0.5
  op.attrs["approximate"] = attr_string("none");
  EXPECT_NEAR(run_single_op(op).outputs[0].data<float>()[0], 0.8413447460685429, 1e-6);
}

TEST(Gelu, TanhFormValuesAndCost) {
  SingleOp op{"Gelu", {{"approximate", attr_string("tanh")}}, {in(Tensor::from_float({1.f, -1.f, 3.f}, {3}))}, 1, 20};
  auto r = run_single_op(op);
  const float* y = r.outputs[0].data<float>();
  EXPECT_NEAR(y[0], 0.8411919906082768, 1e-6);
  EXPECT_NEAR(y[1], -0.15880800939172324, 1e-6);
  EXPECT_NEAR(y[2], 2.996362607918227, 1e-6);
  EXPECT_EQ(r.cost.flops, 3 * 8);                     // x^3, * 0.044715, + x, * sqrt(2 / pi), tanh, + 1, * x, * 0.5
  op.attrs["dnncost.cube_multiplies"] = attr_int(1);  // fused from x * x * x: one multiply more
  EXPECT_EQ(run_single_op(op).cost.flops, 3 * 9);
}

TEST(Gelu, RejectsUnknownApproximationAndStrayCubeAttribute) {
  SingleOp op{"Gelu", {{"approximate", attr_string("fast")}}, {in(Tensor::from_float({1.f}, {1}))}, 1, 20};
  expect_model_error(op, {"approximate must be \"none\" or \"tanh\", got \"fast\""});
  SingleOp cube{"Gelu", {{"dnncost.cube_multiplies", attr_int(1)}}, {in(Tensor::from_float({1.f}, {1}))}, 1, 20};
  expect_model_error(cube, {"dnncost.cube_multiplies must be 0, or 1 with approximate \"tanh\""});
  SingleOp ints{"Erf", {}, {in(Tensor::from_int64({1, 2}, {2}))}, 1, 13};
  expect_model_error(ints, {"float"});
}

}  // namespace
}  // namespace dnncost::testing
