// Unit tests of Conv and ConvTranspose: hand-computed values, comparison with a naive direct formula written
// here (independent of the layer's tap plan), shapes, auto_pad, output_padding/output_shape, exact cost and
// bad-input errors.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// Geometry of one test case; pads holds begin values for every axis, then end values.
struct Geometry {
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads;
};

// Failure messages show every parameter of a case.
std::ostream& operator<<(std::ostream& os, const Geometry& g) {
  return os << "group " << g.group << ", strides " << ::testing::PrintToString(g.strides) << ", dilations "
            << ::testing::PrintToString(g.dilations) << ", pads " << ::testing::PrintToString(g.pads);
}

std::vector<int64_t> spatial_of(const Shape& s) { return std::vector<int64_t>(s.begin() + 2, s.end()); }

// Multi-index of a flat row-major index.
std::vector<int64_t> unflatten(int64_t flat, const std::vector<int64_t>& dims) {
  std::vector<int64_t> idx(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
  return idx;
}

// Flat index of a multi-index, or -1 when any coordinate is outside dims.
int64_t flatten_or_outside(const std::vector<int64_t>& idx, const std::vector<int64_t>& dims) {
  int64_t flat = 0;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (idx[d] < 0 || idx[d] >= dims[d]) return -1;
    flat = flat * dims[d] + idx[d];
  }
  return flat;
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// Conv by the definition at one output element (flat index into y_shape): sum over its group's channels and
// every kernel tap.
float naive_conv_at(const Tensor& x, const Tensor& w, const Tensor* b, const Geometry& g, const Shape& y_shape,
                    int64_t flat) {
  const auto in_sp = spatial_of(x.shape()), out_sp = spatial_of(y_shape), k_sp = spatial_of(w.shape());
  const size_t rank = in_sp.size();
  const int64_t c_in = x.shape()[1], c_out = y_shape[1], cg = c_in / g.group, mg = c_out / g.group;
  const int64_t n = flat / (c_out * product(out_sp)), m = flat / product(out_sp) % c_out;
  const auto o = unflatten(flat % product(out_sp), out_sp);
  double acc = b ? b->data<float>()[m] : 0.0;
  for (int64_t c = 0; c < cg; ++c) {
    const int64_t ci = (m / mg) * cg + c;
    for (int64_t kf = 0; kf < product(k_sp); ++kf) {
      const auto k = unflatten(kf, k_sp);
      std::vector<int64_t> i(rank);
      for (size_t d = 0; d < rank; ++d) i[d] = o[d] * g.strides[d] + k[d] * g.dilations[d] - g.pads[d];
      const int64_t xi = flatten_or_outside(i, in_sp);
      if (xi < 0) continue;
      acc += double(x.data<float>()[(n * c_in + ci) * product(in_sp) + xi]) *
             w.data<float>()[(m * cg + c) * product(k_sp) + kf];
    }
  }
  return static_cast<float>(acc);
}

Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, const Geometry& g, const Shape& y_shape) {
  Tensor y(DType::kFloat32, y_shape);
  for (int64_t flat = 0; flat < y.numel(); ++flat) y.data<float>()[flat] = naive_conv_at(x, w, b, g, y_shape, flat);
  return y;
}

