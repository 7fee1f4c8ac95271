// Unit tests of the pooling ops (MaxPool, AveragePool, MaxUnpool, GlobalAveragePool, GlobalMaxPool): output
// shapes from the window attributes, values against hand computations and a naive 2-D formula, the Indices
// output, cost, and errors for bad attributes and inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

std::vector<float> values(const Tensor& t) {
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

std::vector<int64_t> int_values(const Tensor& t) {
  const int64_t* p = t.data<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

Tensor arange(const Shape& s, float start = 0.f) {
  Tensor t(DType::kFloat32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = start + static_cast<float>(i);
  return t;
}

// Naive 2-D pooling written straight from the ONNX definition: output (oh, ow) looks at input rows
// oh * s0 - pb0 + kh * d0 and columns ow * s1 - pb1 + kw * d1, skipping those outside the input. The average
// divides by the taps inside the input, or (include_pad) inside the input and its explicit pads.
Tensor naive_pool2d(const Tensor& x, const Shape& out_hw, const Shape& k, const Shape& s, const Shape& d,
                    const Shape& pads, bool max, bool include_pad) {
  const int64_t n_planes = x.shape()[0] * x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  Tensor y(DType::kFloat32, {x.shape()[0], x.shape()[1], out_hw[0], out_hw[1]});
  for (int64_t p = 0; p < n_planes; ++p) {
    for (int64_t oh = 0; oh < out_hw[0]; ++oh) {
      for (int64_t ow = 0; ow < out_hw[1]; ++ow) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t inside = 0, inside_padded = 0;
        for (int64_t kh = 0; kh < k[0]; ++kh) {
          for (int64_t kw = 0; kw < k[1]; ++kw) {
            const int64_t ih = oh * s[0] - pads[0] + kh * d[0], iw = ow * s[1] - pads[1] + kw * d[1];
            if (ih < h + pads[2] && iw < w + pads[3]) ++inside_padded;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            const double v = x.data<float>()[(p * h + ih) * w + iw];
            best = std::max(best, v);
            sum += v;
            ++inside;
          }
        }
        y.data<float>()[(p * out_hw[0] + oh) * out_hw[1] + ow] =
            static_cast<float>(max ? best : sum / static_cast<double>(include_pad ? inside_padded : inside));
      }
    }
  }
  return y;
}

// ---- MaxPool ---------------------------------------------------------------------------------------------

TEST(Pool, MaxPool2dMatchesNaiveFormulaWithPadsStridesDilations) {
  const Tensor x = random_tensor({2, 3, 7, 6}, 11);
  // rows: 7 + 1 + 1 = 9 padded, extent 3, stride 2 -> 4; columns: 6 + 0 + 1 = 7 padded, extent (2-1)*2+1 = 3,
  // stride 1 -> 5.
  SingleOp op{"MaxPool",
              {{"kernel_shape", attr_ints({3, 2})},
               {"strides", attr_ints({2, 1})},
               {"dilations", attr_ints({1, 2})},
               {"pads", attr_ints({1, 0, 1, 1})}},
              {in(x)}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 4, 5}));
  const Tensor want = naive_pool2d(x, {4, 5}, {3, 2}, {2, 1}, {1, 2}, {1, 0, 1, 1}, true, false);
  EXPECT_EQ(values(r.outputs[0]), values(want));
}

TEST(Pool, MaxPoolCostIsKernelMinusOneComparisonsPerOutput) {
  SingleOp op{"MaxPool",
              {{"kernel_shape", attr_ints({3, 2})}, {"strides", attr_ints({2, 1})}},
              {in(random_tensor({2, 3, 7, 6}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 3, 5}));
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 2 * 3 * 3 * 5 * (3 * 2 - 1));
  EXPECT_EQ(r.cost.params, 0);
  EXPECT_EQ(r.cost.bytes_read, 2 * 3 * 7 * 6 * 4);
}

TEST(Pool, MaxPoolCeilModeAddsAPartialWindow) {
  // 4x4, kernel 3, stride 2: floor gives 1, ceil gives 2 (the second window starts at 2, inside the input).
  SingleOp op{"MaxPool",
              {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})}, {"ceil_mode", attr_int(1)}},
              {in(arange({1, 1, 4, 4}, 1.f))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{11, 12, 15, 16}));
  op.attrs.erase("ceil_mode");
  EXPECT_EQ(run_single_op(op).outputs[0].shape(), (Shape{1, 1, 1, 1}));
}

