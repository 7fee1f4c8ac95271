// Unit tests of LRN: the asymmetric channel window of even sizes, values against a naive formula, attribute
// defaults, cost, and errors for a missing or non-positive size.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// y[n, c, s] = x / (bias + alpha / size * sum of x^2 over channels c - floor((size-1)/2) .. c + ceil((size-1)/2))^beta
Tensor naive_lrn(const Tensor& x, int64_t size, double alpha, double beta, double bias) {
  const int64_t n_batch = x.shape()[0], channels = x.shape()[1], spatial = x.numel() / (n_batch * channels);
  Tensor y(DType::kFloat32, x.shape());
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t s = 0; s < spatial; ++s) {
        double square_sum = 0;
        for (int64_t c2 = c - (size - 1) / 2; c2 <= c + size / 2; ++c2) {
          if (c2 < 0 || c2 >= channels) continue;
          const double v = x.data<float>()[(n * channels + c2) * spatial + s];
          square_sum += v * v;
        }
        const int64_t i = (n * channels + c) * spatial + s;
        y.data<float>()[i] = static_cast<float>(x.data<float>()[i] /
                                                std::pow(bias + alpha / static_cast<double>(size) * square_sum, beta));
      }
    }
  }
  return y;
}

TEST(Lrn, EvenSizeWindowReachesOneChannelMoreAfter) {
  // size 2: channel c sums c and c + 1. alpha / size = 1, beta = 1, bias = 1: y = x / (1 + square_sum).
  SingleOp op{"LRN",
              {{"size", attr_int(2)}, {"alpha", attr_float(2.f)}, {"beta", attr_float(1.f)}},
              {in(Tensor::from_float({1, 2, 3, 4}, {1, 4, 1, 1}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 4, 1, 1}));
  const float* y = r.outputs[0].data<float>();
  EXPECT_FLOAT_EQ(y[0], 1.f / (1 + 1 + 4));
  EXPECT_FLOAT_EQ(y[1], 2.f / (1 + 4 + 9));
  EXPECT_FLOAT_EQ(y[2], 3.f / (1 + 9 + 16));
  EXPECT_FLOAT_EQ(y[3], 4.f / (1 + 16));
}

TEST(Lrn, MatchesNaiveFormulaWithDefaultsAndGivenAttributes) {
  const Tensor x = random_tensor({2, 7, 3, 5}, 9, -3.f, 3.f);
  auto defaults = run_single_op({"LRN", {{"size", attr_int(5)}}, {in(x)}});
  EXPECT_LT(rel_l2(defaults.outputs[0], naive_lrn(x, 5, 1e-4, 0.75, 1.0)), 1e-6);
  for (int64_t size : {1, 3, 4, 9}) {
    auto r = run_single_op(
        {"LRN",
         {{"size", attr_int(size)}, {"alpha", attr_float(0.5f)}, {"beta", attr_float(0.6f)}, {"bias", attr_float(2.f)}},
         {in(x)}});
    EXPECT_LT(rel_l2(r.outputs[0], naive_lrn(x, size, 0.5, 0.6, 2.0)), 1e-6) << "size " << size;
  }
}

TEST(Lrn, CostIsTwoSizePlusThreePerElement) {
  auto r = run_single_op({"LRN", {{"size", attr_int(5)}}, {in(random_tensor({2, 3, 4, 5}))}});
  // 5 multiplies + 4 adds for the square sum, then multiply, add, pow, divide.
  EXPECT_EQ(r.cost.flops, 2 * 3 * 4 * 5 * (5 + 4 + 4));
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.params, 0);
}

TEST(Lrn, RejectsMissingOrNonPositiveSizeAndLowRank) {
  const Tensor x = random_tensor({1, 3, 2, 2});
  expect_model_error({"LRN", {}, {in(x)}}, {"missing required attribute 'size'"});
  expect_model_error({"LRN", {{"size", attr_int(0)}}, {in(x)}}, {"size is 0, expected a channel count >= 1"});
  expect_model_error({"LRN", {{"size", attr_int(-3)}}, {in(x)}}, {"size is -3, expected a channel count >= 1"});
  expect_model_error({"LRN", {{"size", attr_int(3)}}, {in(random_tensor({4, 3}))}},
                     {"input X must have rank >= 3", "[4, 3]"});
  expect_model_error({"LRN", {{"size", attr_int(3)}}, {in(Tensor::from_int64({1, 2, 3}, {1, 3, 1}))}},
                     {"input X must be float (float32), got int64"});
}

}  // namespace
}  // namespace dnncost::testing