// ConvTranspose by the definition: every input element scatters through every tap to its group's outputs.
Tensor naive_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b, const Geometry& g,
                            const Shape& y_shape) {
  Tensor y(DType::kFloat32, y_shape);
  const auto in_sp = spatial_of(x.shape()), out_sp = spatial_of(y_shape), k_sp = spatial_of(w.shape());
  const size_t rank = in_sp.size();
  const int64_t c_in = x.shape()[1], c_out = y_shape[1], cg = c_in / g.group, mg = c_out / g.group;
  std::vector<double> acc(static_cast<size_t>(y.numel()), 0.0);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    const int64_t n = flat / (c_in * product(in_sp)), c = flat / product(in_sp) % c_in;
    const auto i = unflatten(flat % product(in_sp), in_sp);
    for (int64_t m = 0; m < mg; ++m) {
      const int64_t mo = (c / cg) * mg + m;
      for (int64_t kf = 0; kf < product(k_sp); ++kf) {
        const auto k = unflatten(kf, k_sp);
        std::vector<int64_t> o(rank);
        for (size_t d = 0; d < rank; ++d) o[d] = i[d] * g.strides[d] + k[d] * g.dilations[d] - g.pads[d];
        const int64_t yi = flatten_or_outside(o, out_sp);
        if (yi < 0) continue;
        acc[(n * c_out + mo) * product(out_sp) + yi] +=
            double(x.data<float>()[flat]) * w.data<float>()[(c * mg + m) * product(k_sp) + kf];
      }
    }
  }
  for (int64_t j = 0; j < y.numel(); ++j) {
    const int64_t m = j / product(out_sp) % c_out;
    y.data<float>()[j] = static_cast<float>(acc[j] + (b ? b->data<float>()[m] : 0.0));
  }
  return y;
}

std::map<std::string, Attribute> geometry_attrs(const Geometry& g) {
  return {{"group", attr_int(g.group)},
          {"strides", attr_ints(g.strides)},
          {"dilations", attr_ints(g.dilations)},
          {"pads", attr_ints(g.pads)}};
}

// ---------------------------------------------------------------------------------------------------------
// Conv

TEST(Conv, HandComputed2x2KernelWithBias) {
  // X = 1..9 as 3x3, W = [[1, 2], [3, 4]], B = 0.5: y[i][j] = x[i][j] + 2x[i][j+1] + 3x[i+1][j] + 4x[i+1][j+1] + 0.5
  SingleOp op{"Conv",
              {},
              {in(Tensor::from_float({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3})),
               weight(Tensor::from_float({1, 2, 3, 4}, {1, 1, 2, 2})), weight(Tensor::from_float({0.5f}, {1}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 2, 2}));
  const float* y = r.outputs[0].data<float>();
  EXPECT_FLOAT_EQ(y[0], 37.5f);
  EXPECT_FLOAT_EQ(y[1], 47.5f);
  EXPECT_FLOAT_EQ(y[2], 67.5f);
  EXPECT_FLOAT_EQ(y[3], 77.5f);
  EXPECT_EQ(r.cost.macs, 16);       // 4 outputs * 1 channel * 4 taps
  EXPECT_EQ(r.cost.flops, 32 + 4);  // 2 * MACs + one bias add per output
  EXPECT_EQ(r.cost.params, 5);      // W (4) and B (1)
  EXPECT_EQ(r.cost.weight_bytes, 20);
}

TEST(Conv, HandComputedPaddingZeroesTheBorder) {
  // 1x1 input 2 with a 3x3 kernel of ones, pads 1: one output, only the centre tap meets data.
  SingleOp op{"Conv",
              {{"pads", attr_ints({1, 1, 1, 1})}},
              {in(Tensor::from_float({2}, {1, 1, 1, 1})),
               weight(Tensor::from_float(std::vector<float>(9, 1.f), {1, 1, 3, 3}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[0], 2.f);
  EXPECT_EQ(r.cost.macs, 9);  // padding positions are counted (full kernel per output)
}

struct ConvCase {
  const char* name;
  Shape x, w;
  Geometry g;
  bool bias;
  Shape expected_y;
};

void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << c.name << ": X " << shape_str(c.x) << ", W " << shape_str(c.w) << ", " << c.g << (c.bias ? ", bias" : "");
}

class ConvMatchesDefinition : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvMatchesDefinition, ValuesShapeAndCost) {
  const ConvCase& c = GetParam();
  Tensor x = random_tensor(c.x, 1), w = random_tensor(c.w, 2), b = random_tensor({c.w[0]}, 3);
  SingleOp op{"Conv", geometry_attrs(c.g), {in(x), weight(w)}};
  if (c.bias) op.inputs.push_back(weight(b));
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), c.expected_y);
  const Tensor want = naive_conv(x, w, c.bias ? &b : nullptr, c.g, c.expected_y);
  EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6);
  const int64_t out_numel = product(c.expected_y);
  const int64_t macs = out_numel * (c.x[1] / c.g.group) * product(spatial_of(c.w));
  EXPECT_EQ(r.cost.macs, macs);
  EXPECT_EQ(r.cost.flops, 2 * macs + (c.bias ? out_numel : 0));
  EXPECT_EQ(r.cost.params, product(c.w) + (c.bias ? c.w[0] : 0));
}