TEST(Pool, MaxPoolCeilModeDropsAWindowStartingInTheEndPadding) {
  // 5 + 1 + 1 = 7 padded, kernel 2, stride 2: ceil((7 - 2) / 2) + 1 = 4 windows, but the 4th would start at
  // 3 * 2 - 1 = 5, past the input: 3 outputs, like floor mode. Windows: [-1, 0], [1, 2], [3, 4].
  SingleOp op{"MaxPool",
              {{"kernel_shape", attr_ints({2})},
               {"strides", attr_ints({2})},
               {"pads", attr_ints({1, 1})},
               {"ceil_mode", attr_int(1)}},
              {in(Tensor::from_float({5, 1, 2, 9, 3}, {1, 1, 5}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 3}));
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{5, 2, 9}));
  // Without pads the 3rd window [4, 5] starts inside the input and keeps only x[4].
  op.attrs.erase("pads");
  r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 3}));
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{5, 9, 3}));
}

TEST(Pool, MaxPoolAutoPadSameAndValid) {
  const Tensor x = Tensor::from_float({1, 3, 2, 4}, {1, 1, 4});
  SingleOp op{"MaxPool", {{"kernel_shape", attr_ints({2})}, {"auto_pad", attr_string("SAME_UPPER")}}, {in(x)}};
  EXPECT_EQ(values(run_single_op(op).outputs[0]), (std::vector<float>{3, 3, 4, 4}));  // pad at the end
  op.attrs["auto_pad"] = attr_string("SAME_LOWER");
  EXPECT_EQ(values(run_single_op(op).outputs[0]), (std::vector<float>{1, 3, 3, 4}));  // pad at the begin
  op.attrs["auto_pad"] = attr_string("VALID");
  EXPECT_EQ(values(run_single_op(op).outputs[0]), (std::vector<float>{3, 3, 4}));
  // SAME with stride 2: ceil(5 / 2) = 3 outputs, total pad (3 - 1) * 2 + 3 - 5 = 2 -> 1 and 1.
  SingleOp strided{
      "MaxPool",
      {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})}, {"auto_pad", attr_string("SAME_UPPER")}},
      {in(arange({1, 1, 5, 5}, 1.f))}};
  EXPECT_EQ(values(run_single_op(strided).outputs[0]), (std::vector<float>{7, 9, 10, 17, 19, 20, 22, 24, 25}));
}

TEST(Pool, MaxPoolIndicesRowAndColumnMajor) {
  // Two 3x3 channels holding 0..17: every 2x2 window's maximum is its bottom-right element.
  SingleOp op{"MaxPool", {{"kernel_shape", attr_ints({2, 2})}}, {in(arange({1, 2, 3, 3}))}, 2};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[1].dtype(), DType::kInt64);
  ASSERT_EQ(r.outputs[1].shape(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{4, 5, 7, 8, 13, 14, 16, 17}));
  // Flat positions in X, channel offset included.
  EXPECT_EQ(int_values(r.outputs[1]), (std::vector<int64_t>{4, 5, 7, 8, 13, 14, 16, 17}));
  // storage_order = 1: spatial position h + w * H; (1,1) -> 4, (1,2) -> 7, (2,1) -> 5, (2,2) -> 8.
  op.attrs["storage_order"] = attr_int(1);
  r = run_single_op(op);
  EXPECT_EQ(int_values(r.outputs[1]), (std::vector<int64_t>{4, 7, 5, 8, 13, 16, 14, 17}));
}

TEST(Pool, MaxPoolIndicesIgnorePadding) {
  // Padded windows report positions in the unpadded input.
  SingleOp op{"MaxPool",
              {{"kernel_shape", attr_ints({3})}, {"pads", attr_ints({1, 1})}},
              {in(Tensor::from_float({2, 7, 1, 4, 3, 0, -1, 8}, {2, 1, 4}))},
              2};
  auto r = run_single_op(op);
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{7, 7, 7, 4, 3, 3, 8, 8}));
  EXPECT_EQ(int_values(r.outputs[1]), (std::vector<int64_t>{1, 1, 1, 3, 4, 4, 7, 7}));
}

