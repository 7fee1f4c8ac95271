// Unit tests of the element-wise math and the reductions: Sqrt, Exp, Log, Reciprocal, Neg, Abs, Pow, Mod, ReduceSum,
// ReduceMax, ReduceMin (and ReduceMean's forms). Values against the C library on random inputs, integer forms, the
// opset forms of the axes, cost (1 FLOP per element; reductions g - 1 per group) and bad-input errors.
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
Tensor int32s(std::vector<int32_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return typed<int32_t>(DType::kInt32, std::move(v), {n});
}
Tensor int64s(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_int64(v, {n});
}
template <typename T>
std::vector<T> values(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  if (!v.empty()) std::memcpy(v.data(), t.raw(), t.bytes());
  return v;
}

// --- unary math ------------------------------------------------------------------------------------------------

TEST(UnaryMath, FloatValuesMatchTheCLibraryAndCostOnePerElement) {
  const struct {
    const char* op;
    std::function<float(float)> fn;
    float lo, hi;
  } cases[] = {{"Sqrt", [](float x) { return std::sqrt(x); }, 0.f, 4.f},
               {"Exp", [](float x) { return std::exp(x); }, -5.f, 5.f},
               {"Log", [](float x) { return std::log(x); }, 0.01f, 10.f},
               {"Reciprocal", [](float x) { return 1.f / x; }, 0.5f, 3.f},
               {"Neg", [](float x) { return -x; }, -2.f, 2.f},
               {"Abs", [](float x) { return std::fabs(x); }, -2.f, 2.f}};
  for (const auto& c : cases) {
    const Tensor x = random_tensor({2, 3, 5}, 7, c.lo, c.hi);
    auto r = run_single_op({c.op, {}, {in(x)}});
    ASSERT_EQ(r.outputs[0].shape(), x.shape()) << c.op;
    for (int64_t i = 0; i < x.numel(); ++i)
      EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[i], c.fn(x.data<float>()[i])) << c.op << " element " << i;
    EXPECT_EQ(r.cost.flops, 30) << c.op;
    EXPECT_EQ(r.cost.macs, 0);
  }
}

TEST(UnaryMath, SpecialValuesFollowC) {
  const float inf = std::numeric_limits<float>::infinity();
  auto s = run_single_op({"Sqrt", {}, {in(Tensor::from_float({-1.f, 0.f}, {2}))}});
  EXPECT_TRUE(std::isnan(s.outputs[0].data<float>()[0]));
  auto l = run_single_op({"Log", {}, {in(Tensor::from_float({0.f}, {1}))}});
  EXPECT_EQ(l.outputs[0].data<float>()[0], -inf);
  auto rc = run_single_op({"Reciprocal", {}, {in(Tensor::from_float({0.f}, {1}))}});
  EXPECT_EQ(rc.outputs[0].data<float>()[0], inf);
}

TEST(UnaryMath, NegAndAbsOnIntegersWrapAtTheMinimum) {
  const int64_t min64 = std::numeric_limits<int64_t>::min();
  auto n = run_single_op({"Neg", {}, {in(int64s({3, -4, 0, min64}))}});
  EXPECT_EQ(values<int64_t>(n.outputs[0]), (std::vector<int64_t>{-3, 4, 0, min64}));
  auto a = run_single_op({"Abs", {}, {in(int32s({-7, 7, std::numeric_limits<int32_t>::min()}))}});
  EXPECT_EQ(values<int32_t>(a.outputs[0]), (std::vector<int32_t>{7, 7, std::numeric_limits<int32_t>::min()}));
}

TEST(UnaryMath, TypesAreChecked) {
  expect_model_error({"Sqrt", {}, {in(int64s({4}))}}, {"input X has element type int64", "float32 only"});
  expect_model_error({"Abs", {}, {in(typed<uint8_t>(DType::kBool, {1}, {1}))}},
                     {"element type bool", "float32, int64 or int32"});
}

// --- Pow -------------------------------------------------------------------------------------------------------