INSTANTIATE_TEST_SUITE_P(
    Conv, ConvMatchesDefinition,
    ::testing::Values(
        ConvCase{"plain", {1, 3, 6, 7}, {4, 3, 3, 3}, {1, {1, 1}, {1, 1}, {0, 0, 0, 0}}, false, {1, 4, 4, 5}},
        ConvCase{"asymmetric_pads", {2, 2, 5, 6}, {3, 2, 3, 2}, {1, {1, 1}, {1, 1}, {2, 0, 1, 3}}, true, {2, 3, 6, 8}},
        ConvCase{"stride2", {1, 3, 9, 8}, {2, 3, 3, 3}, {1, {2, 3}, {1, 1}, {1, 1, 1, 1}}, true, {1, 2, 5, 3}},
        ConvCase{"dilation2", {1, 2, 9, 9}, {2, 2, 3, 3}, {1, {1, 1}, {2, 3}, {2, 1, 2, 1}}, false, {1, 2, 9, 5}},
        ConvCase{"group2", {2, 4, 7, 7}, {6, 2, 3, 3}, {2, {2, 1}, {1, 1}, {1, 1, 1, 1}}, true, {2, 6, 4, 7}},
        ConvCase{"depthwise", {1, 5, 8, 8}, {5, 1, 3, 3}, {5, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true, {1, 5, 8, 8}},
        ConvCase{"depthwise_multiplier2",
                 {1, 3, 6, 6},
                 {6, 1, 3, 3},
                 {3, {2, 2}, {1, 1}, {1, 1, 1, 1}},
                 false,
                 {1, 6, 3, 3}},
        ConvCase{
            "pointwise_stride2", {1, 8, 7, 7}, {4, 8, 1, 1}, {1, {2, 2}, {1, 1}, {0, 0, 0, 0}}, true, {1, 4, 4, 4}},
        ConvCase{"conv1d", {2, 3, 11}, {4, 3, 4}, {1, {2}, {2}, {3, 1}}, true, {2, 4, 5}},
        ConvCase{"conv1d_group", {1, 4, 10}, {2, 2, 3}, {2, {1}, {1}, {0, 0}}, false, {1, 2, 8}},
        ConvCase{"conv3d",
                 {1, 2, 5, 6, 7},
                 {3, 2, 3, 2, 3},
                 {1, {1, 2, 2}, {1, 1, 2}, {1, 0, 1, 1, 1, 2}},
                 true,
                 {1, 3, 5, 3, 3}},
        ConvCase{"kernel_larger_than_input_with_pads",
                 {1, 1, 2, 2},
                 {1, 1, 5, 5},
                 {1, {1, 1}, {1, 1}, {2, 2, 2, 2}},
                 false,
                 {1, 1, 2, 2}}),
    [](const ::testing::TestParamInfo<ConvCase>& case_info) { return std::string(case_info.param.name); });

// SAME_UPPER/SAME_LOWER keep ceil(in / stride) outputs; the odd padding goes to the end (UPPER) or beginning (LOWER).
TEST(Conv, AutoPadSameUpperAndLower) {
  Tensor x = random_tensor({1, 2, 6, 7}, 4), w = random_tensor({3, 2, 4, 3}, 5);
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    SingleOp op{"Conv", {{"auto_pad", attr_string(mode)}, {"strides", attr_ints({2, 1})}}, {in(x), weight(w)}};
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 3, 3, 7})) << mode;
    // H: out 3, needed (3-1)*2+4 = 8, total 2 -> 1+1. W: out 7, needed 6+3 = 9, total 2 -> 1+1.
    Geometry g{1, {2, 1}, {1, 1}, {1, 1, 1, 1}};
    EXPECT_LT(rel_l2(r.outputs[0], naive_conv(x, w, nullptr, g, {1, 3, 3, 7})), 1e-6) << mode;
  }
  // Odd total padding: in 5, kernel 2, stride 1 -> total 1: UPPER pads the end, LOWER the beginning.
  Tensor x1 = random_tensor({1, 1, 5}, 6), w1 = random_tensor({1, 1, 2}, 7);
  for (bool upper : {true, false}) {
    SingleOp op{"Conv", {{"auto_pad", attr_string(upper ? "SAME_UPPER" : "SAME_LOWER")}}, {in(x1), weight(w1)}};
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 5}));
    Geometry g{1, {1}, {1}, {upper ? 0 : 1, upper ? 1 : 0}};
    EXPECT_LT(rel_l2(r.outputs[0], naive_conv(x1, w1, nullptr, g, {1, 1, 5})), 1e-6) << upper;
  }
}