TEST(Pool, MaxPoolTiesReportTheFirstTapAndNanPropagates) {
  SingleOp op{"MaxPool", {{"kernel_shape", attr_ints({2})}}, {in(Tensor::from_float({3, 3, 1, 5, 5}, {1, 1, 5}))}, 2};
  auto r = run_single_op(op);
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{3, 3, 5, 5}));
  EXPECT_EQ(int_values(r.outputs[1]), (std::vector<int64_t>{0, 1, 3, 3}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  op.inputs = {in(Tensor::from_float({1, nan, 2, 0, 4}, {1, 1, 5}))};
  op.attrs["kernel_shape"] = attr_ints({3});
  r = run_single_op(op);
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[0]));
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[1]));
  EXPECT_EQ(r.outputs[0].data<float>()[2], 4.f);
  EXPECT_EQ(int_values(r.outputs[1]), (std::vector<int64_t>{1, 1, 4}));
}

TEST(Pool, MaxPool3dAnd1d) {
  // 3-D: one 2x2x2 window over 0..7 plus a padded second window along the last axis.
  SingleOp op3{"MaxPool",
               {{"kernel_shape", attr_ints({2, 2, 2})},
                {"strides", attr_ints({1, 1, 2})},
                {"pads", attr_ints({0, 0, 0, 0, 0, 1})}},
               {in(arange({1, 1, 2, 2, 3}))},
               2};
  auto r = run_single_op(op3);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 1, 1, 2}));
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{10, 11}));
  EXPECT_EQ(int_values(r.outputs[1]), (std::vector<int64_t>{10, 11}));
  EXPECT_EQ(r.cost.flops, 2 * 7);
  SingleOp op1{"MaxPool",
               {{"kernel_shape", attr_ints({3})}, {"strides", attr_ints({3})}},
               {in(Tensor::from_float({1, -2, 0, 4, 4, -1, 9}, {1, 1, 7}))}};
  EXPECT_EQ(values(run_single_op(op1).outputs[0]), (std::vector<float>{1, 4}));
}

TEST(Pool, MaxPoolUint8AndOldOpsetHasOneOutput) {
  Tensor x(DType::kUint8, {1, 1, 2, 3});
  const uint8_t v[] = {1, 250, 3, 4, 5, 6};
  std::copy(v, v + 6, x.data<uint8_t>());
  SingleOp op{"MaxPool", {{"kernel_shape", attr_ints({2, 2})}}, {in(x)}};
  auto r = run_single_op(op);  // integer input: folded at plan time
  ASSERT_EQ(r.outputs[0].dtype(), DType::kUint8);
  EXPECT_EQ(r.outputs[0].data<uint8_t>()[0], 250);
  EXPECT_EQ(r.outputs[0].data<uint8_t>()[1], 250);

  SingleOp old{"MaxPool", {{"kernel_shape", attr_ints({2})}}, {in(arange({1, 1, 3}))}, 2, 7};
  expect_model_error(old, {"Indices output exists from opset 8", "opset 7"});
  old.outputs = 1;
  EXPECT_EQ(values(run_single_op(old).outputs[0]), (std::vector<float>{1, 2}));
}

// ---- AveragePool -----------------------------------------------------------------------------------------

TEST(Pool, AveragePoolCountIncludePad) {
  // Windows [-1, 1], [0, 2], [1, 3], [2, 4] over 1 2 3 4 with one pad on each side.
  SingleOp op{"AveragePool",
              {{"kernel_shape", attr_ints({3})}, {"pads", attr_ints({1, 1})}},
              {in(Tensor::from_float({1, 2, 3, 4}, {1, 1, 4}))}};
  auto r = run_single_op(op);
  const std::vector<float> exclude = values(r.outputs[0]);
  EXPECT_FLOAT_EQ(exclude[0], 1.5f);
  EXPECT_FLOAT_EQ(exclude[1], 2.f);
  EXPECT_FLOAT_EQ(exclude[2], 3.f);
  EXPECT_FLOAT_EQ(exclude[3], 3.5f);
  op.attrs["count_include_pad"] = attr_int(1);
  const std::vector<float> include = values(run_single_op(op).outputs[0]);
  EXPECT_FLOAT_EQ(include[0], 1.f);
  EXPECT_FLOAT_EQ(include[1], 2.f);
  EXPECT_FLOAT_EQ(include[2], 3.f);
  EXPECT_FLOAT_EQ(include[3], 7.f / 3.f);
}