TEST(Pow, FloatBaseWithFloatAndIntegerExponentsAndBroadcast) {
  const Tensor x = random_tensor({2, 3}, 9, 0.1f, 3.f);
  auto sq = run_single_op({"Pow", {}, {in(x), weight(Tensor::from_float({2.f}, {}))}});  // LayerNorm's (x - mean)^2
  for (int64_t i = 0; i < x.numel(); ++i)
    EXPECT_FLOAT_EQ(sq.outputs[0].data<float>()[i], x.data<float>()[i] * x.data<float>()[i]);
  EXPECT_EQ(sq.cost.flops, 6);
  EXPECT_EQ(sq.cost.params, 0);  // the exponent constant is data
  auto row = run_single_op({"Pow", {}, {in(x), in(Tensor::from_float({0.5f, 1.f, -1.f}, {3}))}});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float e = (i % 3 == 0) ? 0.5f : (i % 3 == 1 ? 1.f : -1.f);
    EXPECT_FLOAT_EQ(row.outputs[0].data<float>()[i], std::pow(x.data<float>()[i], e)) << i;
  }
  auto ie = run_single_op({"Pow", {}, {in(Tensor::from_float({-2.f, 3.f}, {2})), in(int64s({3}))}});
  EXPECT_EQ(values<float>(ie.outputs[0]), (std::vector<float>{-8.f, 27.f}));
  EXPECT_EQ(ie.outputs[0].dtype(), DType::kFloat32);
}

TEST(Pow, IntegerBaseIsExact) {
  auto r = run_single_op({"Pow", {}, {in(int64s({3, -2, 10, 2})), in(int64s({4, 3, 15, 0}))}});
  EXPECT_EQ(values<int64_t>(r.outputs[0]), (std::vector<int64_t>{81, -8, 1000000000000000LL, 1}));
  auto f = run_single_op({"Pow", {}, {in(int32s({4, 9})), in(Tensor::from_float({0.5f, 2.f}, {2}))}});
  EXPECT_EQ(values<int32_t>(f.outputs[0]), (std::vector<int32_t>{2, 81}));
  // Beyond the integer range (or NaN) gives the type's minimum, as numpy on x86, not undefined behaviour.
  const int32_t lowest = std::numeric_limits<int32_t>::min();
  auto big = run_single_op({"Pow", {}, {in(int32s({10, -1})), in(Tensor::from_float({20.f, 0.5f}, {2}))}});
  EXPECT_EQ(values<int32_t>(big.outputs[0]), (std::vector<int32_t>{lowest, lowest}));
}

TEST(Pow, MixedTypesNeedOpset12) {
  expect_model_error({"Pow", {}, {in(random_tensor({2})), in(int64s({2}))}, 1, 7},
                     {"element types float and int64", "before opset 12"});
  expect_model_error({"Pow", {}, {in(typed<uint8_t>(DType::kBool, {1}, {1})), in(random_tensor({1}))}},
                     {"input X (the base) has element type bool"});
}

// --- Mod -------------------------------------------------------------------------------------------------------

TEST(Mod, IntegerModulusTakesTheDivisorsSignAndFmodTheDividends) {
  const Tensor a = int64s({-7, 7, -7, 7, 0, 5});
  const Tensor b = int64s({3, -3, -3, 3, 4, 5});
  auto py = run_single_op_unfolded({"Mod", {}, {in(a), in(b)}});
  EXPECT_EQ(values<int64_t>(py.outputs[0]), (std::vector<int64_t>{2, -2, -1, 1, 0, 0}));
  EXPECT_EQ(py.cost.flops, 6);
  auto c = run_single_op({"Mod", {{"fmod", attr_int(1)}}, {in(a), in(b)}});
  EXPECT_EQ(values<int64_t>(c.outputs[0]), (std::vector<int64_t>{-1, 1, -1, 1, 0, 0}));
  // Swin's padding: (window - W % window) % window on int32 too, with a broadcast scalar divisor.
  auto i32 = run_single_op({"Mod", {}, {in(int32s({56, 28, 14, 7, -1})), in(typed<int32_t>(DType::kInt32, {7}, {}))}});
  EXPECT_EQ(values<int32_t>(i32.outputs[0]), (std::vector<int32_t>{0, 0, 0, 0, 6}));
}