TEST(Conv, AutoPadValidIgnoresPadsAndKernelShapeIsOptional) {
  Tensor x = random_tensor({1, 2, 7, 7}, 8), w = random_tensor({2, 2, 3, 3}, 9);
  SingleOp op{"Conv",
              {{"auto_pad", attr_string("VALID")}, {"strides", attr_ints({2, 2})}, {"kernel_shape", attr_ints({3, 3})}},
              {in(x), weight(w)}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 2, 3, 3}));
  Geometry g{1, {2, 2}, {1, 1}, {0, 0, 0, 0}};
  EXPECT_LT(rel_l2(r.outputs[0], naive_conv(x, w, nullptr, g, {1, 2, 3, 3})), 1e-6);
}

TEST(Conv, ResNet50FirstLayerCost) {
  // 1x3x224x224, 64x3x7x7, stride 2, pads 3 -> 1x64x112x112; MACs = 64 * 112 * 112 * 3 * 49.
  SingleOp op{"Conv",
              {{"strides", attr_ints({2, 2})}, {"pads", attr_ints({3, 3, 3, 3})}, {"kernel_shape", attr_ints({7, 7})}},
              {in(random_tensor({1, 3, 224, 224}, 10)), weight(random_tensor({64, 3, 7, 7}, 11))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 64, 112, 112}));
  // Values at the four corners of every 7th channel and at sampled positions, against the definition.
  const Tensor& x = op.inputs[0].value;
  const Tensor& w = op.inputs[1].value;
  const Geometry g{1, {2, 2}, {1, 1}, {3, 3, 3, 3}};
  std::vector<int64_t> probes;
  for (int64_t m = 0; m < 64; m += 7)
    for (int64_t corner : {int64_t{0}, int64_t{111}, int64_t{112 * 111}, int64_t{112 * 112 - 1}})
      probes.push_back(m * 112 * 112 + corner);
  for (int64_t p = 1; p < 64 * 112 * 112; p += 9973) probes.push_back(p);
  for (int64_t p : probes) {
    EXPECT_NEAR(r.outputs[0].data<float>()[p], naive_conv_at(x, w, nullptr, g, r.outputs[0].shape(), p), 1e-4)
        << "output element " << p;
  }
  EXPECT_EQ(r.cost.macs, 118013952);
  EXPECT_EQ(r.cost.flops, 236027904);
  EXPECT_EQ(r.cost.params, 9408);
  EXPECT_EQ(r.cost.bytes_written, 64 * 112 * 112 * 4);
}

