// Unit tests of Gemm and MatMul: hand-computed values, transposes, broadcasting of Gemm's C and of MatMul's batch
// dims, 1-D MatMul operands, cost (AlexNet fc6), params accounting and bad-input errors.
#include <gtest/gtest.h>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

void expect_values(const Tensor& got, const std::vector<float>& want) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(got.data<float>()[i], want[i]) << "at " << i;
}

// Element (r, c) of a row-major 2-D tensor, optionally transposed.
float at(const Tensor& t, int64_t r, int64_t c, bool transposed) {
  const int64_t cols = t.shape()[1];
  return transposed ? t.data<float>()[c * cols + r] : t.data<float>()[r * cols + c];
}

// Naive Gemm in double: alpha * A' B' + beta * C, with C given by a (row, col) -> value function.
template <typename CValue>
Tensor naive_gemm(const Tensor& a, const Tensor& b, bool ta, bool tb, float alpha, float beta, CValue c_value) {
  const int64_t m = ta ? a.shape()[1] : a.shape()[0], k = ta ? a.shape()[0] : a.shape()[1];
  const int64_t n = tb ? b.shape()[0] : b.shape()[1];
  Tensor y(DType::kFloat32, {m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += static_cast<double>(at(a, i, p, ta)) * at(b, p, j, tb);
      y.data<float>()[i * n + j] = static_cast<float>(alpha * s + beta * c_value(i, j));
    }
  return y;
}

TEST(Gemm, HandComputedWithVectorBias) {
  // [[1, 2, 3], [4, 5, 6]] x [[1, 0], [0, 1], [1, 1]] = [[4, 5], [10, 11]]; + [10, 20].
  SingleOp op{"Gemm",
              {},
              {in(Tensor::from_float({1, 2, 3, 4, 5, 6}, {2, 3})),
               weight(Tensor::from_float({1, 0, 0, 1, 1, 1}, {3, 2})), weight(Tensor::from_float({10, 20}, {2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  expect_values(r.outputs[0], {14, 25, 20, 31});
  EXPECT_EQ(r.cost.macs, 12);
  EXPECT_EQ(r.cost.flops, 2 * 12 + 4);  // + one add of C per output
  EXPECT_EQ(r.cost.params, 6 + 2);      // B and C
}

TEST(Gemm, AllTransposeCombinationsMatchNaive) {
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      const int64_t m = 3, n = 4, k = 13;  // K = 13 exercises the 8-lane dot product and its tail
      const Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, 1);
      const Tensor b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, 2);
      const Tensor c = random_tensor({m, 1}, 3);  // broadcast along N
      SingleOp op{
          "Gemm",
          {{"transA", attr_int(ta)}, {"transB", attr_int(tb)}, {"alpha", attr_float(0.5f)}, {"beta", attr_float(2.f)}},
          {in(a), in(b), in(c)}};
      auto r = run_single_op(op);
      const Tensor want = naive_gemm(a, b, ta, tb, 0.5f, 2.f, [&](int64_t i, int64_t) { return c.data<float>()[i]; });
      ASSERT_EQ(r.outputs[0].shape(), (Shape{m, n}));
      EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6) << "transA=" << ta << " transB=" << tb;
      EXPECT_EQ(r.cost.flops, 2 * m * n * k + 3 * m * n);  // alpha != 1, C, beta != 1
    }
  }
}

TEST(Gemm, BroadcastsEveryFormOfC) {
  const Tensor a = random_tensor({2, 3}, 4), b = random_tensor({3, 4}, 5);
  const std::vector<Shape> shapes = {{}, {1}, {4}, {1, 4}, {2, 1}, {1, 1}, {2, 4}};
  for (const Shape& cs : shapes) {
    const Tensor c = random_tensor(cs, 6);
    SingleOp op{"Gemm", {}, {in(a), in(b), in(c)}};
    auto r = run_single_op(op);
    const int64_t rows = cs.size() == 2 ? cs[0] : 1, cols = cs.empty() ? 1 : cs.back();
    const Tensor want = naive_gemm(a, b, false, false, 1.f, 1.f, [&](int64_t i, int64_t j) {
      return c.data<float>()[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
    });
    EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6) << "C " << shape_str(cs);
  }
}

TEST(Gemm, CostRules) {
  const Tensor a = random_tensor({2, 4}), b = random_tensor({4, 3}), c = random_tensor({3});
  // No C, alpha 1: 2MNK.
  EXPECT_EQ(run_single_op({"Gemm", {}, {in(a), weight(b)}}).cost.flops, 48);
  // alpha != 1 adds MN.
  EXPECT_EQ(run_single_op({"Gemm", {{"alpha", attr_float(2.f)}}, {in(a), weight(b)}}).cost.flops, 54);
  // C adds MN; beta != 1 another MN (also for beta = 0).
  EXPECT_EQ(run_single_op({"Gemm", {}, {in(a), weight(b), weight(c)}}).cost.flops, 54);
  EXPECT_EQ(run_single_op({"Gemm", {{"beta", attr_float(0.f)}}, {in(a), weight(b), weight(c)}}).cost.flops, 60);
  // beta alone without C costs nothing.
  EXPECT_EQ(run_single_op({"Gemm", {{"beta", attr_float(3.f)}}, {in(a), weight(b)}}).cost.flops, 48);
}

TEST(Gemm, AlexNetFc6Cost) {
  // fc6: [1, 9216] x [4096, 9216]^T + [4096] (PyTorch Linear export: transB=1).
  SingleOp op{"Gemm",
              {{"transB", attr_int(1)}},
              {in(random_tensor({1, 9216})), weight(Tensor(DType::kFloat32, {4096, 9216})),
               weight(Tensor(DType::kFloat32, {4096}))}};
  auto r = run_single_op(op);
  EXPECT_EQ(r.cost.macs, 37748736);
  EXPECT_EQ(r.cost.flops, 2 * 37748736 + 4096);
  EXPECT_EQ(r.cost.params, 37748736 + 4096);
  EXPECT_EQ(r.outputs[0].shape(), (Shape{1, 4096}));
}

TEST(Gemm, CIsOptionalFromOpset11AndRequiredBefore) {
  const Tensor a = random_tensor({2, 3}), b = random_tensor({3, 2});
  SingleOp op{"Gemm", {}, {in(a), in(b)}, 1, 11};
  EXPECT_NO_THROW(run_single_op(op));
  op.opset = 9;
  expect_model_error(op, {"input C is required before opset 11", "opset 9"});
}

TEST(Gemm, LegacyBroadcastAttribute) {
  const Tensor a = random_tensor({2, 3}), b = random_tensor({3, 4}), c = random_tensor({4}, 7);
  SingleOp op{"Gemm", {{"broadcast", attr_int(1)}}, {in(a), in(b), in(c)}, 1, 6};
  auto r = run_single_op(op);
  const Tensor want = naive_gemm(a, b, false, false, 1.f, 1.f, [&](int64_t, int64_t j) { return c.data<float>()[j]; });
  EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6);
  op.attrs.erase("broadcast");  // default 0: C must be [M, N]
  expect_model_error(op, {"input C has shape [4]", "expected [2, 4]", "broadcast=0"});
}