TEST(Mod, FloatNeedsFmodOne) {
  auto r = run_single_op(
      {"Mod", {{"fmod", attr_int(1)}}, {in(Tensor::from_float({-4.3f, 5.5f}, {2})), in(Tensor::from_float({2.1f, -2.f}, {2}))}});
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[0], std::fmod(-4.3f, 2.1f));
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[1], std::fmod(5.5f, -2.f));
  expect_model_error({"Mod", {}, {in(random_tensor({2})), in(random_tensor({2}))}}, {"float inputs need fmod=1"});
  expect_model_error({"Mod", {{"fmod", attr_int(2)}}, {in(int64s({1})), in(int64s({1}))}}, {"fmod must be 0 or 1"});
}

TEST(Mod, ZeroIntegerDivisorIsAnErrorAtPlanOrRunTime) {
  const SingleOp op{"Mod", {}, {in(int64s({5, 6})), in(int64s({2, 0}))}};
  expect_model_error(op, {"integer modulus by zero", "element 1"});  // `run` knows integer inputs: folded
  expect_error([&] { run_single_op_unfolded(op); }, {"node 'node0' (Mod)", "integer modulus by zero"});
}

// --- reductions ------------------------------------------------------------------------------------------------

// Naive reduction of a [2, 3, 4] tensor over the axes set in `reduced`, kept as size 1 ([2, 3, 4] -> e.g. [2, 1, 4]).
std::vector<float> naive_reduce(const Tensor& x, const std::vector<bool>& reduced, const std::string& kind) {
  const Shape& s = x.shape();
  Shape kept(s);
  for (size_t a = 0; a < s.size(); ++a)
    if (reduced[a]) kept[a] = 1;
  const float init = kind == "max" ? -std::numeric_limits<float>::infinity()
                                   : (kind == "min" ? std::numeric_limits<float>::infinity() : 0.f);
  std::vector<float> out(static_cast<size_t>(shape_numel(kept)), init);
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t k = 0; k < s[2]; ++k) {
        const int64_t o = ((reduced[0] ? 0 : i) * kept[1] + (reduced[1] ? 0 : j)) * kept[2] + (reduced[2] ? 0 : k);
        const float v = x.data<float>()[(i * s[1] + j) * s[2] + k];
        float& acc = out[static_cast<size_t>(o)];
        acc = kind == "max" ? std::max(acc, v) : (kind == "min" ? std::min(acc, v) : acc + v);
      }
  return out;
}