TEST(Conv, GroupedCostWithBiasAndBatch) {
  // N=4, C_in=8, C_out=16, group 4, 3x3, out 5x5: MACs = 4*16*25*2*9 = 28800; bias adds 4*16*25 = 1600.
  SingleOp op{
      "Conv",
      {{"group", attr_int(4)}, {"pads", attr_ints({1, 1, 1, 1})}},
      {in(random_tensor({4, 8, 5, 5}, 12)), weight(random_tensor({16, 2, 3, 3}, 13)), weight(random_tensor({16}, 14))}};
  auto r = run_single_op(op);
  EXPECT_EQ(r.cost.macs, 28800);
  EXPECT_EQ(r.cost.flops, 2 * 28800 + 1600);
  EXPECT_EQ(r.cost.params, 16 * 2 * 9 + 16);
}

TEST(Conv, OpsetOneBehavesLikeEleven) {
  Tensor x = random_tensor({1, 2, 5, 5}, 15), w = random_tensor({2, 2, 3, 3}, 16);
  SingleOp op{"Conv", {{"auto_pad", attr_string("SAME_UPPER")}}, {in(x), weight(w)}};
  op.opset = 1;
  auto r1 = run_single_op(op);
  op.opset = 11;
  auto r11 = run_single_op(op);
  EXPECT_EQ(rel_l2(r1.outputs[0], r11.outputs[0]), 0.0);
  EXPECT_EQ(r1.outputs[0].shape(), (Shape{1, 2, 5, 5}));
}

TEST(Conv, WeightAsGraphInputIsNotAParam) {
  SingleOp op{"Conv", {}, {in(random_tensor({1, 2, 4, 4}, 17)), in(random_tensor({3, 2, 3, 3}, 18))}};
  auto r = run_single_op(op);
  EXPECT_EQ(r.outputs[0].shape(), (Shape{1, 3, 2, 2}));
  EXPECT_EQ(r.cost.params, 0);
  EXPECT_EQ(r.cost.macs, 3 * 4 * 2 * 9);
}

TEST(Conv, RejectsChannelMismatch) {
  expect_model_error({"Conv", {}, {in(random_tensor({1, 3, 5, 5})), weight(random_tensor({4, 2, 3, 3}))}},
                     {"input channels 3", "W.shape[1] * group = 2 * 1"});
}

