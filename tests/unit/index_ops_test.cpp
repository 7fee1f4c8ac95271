// Unit tests of the index and data-dependent ops: Expand, Range, Trilu, ScatterND, NonZero, Unique; the clear errors for
// shapes that would depend on run-time values (Reshape, Expand, Range, ConstantOfShape, Slice fed by data); and token
// ids outside an embedding table (Gather on ref and cpu).
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "engine/session.h"
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
Tensor int64s(std::vector<int64_t> v, Shape s) { return Tensor::from_int64(v, std::move(s)); }
Tensor int64s(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_int64(v, {n});
}
Tensor iota(Shape s) {
  Tensor t(DType::kFloat32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i + 1);
  return t;
}
template <typename T>
std::vector<T> values(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  if (!v.empty()) std::memcpy(v.data(), t.raw(), t.bytes());
  return v;
}

// The planning error of a graph whose only non-input value is `op`'s output, fed by Cast(float input) as input 1
// (so input 1 is computed at run time).
std::string plan_error_with_computed_input(const std::string& op, const Tensor& data, const Tensor& second_as_float,
                                           DType second_type, std::vector<Tensor> more = {}) {
  GraphBuilder b(17);
  const std::string x = b.input(data);
  const std::string f = b.input(second_as_float);
  const std::string cast = b.node("Cast", {f}, {{"to", attr_int(static_cast<int64_t>(second_type))}});
  std::vector<std::string> inputs{x, cast};
  for (const Tensor& t : more) inputs.push_back(b.weight(t));
  b.output(b.node(op, inputs));
  return error_message([&] { Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds())); }, "no error");
}

// --- Expand ----------------------------------------------------------------------------------------------------

TEST(Expand, BroadcastsBothWaysForAnyType) {
  auto r = run_single_op({"Expand", {}, {in(iota({3, 1})), weight(int64s({2, 1, 4}))}});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 4}));
  const std::vector<float> y = values<float>(r.outputs[0]);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(y[i], static_cast<float>((i / 4) % 3 + 1)) << i;
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.params, 0);
  // A shorter target keeps the input's dims (numpy, bidirectional): [2, 3] expanded to [3] stays [2, 3].
  auto keep = run_single_op({"Expand", {}, {in(iota({2, 3})), weight(int64s({3}))}});
  EXPECT_EQ(keep.outputs[0].shape(), (Shape{2, 3}));
  auto i64 = run_single_op({"Expand", {}, {in(int64s({7}, {1})), weight(int64s({3}))}});
  EXPECT_EQ(values<int64_t>(i64.outputs[0]), (std::vector<int64_t>{7, 7, 7}));
  auto b = run_single_op({"Expand", {}, {in(typed<uint8_t>(DType::kBool, {1, 0}, {2, 1})), weight(int64s({2, 2}))}});
  EXPECT_EQ(values<uint8_t>(b.outputs[0]), (std::vector<uint8_t>{1, 1, 0, 0}));
}