TEST(Gemm, RejectsInnerDimensionMismatch) {
  SingleOp op{"Gemm", {{"transB", attr_int(1)}}, {in(random_tensor({2, 3})), in(random_tensor({3, 4}))}};
  expect_model_error(op, {"inner dimensions disagree", "K = 3", "K = 4", "expected equal K"});
}

TEST(Gemm, RejectsNonBroadcastableC) {
  SingleOp op{"Gemm", {}, {in(random_tensor({2, 3})), in(random_tensor({3, 4})), in(random_tensor({3, 4}))}};
  expect_model_error(op, {"input C has shape [3, 4]", "does not broadcast to [M, N] = [2, 4]"});
}

TEST(Gemm, RejectsRank3Input) {
  SingleOp op{"Gemm", {}, {in(random_tensor({1, 2, 3})), in(random_tensor({3, 4}))}};
  expect_model_error(op, {"input A must have rank 2"});
}

TEST(MatMul, HandComputed2D) {
  SingleOp op{
      "MatMul", {}, {in(Tensor::from_float({1, 2, 3, 4}, {2, 2})), in(Tensor::from_float({5, 6, 7, 8}, {2, 2}))}};
  auto r = run_single_op(op);
  expect_values(r.outputs[0], {19, 22, 43, 50});
  EXPECT_EQ(r.cost.macs, 8);
  EXPECT_EQ(r.cost.flops, 16);
}