TEST(Conv, RejectsZeroStride) {
  expect_model_error({"Conv",
                      {{"strides", attr_ints({1, 0})}},
                      {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"strides must be >= 1", "[1, 0]"});
}

TEST(Conv, RejectsZeroDilation) {
  expect_model_error({"Conv",
                      {{"dilations", attr_ints({0, 1})}},
                      {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"dilations must be >= 1"});
}

TEST(Conv, RejectsNegativePad) {
  expect_model_error({"Conv",
                      {{"pads", attr_ints({0, -1, 0, 0})}},
                      {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"pads must be >= 0", "[0, -1, 0, 0]"});
}

TEST(Conv, RejectsWrongAttributeCounts) {
  expect_model_error({"Conv",
                      {{"kernel_shape", attr_ints({3, 3, 3})}},
                      {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"kernel_shape has 3 values, expected 2 for a 4-D input"});
  expect_model_error(
      {"Conv", {{"pads", attr_ints({1, 1})}}, {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
      {"pads has 2 values, expected 4"});
  expect_model_error(
      {"Conv", {{"strides", attr_ints({1, 1, 1})}}, {in(random_tensor({1, 1, 5})), weight(random_tensor({1, 1, 3}))}},
      {"strides has 3 values, expected 1 for a 3-D input"});
}

TEST(Conv, RejectsKernelShapeDisagreeingWithW) {
  expect_model_error({"Conv",
                      {{"kernel_shape", attr_ints({3, 2})}},
                      {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"kernel_shape [3, 2] disagrees", "[3, 3]"});
}

TEST(Conv, RejectsBadGroupingAndShapes) {
  expect_model_error(
      {"Conv", {{"group", attr_int(2)}}, {in(random_tensor({1, 4, 5, 5})), weight(random_tensor({3, 2, 3, 3}))}},
      {"output channels W.shape[0] = 3 must be divisible by group 2"});
  expect_model_error(
      {"Conv", {{"group", attr_int(0)}}, {in(random_tensor({1, 4, 5, 5})), weight(random_tensor({3, 2, 3, 3}))}},
      {"group must be >= 1, got 0"});
  expect_model_error({"Conv", {}, {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3}))}},
                     {"weight W has rank 3, expected 4"});
  expect_model_error({"Conv", {}, {in(random_tensor({1, 1, 2, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"output size along spatial axis 0 would be 0", "expected >= 1"});
  expect_model_error(
      {"Conv", {}, {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({2, 1, 3, 3})), weight(random_tensor({3}))}},
      {"bias B must have shape [2]"});
  expect_model_error({"Conv",
                      {{"auto_pad", attr_string("SAME")}},
                      {in(random_tensor({1, 1, 5, 5})), weight(random_tensor({1, 1, 3, 3}))}},
                     {"auto_pad is 'SAME', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID"});
  expect_model_error({"Conv", {}, {in(random_tensor({1, 5})), weight(random_tensor({1, 5}))}},
                     {"input X must have rank >= 3"});
}

// ---------------------------------------------------------------------------------------------------------
// ConvTranspose

TEST(ConvTranspose, HandComputedScatter) {
  // x = [1, 2] with kernel [1, 10, 100], stride 2: y = [1, 10, 100+2, 20, 200].
  SingleOp op{"ConvTranspose",
              {{"strides", attr_ints({2})}},
              {in(Tensor::from_float({1, 2}, {1, 1, 2})), weight(Tensor::from_float({1, 10, 100}, {1, 1, 3}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 5}));
  const float* y = r.outputs[0].data<float>();
  const float want[] = {1, 10, 102, 20, 200};
  for (int i = 0; i < 5; ++i) EXPECT_FLOAT_EQ(y[i], want[i]) << i;
  EXPECT_EQ(r.cost.macs, 6);  // 2 inputs * 1 output channel * 3 taps
  EXPECT_EQ(r.cost.flops, 12);
  EXPECT_EQ(r.cost.params, 3);
}

struct ConvTransposeCase {
  const char* name;
  Shape x, w;
  Geometry g;
  std::vector<int64_t> output_padding;
  bool bias;
  Shape expected_y;
};

void PrintTo(const ConvTransposeCase& c, std::ostream* os) {
  *os << c.name << ": X " << shape_str(c.x) << ", W " << shape_str(c.w) << ", " << c.g << ", output_padding "
      << ::testing::PrintToString(c.output_padding) << (c.bias ? ", bias" : "");
}

class ConvTransposeMatchesDefinition : public ::testing::TestWithParam<ConvTransposeCase> {};

TEST_P(ConvTransposeMatchesDefinition, ValuesShapeAndCost) {
  const ConvTransposeCase& c = GetParam();
  const int64_t c_out = c.w[1] * c.g.group;
  Tensor x = random_tensor(c.x, 21), w = random_tensor(c.w, 22), b = random_tensor({c_out}, 23);
  auto attrs = geometry_attrs(c.g);
  if (!c.output_padding.empty()) attrs["output_padding"] = attr_ints(c.output_padding);
  SingleOp op{"ConvTranspose", attrs, {in(x), weight(w)}};
  if (c.bias) op.inputs.push_back(weight(b));
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), c.expected_y);
  const Tensor want = naive_conv_transpose(x, w, c.bias ? &b : nullptr, c.g, c.expected_y);
  EXPECT_LT(rel_l2(r.outputs[0], want), 1e-6);
  const int64_t macs = product(c.x) * (c_out / c.g.group) * product(spatial_of(c.w));
  EXPECT_EQ(r.cost.macs, macs);
  EXPECT_EQ(r.cost.flops, 2 * macs + (c.bias ? product(c.expected_y) : 0));
  EXPECT_EQ(r.cost.params, product(c.w) + (c.bias ? c_out : 0));
}

// Output size = stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - pad_begin - pad_end.
INSTANTIATE_TEST_SUITE_P(
    ConvTranspose, ConvTransposeMatchesDefinition,
    ::testing::Values(
        ConvTransposeCase{
            "plain", {1, 2, 3, 4}, {2, 3, 3, 3}, {1, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {}, false, {1, 3, 5, 6}},
        ConvTransposeCase{
            "stride2_pads", {2, 3, 4, 5}, {3, 2, 3, 3}, {1, {2, 2}, {1, 1}, {1, 0, 1, 2}}, {}, true, {2, 2, 7, 9}},
        ConvTransposeCase{"output_padding",
                          {1, 2, 3, 3},
                          {2, 2, 3, 3},
                          {1, {3, 2}, {1, 1}, {0, 0, 0, 0}},
                          {2, 1},
                          true,
                          {1, 2, 11, 8}},
        ConvTransposeCase{
            "dilation", {1, 1, 4, 3}, {1, 2, 2, 3}, {1, {1, 2}, {3, 2}, {1, 0, 1, 0}}, {}, false, {1, 2, 5, 9}},
        ConvTransposeCase{
            "group2", {2, 4, 5, 5}, {4, 3, 3, 3}, {2, {2, 2}, {1, 1}, {0, 0, 0, 0}}, {}, true, {2, 6, 11, 11}},
        ConvTransposeCase{
            "depthwise", {1, 3, 4, 4}, {3, 1, 2, 2}, {3, {2, 2}, {1, 1}, {0, 0, 0, 0}}, {}, true, {1, 3, 8, 8}},
        ConvTransposeCase{"conv_transpose1d", {2, 3, 6}, {3, 2, 4}, {1, {3}, {1}, {2, 1}}, {1}, true, {2, 2, 17}},
        ConvTransposeCase{"conv_transpose3d",
                          {1, 2, 3, 4, 3},
                          {2, 2, 2, 3, 2},
                          {1, {2, 1, 2}, {1, 2, 1}, {0, 1, 0, 0, 1, 1}},
                          {1, 0, 0},
                          true,
                          {1, 2, 7, 6, 5}}),
    [](const ::testing::TestParamInfo<ConvTransposeCase>& case_info) { return std::string(case_info.param.name); });

TEST(ConvTranspose, OutputShapeDerivesPads) {
  // in 4, stride 2, k 3: natural 2*3+3 = 9. output_shape 8 -> total 1 (NOTSET: begin 1, end 0);
  // output_shape 10 -> larger than natural: pads 0, the last position holds only the bias.
  Tensor x = random_tensor({1, 2, 4, 4}, 24), w = random_tensor({2, 1, 3, 3}, 25), b = random_tensor({1}, 26);
  {
    SingleOp op{"ConvTranspose",
                {{"strides", attr_ints({2, 2})}, {"output_shape", attr_ints({8, 10})}},
                {in(x), weight(w), weight(b)}};
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 8, 10}));
    Geometry g{1, {2, 2}, {1, 1}, {1, 0, 0, 0}};
    EXPECT_LT(rel_l2(r.outputs[0], naive_conv_transpose(x, w, &b, g, {1, 1, 8, 10})), 1e-6);
    EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[9], b.data<float>()[0]);  // row 0, column 9: beyond every tap
    EXPECT_EQ(r.cost.macs, 2 * 16 * 1 * 9);
    EXPECT_EQ(r.cost.flops, 2 * 2 * 16 * 9 + 80);
  }
  {
    // The full [N, C, H, W] form of output_shape and SAME_UPPER (begin total/2 = 0, end 1).
    SingleOp op{"ConvTranspose",
                {{"strides", attr_ints({2, 2})},
                 {"output_shape", attr_ints({1, 1, 8, 8})},
                 {"auto_pad", attr_string("SAME_UPPER")}},
                {in(x), weight(w)}};
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1, 8, 8}));
    Geometry g{1, {2, 2}, {1, 1}, {0, 0, 1, 1}};
    EXPECT_LT(rel_l2(r.outputs[0], naive_conv_transpose(x, w, nullptr, g, {1, 1, 8, 8})), 1e-6);
  }
}