TEST(Expand, Errors) {
  expect_model_error({"Expand", {}, {in(iota({3, 2})), weight(int64s({4, 3}))}},
                     {"cannot be expanded", "[3, 2] and [4, 3] cannot be broadcast"});
  expect_model_error({"Expand", {}, {in(iota({3})), weight(int64s({-1}))}}, {"negative dimension -1"});
  const std::string msg =
      plan_error_with_computed_input("Expand", iota({3, 1}), Tensor::from_float({2, 3, 1}, {3}), DType::kInt64);
  EXPECT_NE(msg.find("node 'Expand_1' (Expand): input 'shape' must be known at plan time"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data-dependent"), std::string::npos) << msg;
}

// --- Range -----------------------------------------------------------------------------------------------------

TEST(Range, LengthsAndValuesOfEachType) {
  auto f = run_single_op({"Range", {}, {weight(Tensor::from_float({1.f}, {})), weight(Tensor::from_float({2.f}, {})),
                                         weight(Tensor::from_float({0.3f}, {}))}});
  EXPECT_TRUE(f.folded);
  ASSERT_EQ(f.outputs[0].shape(), (Shape{4}));  // ceil(1 / 0.3) = 4
  EXPECT_FLOAT_EQ(f.outputs[0].data<float>()[3], 1.f + 3 * 0.3f);
  auto i = run_single_op({"Range", {}, {weight(int64s({10}, {})), weight(int64s({1}, {})), weight(int64s({-3}, {}))}});
  EXPECT_EQ(values<int64_t>(i.outputs[0]), (std::vector<int64_t>{10, 7, 4}));
  auto empty = run_single_op({"Range", {}, {weight(int64s({5}, {})), weight(int64s({5}, {})), weight(int64s({1}, {}))}});
  EXPECT_EQ(empty.outputs[0].shape(), (Shape{0}));
  auto i32 = run_single_op({"Range",
                            {},
                            {weight(typed<int32_t>(DType::kInt32, {-2}, {})), weight(typed<int32_t>(DType::kInt32, {3}, {})),
                             weight(typed<int32_t>(DType::kInt32, {2}, {}))}});
  EXPECT_EQ(values<int32_t>(i32.outputs[0]), (std::vector<int32_t>{-2, 0, 2}));
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  auto wide = run_single_op({"Range", {}, {weight(int64s({lo}, {})), weight(int64s({hi}, {})), weight(int64s({hi}, {}))}});
  EXPECT_EQ(values<int64_t>(wide.outputs[0]), (std::vector<int64_t>{lo, -1, hi - 1}));
}

TEST(Range, ValuesComputedAtRunTimeAreADataDependentError) {
  GraphBuilder b(17);
  const std::string limit = b.node("Cast", {b.input(Tensor::from_float({5.f}, {}))}, {{"to", attr_int(7)}});
  b.output(b.node("Range", {b.weight(int64s({0}, {})), limit, b.weight(int64s({1}, {}))}));
  const std::string msg = error_message([&] { Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds())); });
  EXPECT_NE(msg.find("node 'Range_1' (Range): input 'limit' is computed at run time"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data-dependent"), std::string::npos) << msg;
}

TEST(Range, Errors) {
  expect_model_error({"Range", {}, {weight(int64s({0}, {})), weight(int64s({3}, {})), weight(int64s({0}, {}))}},
                     {"delta is 0"});
  expect_model_error({"Range", {}, {weight(int64s({0}, {})), weight(Tensor::from_float({3}, {})), weight(int64s({1}, {}))}},
                     {"input 'limit' has element type float, expected int64"});
  expect_model_error({"Range", {}, {weight(int64s({0, 1})), weight(int64s({3}, {})), weight(int64s({1}, {}))}},
                     {"input 'start' must be a scalar"});
}

// --- Trilu -----------------------------------------------------------------------------------------------------

TEST(Trilu, UpperAndLowerWithDiagonalOffsetsOnBatches) {
  const Tensor x = iota({2, 3, 4});
  for (int64_t upper : {0, 1}) {
    for (int64_t k : {-4, -1, 0, 2, 5}) {
      auto r = run_single_op({"Trilu", {{"upper", attr_int(upper)}}, {in(x), weight(int64s({k}, {}))}});
      ASSERT_EQ(r.outputs[0].shape(), x.shape());
      for (int64_t i = 0; i < x.numel(); ++i) {
        const int64_t row = (i / 4) % 3, col = i % 4;
        const bool keep = upper ? col - row >= k : col - row <= k;
        EXPECT_EQ(r.outputs[0].data<float>()[i], keep ? x.data<float>()[i] : 0.f)
            << "upper " << upper << " k " << k << " element " << i;
      }
      EXPECT_EQ(r.cost.flops, 0);
    }
  }
  // Default: upper, k = 0; k may be computed at run time.
  auto d = run_single_op({"Trilu", {}, {in(iota({2, 2}))}});
  EXPECT_EQ(values<float>(d.outputs[0]), (std::vector<float>{1, 2, 0, 4}));
  auto rk = run_single_op_unfolded({"Trilu", {{"upper", attr_int(0)}}, {in(iota({2, 2})), in(int64s({-1}, {}))}});
  EXPECT_EQ(values<float>(rk.outputs[0]), (std::vector<float>{0, 0, 3, 0}));
}

TEST(Trilu, Errors) {
  expect_model_error({"Trilu", {}, {in(iota({4}))}}, {"rank >= 2"});
  expect_model_error({"Trilu", {}, {in(iota({2, 2})), weight(int64s({1, 2}))}}, {"input 'k' must be a scalar"});
  expect_model_error({"Trilu", {{"upper", attr_int(3)}}, {in(iota({2, 2}))}}, {"upper must be 0 or 1"});
}

// --- ScatterND -------------------------------------------------------------------------------------------------

TEST(ScatterND, ReplacesSlicesAndElements) {
  // Slices: indices [2, 1] address rows 0 and -1 (= 2) of a [3, 2] tensor.
  auto rows = run_single_op({"ScatterND", {}, {in(iota({3, 2})), weight(int64s({0, -1}, {2, 1})),
                                                in(Tensor::from_float({10, 11, 20, 21}, {2, 2}))}});
  EXPECT_EQ(values<float>(rows.outputs[0]), (std::vector<float>{10, 11, 3, 4, 20, 21}));
  EXPECT_EQ(rows.cost.flops, 0);
  // Elements: full coordinates, int64 data, indices and updates known at plan time: folded.
  auto elems = run_single_op({"ScatterND", {}, {weight(int64s({0, 0, 0, 0}, {2, 2})), weight(int64s({1, 0, 0, 1}, {2, 2})),
                                                 weight(int64s({5, 6}))}});
  EXPECT_TRUE(elems.folded);
  EXPECT_EQ(values<int64_t>(elems.outputs[0]), (std::vector<int64_t>{0, 6, 5, 0}));
}

TEST(ScatterND, IndexOutOfRangeReductionsAndShapes) {
  expect_model_error({"ScatterND", {}, {in(iota({3, 2})), weight(int64s({3}, {1, 1})), in(iota({1, 2}))}},
                     {"index 3 (row 0, coordinate 0 of input 'indices') is out of range", "of size 3"});
  const SingleOp run_time{"ScatterND", {}, {in(iota({3, 2})), in(int64s({-4}, {1, 1})), in(iota({1, 2}))}};
  expect_error([&] { run_single_op_unfolded(run_time); },
               {"node 'node0' (ScatterND)", "index -4", "-3 <= index < 3"});  // checked when it runs
  expect_model_error(
      {"ScatterND", {{"reduction", attr_string("add")}}, {in(iota({3, 2})), weight(int64s({0}, {1, 1})), in(iota({1, 2}))}},
      {"reduction 'add' is not supported"});
  expect_model_error({"ScatterND", {}, {in(iota({3, 2})), weight(int64s({0}, {1, 1})), in(iota({2, 2}))}},
                     {"input 'updates' has shape [2, 2], expected [1, 2]"});
  expect_model_error({"ScatterND", {}, {in(iota({3, 2})), weight(int64s({0, 0, 0}, {1, 3})), in(iota({1}))}},
                     {"last dimension of input 'indices'", "is 3"});
}

// --- data-dependent shapes ---------------------------------------------------------------------------------------

TEST(DataDependent, NonZeroOfARunTimeTensorIsAClearError) {
  expect_model_error({"NonZero", {}, {in(iota({2, 2}))}},
                     {"output shape depends on the input's values (data-dependent", "dnncost plans static shapes"});
  expect_model_error({"Unique", {}, {in(iota({4}))}}, {"output shape depends on the input's values"});
}

TEST(DataDependent, NonZeroOfAConstantIsFolded) {
  auto r = run_single_op({"NonZero", {}, {weight(Tensor::from_float({0, 3, 0, -1, 2, 0}, {2, 3}))}});
  EXPECT_TRUE(r.folded);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>(r.outputs[0]), (std::vector<int64_t>{0, 1, 1, 1, 0, 1}));  // rows; then columns
}

TEST(DataDependent, ShapeInputsComputedAtRunTimeNameTheInput) {
  const Tensor x = iota({2, 3});
  const struct {
    const char* op;
    const char* input;
    Tensor second;
    std::vector<Tensor> more;
  } cases[] = {{"Reshape", "input 'shape'", Tensor::from_float({3, 2}, {2}), {}},
               {"Expand", "input 'shape'", Tensor::from_float({2, 3}, {2}), {}},
               {"Slice", "input 'starts'", Tensor::from_float({0}, {1}), {int64s({1})}},
               {"Tile", "", Tensor::from_float({1, 1}, {2}), {}}};
  for (const auto& c : cases) {
    const std::string msg = plan_error_with_computed_input(c.op, x, c.second, DType::kInt64, c.more);
    if (std::string(c.op) == "Tile") {  // not an op dnncost runs: listed as unsupported
      EXPECT_NE(msg.find("(Tile)"), std::string::npos) << msg;
      continue;
    }
    EXPECT_NE(msg.find(std::string("node '") + c.op + "_1' (" + c.op + ")"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(c.input) + " must be known at plan time"), std::string::npos) << msg;
    EXPECT_NE(msg.find("computed at run time"), std::string::npos) << msg;
  }
  // ConstantOfShape: its only input is the shape.
  GraphBuilder b(17);
  const std::string s = b.node("Cast", {b.input(Tensor::from_float({2, 2}, {2}))}, {{"to", attr_int(7)}});
  b.output(b.node("ConstantOfShape", {s}));
  const std::string msg = error_message([&] { Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds())); });
  EXPECT_NE(msg.find("node 'ConstantOfShape_1' (ConstantOfShape): input 'input' (the output shape) must be known at "
                     "plan time"),
            std::string::npos)
      << msg;
}