TEST(Pool, AveragePoolCeilOverhangIsNotCountedAsPadding) {
  // 5 inputs, kernel 2, stride 2, ceil: the last window [4, 5] has one tap in the input and none in the pads,
  // so it averages x[4] alone with or without count_include_pad.
  SingleOp op{"AveragePool",
              {{"kernel_shape", attr_ints({2})},
               {"strides", attr_ints({2})},
               {"ceil_mode", attr_int(1)},
               {"count_include_pad", attr_int(1)}},
              {in(Tensor::from_float({1, 2, 3, 4, 6}, {1, 1, 5}))}};
  auto r = run_single_op(op);
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{1.5f, 3.5f, 6.f}));
}

TEST(Pool, AveragePool2dMatchesNaiveFormulaAndCost) {
  const Tensor x = random_tensor({2, 2, 6, 7}, 5);
  for (int include_pad = 0; include_pad <= 1; ++include_pad) {
    // rows: 6 + 2 + 1 = 9 padded, kernel 3, stride 2 -> 4 ((9 - 3) / 2 is exact: ceil adds nothing); columns:
    // 7 + 1 + 0 = 8 padded, kernel 3, stride 2 -> floor 3, ceil 4 (the 4th window starts at 6 < 7 + 1; its
    // last tap is past the input and its pads, so count_include_pad divides it by 2).
    SingleOp op{"AveragePool",
                {{"kernel_shape", attr_ints({3, 3})},
                 {"strides", attr_ints({2, 2})},
                 {"pads", attr_ints({2, 1, 1, 0})},
                 {"ceil_mode", attr_int(1)},
                 {"count_include_pad", attr_int(include_pad)}},
                {in(x)}};
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2, 4, 4}));
    const Tensor want = naive_pool2d(x, {4, 4}, {3, 3}, {2, 2}, {1, 1}, {2, 1, 1, 0}, false, include_pad == 1);
    EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6) << "count_include_pad " << include_pad;
    EXPECT_EQ(r.cost.macs, 0);
    EXPECT_EQ(r.cost.flops, 2 * 2 * 4 * 4 * 9);  // 8 adds and 1 divide per output
  }
}

TEST(Pool, AveragePoolDilationsFromOpset19MatchNaiveFormula) {
  const Tensor x = random_tensor({1, 3, 9, 10}, 8);
  for (int include_pad = 0; include_pad <= 1; ++include_pad) {
    // rows: 9 + 1 + 2 = 12 padded, extent (3 - 1) * 2 + 1 = 5, stride 2 -> 4; columns: 10 + 0 + 1 = 11 padded,
    // extent (2 - 1) * 3 + 1 = 4, stride 1 -> 8.
    SingleOp op{"AveragePool",
                {{"kernel_shape", attr_ints({3, 2})},
                 {"strides", attr_ints({2, 1})},
                 {"dilations", attr_ints({2, 3})},
                 {"pads", attr_ints({1, 0, 2, 1})},
                 {"count_include_pad", attr_int(include_pad)}},
                {in(x)}};
    op.opset = 19;
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 3, 4, 8}));
    const Tensor want = naive_pool2d(x, {4, 8}, {3, 2}, {2, 1}, {2, 3}, {1, 0, 2, 1}, false, include_pad == 1);
    EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6) << "count_include_pad " << include_pad;
    EXPECT_EQ(r.cost.flops, 3 * 4 * 8 * 6);  // 5 adds and 1 divide per output: the taps, not the span
  }
  // Hand-checked 1-D case: taps x[o], x[o + 2] of 1 2 3 4 5 -> (1 + 3) / 2, (2 + 4) / 2, (3 + 5) / 2.
  SingleOp op{"AveragePool",
              {{"kernel_shape", attr_ints({2})}, {"dilations", attr_ints({2})}},
              {in(Tensor::from_float({1, 2, 3, 4, 5}, {1, 1, 5}))}};
  op.opset = 21;
  EXPECT_EQ(values(run_single_op(op).outputs[0]), (std::vector<float>{2, 3, 4}));
}

// ---- Global pools ----------------------------------------------------------------------------------------