TEST(ConvTranspose, AutoPadSameGivesInputTimesStride) {
  // in 3, stride 2, k 4: out 6, total 2*2+4-6 = 2 -> 1+1 either way; k 3: total 1 -> UPPER 0+1, LOWER 1+0.
  Tensor x = random_tensor({1, 1, 3, 3}, 27), w = random_tensor({1, 2, 4, 3}, 28);
  for (bool upper : {true, false}) {
    SingleOp op{"ConvTranspose",
                {{"strides", attr_ints({2, 2})}, {"auto_pad", attr_string(upper ? "SAME_UPPER" : "SAME_LOWER")}},
                {in(x), weight(w)}};
    auto r = run_single_op(op);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 2, 6, 6}));
    Geometry g{1, {2, 2}, {1, 1}, {1, upper ? 0 : 1, 1, upper ? 1 : 0}};
    EXPECT_LT(rel_l2(r.outputs[0], naive_conv_transpose(x, w, nullptr, g, {1, 2, 6, 6})), 1e-6) << upper;
  }
}

TEST(ConvTranspose, RejectsChannelMismatch) {
  expect_model_error({"ConvTranspose", {}, {in(random_tensor({1, 3, 4, 4})), weight(random_tensor({2, 1, 3, 3}))}},
                     {"input channels 3", "must equal W.shape[0] = 2"});
  expect_model_error({"ConvTranspose",
                      {{"group", attr_int(2)}},
                      {in(random_tensor({1, 3, 4, 4})), weight(random_tensor({3, 1, 3, 3}))}},
                     {"input channels 3 must be divisible by group 2"});
}