TEST(MatMul, OneDimensionalOperands) {
  const Tensor v = Tensor::from_float({1, 2}, {2});
  const Tensor m = Tensor::from_float({1, 2, 3, 4, 5, 6}, {2, 3});
  // [2] x [2, 3] -> [3]: the prepended 1 is removed.
  auto r = run_single_op({"MatMul", {}, {in(v), in(m)}});
  EXPECT_EQ(r.outputs[0].shape(), (Shape{3}));
  expect_values(r.outputs[0], {9, 12, 15});
  EXPECT_EQ(r.cost.macs, 6);
  // [3, 2] x [2] -> [3]: the appended 1 is removed.
  r = run_single_op({"MatMul", {}, {in(Tensor::from_float({1, 2, 3, 4, 5, 6}, {3, 2})), in(v)}});
  EXPECT_EQ(r.outputs[0].shape(), (Shape{3}));
  expect_values(r.outputs[0], {5, 11, 17});
  // [2] x [2] -> scalar.
  r = run_single_op({"MatMul", {}, {in(v), in(Tensor::from_float({3, 4}, {2}))}});
  EXPECT_EQ(r.outputs[0].shape(), (Shape{}));
  expect_values(r.outputs[0], {11});
  EXPECT_EQ(r.cost.macs, 2);
  // [2, 3, 2] x [2] -> [2, 3]: a 1-D B against batched A.
  r = run_single_op({"MatMul", {}, {in(random_tensor({2, 3, 2})), in(v)}});
  EXPECT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(r.cost.macs, 12);
}

TEST(MatMul, BroadcastsBatchDims) {
  // A [2, 1, 2, 3] x B [3, 3, 4] -> [2, 3, 2, 4]; batch dims broadcast to [2, 3].
  const Tensor a = random_tensor({2, 1, 2, 3}, 11), b = random_tensor({3, 3, 4}, 12);
  auto r = run_single_op({"MatMul", {}, {in(a), in(b)}});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 2, 4}));
  Tensor want(DType::kFloat32, {2, 3, 2, 4});
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t q = 0; q < 3; ++q)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 4; ++j) {
          double s = 0;
          for (int64_t k = 0; k < 3; ++k)
            s += a.data<float>()[(p * 2 + i) * 3 + k] * b.data<float>()[(q * 3 + k) * 4 + j];
          want.data<float>()[((p * 3 + q) * 2 + i) * 4 + j] = static_cast<float>(s);
        }
  EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6);
  EXPECT_EQ(r.cost.macs, 6 * 2 * 4 * 3);
  EXPECT_EQ(r.cost.flops, 2 * 6 * 2 * 4 * 3);
}

TEST(MatMul, InitializerOperandIsAParam) {
  auto r = run_single_op({"MatMul", {}, {in(random_tensor({4, 6})), weight(random_tensor({6, 5}))}});
  EXPECT_EQ(r.cost.params, 30);
  r = run_single_op({"MatMul", {}, {weight(random_tensor({4, 6})), in(random_tensor({6, 5}))}});
  EXPECT_EQ(r.cost.params, 24);
}

TEST(MatMul, RejectsInnerDimensionMismatch) {
  expect_model_error({"MatMul", {}, {in(random_tensor({2, 3})), in(random_tensor({4, 5}))}},
                     {"inner dimensions disagree", "K = 3", "K = 4", "expected equal K"});
}

TEST(MatMul, RejectsNonBroadcastableBatchDims) {
  expect_model_error({"MatMul", {}, {in(random_tensor({2, 2, 3})), in(random_tensor({3, 3, 4}))}},
                     {"batch dimensions", "do not broadcast", "2 vs 3"});
}

TEST(MatMul, RejectsScalarOperand) {
  expect_model_error({"MatMul", {}, {in(random_tensor({})), in(random_tensor({3}))}}, {"rank >= 1"});
}

}  // namespace
}  // namespace dnncost::testing