// --- token ids outside the embedding table ---------------------------------------------------------------------

// Gather(table [vocab, 4], ids) with int64 token ids, as a token model's embedding. `info` plans without the ids'
// values, and `run` binds token ids (a Gather's indices) as run-time data too: either way the Gather runs on the device
// and checks them there.
void expect_token_out_of_range(const std::string& device) {
  GraphBuilder b(17);
  const std::string ids = b.input(int64s({1, 7, 2}, {1, 3}));  // 7 >= vocab 5
  b.output(b.node("Gather", {b.weight(iota({5, 4})), ids}));
  const std::vector<std::string> want = {
      "node 'Gather_0' (Gather)", "index 7 (position 1 of input 'indices') is out of range for axis 0 of size 5",
      "-5 <= index < 5"};
  Plan plan(b.graph(), bind_batch(b.graph(), 0));
  ASSERT_EQ(plan.steps().size(), 1u);
  std::unique_ptr<Session> session = make_session(plan, parse_device(device));
  expect_error([&] { session->run(b.feeds()); }, want);
  Plan bound(b.graph(), bind_tensors(b.graph(), b.feeds()));
  ASSERT_EQ(bound.steps().size(), 1u) << "token ids given to run must stay run-time data, not fold the Gather";
  std::unique_ptr<Session> bound_session = make_session(bound, parse_device(device));
  expect_error([&] { bound_session->run(b.feeds()); }, want);
}

TEST(Gather, TokenIdOutsideTheTableIsARunTimeErrorOnRef) { expect_token_out_of_range("ref"); }

TEST(Gather, TokenIdOutsideTheTableIsARunTimeErrorOnCpu) {
  if (!DeviceRegistry::instance().has("cpu")) GTEST_SKIP() << "oneDNN is not built in";
  expect_token_out_of_range("cpu");
}

}  // namespace
}  // namespace dnncost::testing