TEST(ConvTranspose, RejectsBadAttributes) {
  const auto x = random_tensor({1, 1, 4, 4});
  const auto w = random_tensor({1, 1, 3, 3});
  expect_model_error({"ConvTranspose", {{"strides", attr_ints({0, 1})}}, {in(x), weight(w)}}, {"strides must be >= 1"});
  expect_model_error({"ConvTranspose", {{"pads", attr_ints({-1, 0, 0, 0})}}, {in(x), weight(w)}},
                     {"pads must be >= 0"});
  expect_model_error({"ConvTranspose", {{"kernel_shape", attr_ints({3})}}, {in(x), weight(w)}},
                     {"kernel_shape has 1 values, expected 2 for a 4-D input"});
  expect_model_error({"ConvTranspose", {{"output_padding", attr_ints({1})}}, {in(x), weight(w)}},
                     {"output_padding has 1 values, expected 2"});
  expect_model_error({"ConvTranspose", {{"output_shape", attr_ints({8, 8, 8})}}, {in(x), weight(w)}},
                     {"output_shape has 3 values, expected 2"});
  expect_model_error({"ConvTranspose", {{"pads", attr_ints({3, 3, 3, 0})}}, {in(x), weight(w)}},
                     {"output size along spatial axis 0 would be 0", "expected >= 1"});
  expect_model_error({"ConvTranspose", {}, {in(x), weight(w), weight(random_tensor({2}))}},
                     {"bias B must have shape [1]"});
}

}  // namespace
}  // namespace dnncost::testing