TEST(Pool, GlobalPoolsValuesShapesAndCost) {
  const Tensor x = random_tensor({2, 3, 2, 3, 4}, 3);
  auto avg = run_single_op({"GlobalAveragePool", {}, {in(x)}});
  auto max = run_single_op({"GlobalMaxPool", {}, {in(x)}});
  ASSERT_EQ(avg.outputs[0].shape(), (Shape{2, 3, 1, 1, 1}));
  ASSERT_EQ(max.outputs[0].shape(), (Shape{2, 3, 1, 1, 1}));
  for (int64_t p = 0; p < 6; ++p) {
    double sum = 0;
    float best = -1e30f;
    for (int64_t i = 0; i < 24; ++i) {
      sum += x.data<float>()[p * 24 + i];
      best = std::max(best, x.data<float>()[p * 24 + i]);
    }
    EXPECT_NEAR(avg.outputs[0].data<float>()[p], sum / 24, 1e-6);
    EXPECT_EQ(max.outputs[0].data<float>()[p], best);
  }
  EXPECT_EQ(avg.cost.flops, 6 * (23 + 1));
  EXPECT_EQ(max.cost.flops, 6 * 23);
  EXPECT_EQ(avg.cost.macs + max.cost.macs, 0);
  auto one_d = run_single_op({"GlobalMaxPool", {}, {in(Tensor::from_float({3, -1, 7}, {1, 1, 3}))}});
  EXPECT_EQ(one_d.outputs[0].shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(one_d.outputs[0].data<float>()[0], 7.f);
}

TEST(Pool, GlobalPoolsRejectRankTwo) {
  expect_model_error({"GlobalAveragePool", {}, {in(random_tensor({2, 3}))}}, {"rank >= 3", "[2, 3]"});
  expect_model_error({"GlobalMaxPool", {}, {in(random_tensor({4}))}}, {"rank >= 3"});
}

// ---- MaxUnpool -------------------------------------------------------------------------------------------

TEST(Pool, MaxUnpoolInvertsMaxPoolIndices) {
  // MaxPool 2x2 stride 2 of a 1x2x4x4 input, then MaxUnpool with its indices: maxima back in place, zeros elsewhere.
  const Tensor x = random_tensor({1, 2, 4, 4}, 7);
  auto pooled =
      run_single_op({"MaxPool", {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}}, {in(x)}, 2});
  SingleOp unpool{"MaxUnpool",
                  {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}},
                  {in(pooled.outputs[0]), weight(pooled.outputs[1])}};
  auto r = run_single_op(unpool);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 2, 4, 4}));
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.params, 0);
  int nonzero = 0;
  for (int64_t i = 0; i < 32; ++i) {
    const float y = r.outputs[0].data<float>()[i];
    if (y != 0.f) {
      ++nonzero;
      EXPECT_EQ(y, x.data<float>()[i]);
    }
  }
  EXPECT_EQ(nonzero, 8);
}

TEST(Pool, MaxUnpoolWithOutputShapeScattersFlatIndices) {
  // Flat indices land at the same flat position of the larger output (as onnxruntime and PyTorch do).
  SingleOp op{
      "MaxUnpool",
      {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}},
      {in(Tensor::from_float({5, 6, 7, 8}, {1, 1, 2, 2})), weight(Tensor::from_int64({5, 7, 13, 15}, {1, 1, 2, 2})),
       weight(Tensor::from_int64({1, 1, 5, 5}, {4}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 5, 5}));
  std::vector<float> want(25, 0.f);
  want[5] = 5;
  want[7] = 6;
  want[13] = 7;
  want[15] = 8;
  EXPECT_EQ(values(r.outputs[0]), want);
  // Inferred shape with pads: (2 - 1) * 2 + 2 - 1 - 0 = 3 per axis.
  op.inputs.pop_back();
  op.attrs["pads"] = attr_ints({1, 1, 0, 0});
  op.inputs[1] = weight(Tensor::from_int64({0, 2, 6, 8}, {1, 1, 2, 2}));
  r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(values(r.outputs[0]), (std::vector<float>{5, 0, 6, 0, 0, 0, 7, 0, 8}));
}