TEST(Reduce, SumMaxMinOverAxesAttributeAndInputForms) {
  const Tensor x = random_tensor({2, 3, 4}, 11);
  const struct {
    const char* op;
    const char* kind;
    int64_t input_opset;  // first opset with axes as input 1
  } ops[] = {{"ReduceSum", "sum", 13}, {"ReduceMax", "max", 18}, {"ReduceMin", "min", 18}};
  const std::vector<std::vector<int64_t>> axes_lists = {{1}, {0, 2}, {-1}, {}};
  for (const auto& op : ops) {
    for (const auto& axes : axes_lists) {
      std::vector<bool> reduced(3, axes.empty());
      for (int64_t a : axes) reduced[a < 0 ? a + 3 : a] = true;
      const std::vector<float> want = naive_reduce(x, reduced, op.kind);
      for (int64_t keepdims : {0, 1}) {
        SingleOp attr_form{op.op, {{"keepdims", attr_int(keepdims)}}, {in(x)}, 1, op.input_opset - 1};
        if (!axes.empty()) attr_form.attrs["axes"] = attr_ints(axes);
        SingleOp input_form{op.op, {{"keepdims", attr_int(keepdims)}}, {in(x)}, 1, op.input_opset};
        if (!axes.empty()) input_form.inputs.push_back(weight(int64s(axes)));
        for (const SingleOp& form : {attr_form, input_form}) {
          auto r = run_single_op(form);
          const Tensor& y = r.outputs[0];
          Shape want_shape;
          for (size_t a = 0; a < 3; ++a)
            if (!reduced[a] || keepdims) want_shape.push_back(reduced[a] ? 1 : x.shape()[a]);
          ASSERT_EQ(y.shape(), want_shape) << op.op;
          for (int64_t i = 0; i < y.numel(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5) << op.op << " " << i;
          EXPECT_EQ(r.cost.flops, x.numel() - y.numel()) << op.op;  // g - 1 per group
        }
      }
    }
  }
}

TEST(Reduce, NoopWithEmptyAxesAndIntegerTypes) {
  const Tensor x = random_tensor({2, 3}, 12);
  auto noop = run_single_op({"ReduceSum", {{"noop_with_empty_axes", attr_int(1)}}, {in(x)}, 1, 13});
  EXPECT_EQ(noop.outputs[0].shape(), x.shape());
  EXPECT_EQ(values<float>(noop.outputs[0]), values<float>(x));
  EXPECT_EQ(noop.cost.flops, 0);
  const Tensor i = Tensor::from_int64({5, -2, 9, 4, 4, -8}, {2, 3});
  auto s = run_single_op({"ReduceSum", {{"keepdims", attr_int(0)}}, {in(i), weight(int64s({1}))}, 1, 13});
  EXPECT_EQ(values<int64_t>(s.outputs[0]), (std::vector<int64_t>{12, 0}));
  auto mx = run_single_op({"ReduceMax", {{"axes", attr_ints({0})}, {"keepdims", attr_int(0)}}, {in(i)}});
  EXPECT_EQ(values<int64_t>(mx.outputs[0]), (std::vector<int64_t>{5, 4, 9}));
  auto mn = run_single_op({"ReduceMin", {{"keepdims", attr_int(0)}}, {in(i)}});
  EXPECT_EQ(values<int64_t>(mn.outputs[0]), (std::vector<int64_t>{-8}));
}

TEST(Reduce, MaxPropagatesNanAndEmptyGroupsGiveTheIdentity) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = run_single_op({"ReduceMax", {{"axes", attr_ints({1})}}, {in(Tensor::from_float({1.f, nan, 3.f, 2.f}, {2, 2}))}});
  EXPECT_TRUE(std::isnan(r.outputs[0].data<float>()[0]));
  EXPECT_EQ(r.outputs[0].data<float>()[1], 3.f);
  auto empty = run_single_op({"ReduceMax", {{"axes", attr_ints({1})}, {"keepdims", attr_int(0)}}, {in(Tensor(DType::kFloat32, {2, 0}))}});
  EXPECT_EQ(values<float>(empty.outputs[0]),
            (std::vector<float>{-std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()}));
  EXPECT_EQ(empty.cost.flops, 0);
  auto sum = run_single_op({"ReduceSum", {{"keepdims", attr_int(0)}}, {in(Tensor(DType::kFloat32, {0, 3})), weight(int64s({0}))}, 1, 13});
  EXPECT_EQ(values<float>(sum.outputs[0]), (std::vector<float>{0.f, 0.f, 0.f}));
}

TEST(Reduce, ReduceMeanKeepsItsRule) {
  const Tensor x = random_tensor({2, 3}, 13);
  auto r = run_single_op({"ReduceMean", {{"axes", attr_ints({1})}}, {in(x)}});
  EXPECT_EQ(r.cost.flops, 6 + 2);  // input elements (adds) + output elements (divides)
  for (int64_t row = 0; row < 2; ++row) {
    const float* p = x.data<float>() + row * 3;
    EXPECT_NEAR(r.outputs[0].data<float>()[row], (p[0] + p[1] + p[2]) / 3.f, 1e-6);
  }
}

TEST(Reduce, Errors) {
  expect_model_error({"ReduceSum", {}, {in(random_tensor({2, 3})), weight(int64s({2}))}, 1, 13},
                     {"axis 2 is out of range"});
  expect_model_error({"ReduceMax", {{"axes", attr_ints({0, 0})}}, {in(random_tensor({2, 3}))}}, {"listed twice"});
  expect_model_error({"ReduceMin", {}, {in(typed<uint8_t>(DType::kBool, {1}, {1}))}}, {"element type bool"});
  expect_model_error({"ReduceSum", {{"axes", attr_ints({0})}}, {in(random_tensor({2})), weight(int64s({0}))}, 1, 13},
                     {"both as attribute and as input 1"});
}

}  // namespace
}  // namespace dnncost::testing