TEST(Pool, MaxUnpoolRejectsBadIndicesAndShapes) {
  const Tensor x = Tensor::from_float({5, 6, 7, 8}, {1, 1, 2, 2});
  SingleOp op{"MaxUnpool",
              {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}},
              {in(x), weight(Tensor::from_int64({5, 7, 13, 16}, {1, 1, 2, 2}))}};
  expect_model_error(op, {"I[3] is 16", "0 to 15"});
  op.inputs[1] = weight(Tensor::from_int64({5, 7, 13}, {1, 1, 3}));
  expect_model_error(op, {"input I has shape [1, 1, 3]", "expected the shape of X [1, 1, 2, 2]"});
  op.inputs[1] = weight(Tensor::from_int64({5, 7, 13, 15}, {1, 1, 2, 2}));
  op.inputs.push_back(weight(Tensor::from_int64({1, 2, 4, 4}, {4})));
  expect_model_error(op, {"output_shape [1, 2, 4, 4] must keep N and C"});
  op.inputs[2] = weight(Tensor::from_int64({1, 1, 4}, {3}));
  expect_model_error(op, {"'output_shape' must be a 1-D tensor of 4 values"});
  op.inputs.pop_back();
  op.opset = 8;
  expect_model_error(op, {"MaxUnpool exists from opset 9 on; this model uses opset 8"});
}

// ---- bad attributes --------------------------------------------------------------------------------------

TEST(Pool, RejectsBadWindowAttributesNamingNodeAndExpectation) {
  const Tensor x = random_tensor({1, 2, 5, 5});
  for (const char* op_type : {"MaxPool", "AveragePool"}) {
    SingleOp op{op_type, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({1, 0})}}, {in(x)}};
    expect_model_error(op, {"strides[1] is 0, expected 1 to"});
    op.attrs = {{"kernel_shape", attr_ints({2, 2, 2})}};
    expect_model_error(op, {"kernel_shape has 3 values, expected 2 for a 4-D input"});
    op.attrs = {{"kernel_shape", attr_ints({2, 2})}, {"pads", attr_ints({0, -1, 0, 0})}};
    expect_model_error(op, {"pads[1] is -1, expected 0 to"});
    op.attrs = {{"kernel_shape", attr_ints({2, 2})}, {"pads", attr_ints({0, 0})}};
    expect_model_error(op, {"pads has 2 values, expected 4 (begin and end of each spatial axis) for a 4-D input"});
    op.attrs = {{"kernel_shape", attr_ints({7, 2})}, {"pads", attr_ints({1, 0, 0, 0})}};
    expect_model_error(op, {"kernel extent 7 along spatial axis 0 is larger than the padded input (5 + 1 + 0 = 6)"});
    op.attrs = {};
    expect_model_error(op, {"missing required attribute 'kernel_shape'"});
    op.attrs = {{"kernel_shape", attr_ints({2, 2})}, {"auto_pad", attr_string("SAME")}};
    expect_model_error(op, {"auto_pad is 'SAME', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID"});
    op.attrs = {
        {"kernel_shape", attr_ints({2, 2})}, {"auto_pad", attr_string("VALID")}, {"pads", attr_ints({1, 1, 1, 1})}};
    expect_model_error(op, {"pads cannot be used together with auto_pad=VALID"});
    op.attrs = {{"kernel_shape", attr_ints({2, 2})}, {"ceil_mode", attr_int(1)}};
    op.opset = 9;
    expect_model_error(op, {"attribute 'ceil_mode' exists from opset 10 on; this model uses opset 9"});
    op.opset = 17;
    op.attrs = {{"kernel_shape", attr_ints({2, 2})}, {"pads", attr_ints({2, 0, 2, 0})}};
    expect_model_error(op, {"the window of output 0 along spatial axis 0 covers only padding",
                            "expected every window to overlap the input"});
    expect_model_error({op_type, {{"kernel_shape", attr_ints({2})}}, {in(random_tensor({2, 5}))}},
                       {"input X must have rank >= 3", "[2, 5]"});
  }
  expect_model_error({"AveragePool",
                      {{"kernel_shape", attr_ints({2})}, {"dilations", attr_ints({2})}},
                      {in(random_tensor({1, 1, 5}))}},
                     {"attribute 'dilations' exists from opset 19 on"});
  expect_model_error({"MaxPool", {{"kernel_shape", attr_ints({2})}}, {in(Tensor::from_int64({1, 2, 3}, {1, 1, 3}))}},
                     {"input X must be float (float32), int8 or uint8, got int64"});
  expect_model_error(
      {"MaxPool", {{"kernel_shape", attr_ints({2})}, {"storage_order", attr_int(2)}}, {in(random_tensor({1, 1, 5}))}},
      {"storage_order is 2, expected 0 (row major) or 1 (column major)"});
}

}  // namespace
}  // namespace dnncost::testing
