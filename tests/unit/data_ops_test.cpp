// Unit tests of the data-movement, shape and conversion ops: Pad, ReduceMean, Shape, Gather, Slice, Constant,
// ConstantOfShape, Cast. Values and shapes on small inputs, cost, folding of shape subgraphs, and bad-input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

Tensor floats(std::vector<float> v, Shape s) { return Tensor::from_float(v, std::move(s)); }
Tensor int64s(std::vector<int64_t> v, Shape s) { return Tensor::from_int64(v, std::move(s)); }
Tensor int64s(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_int64(v, {n});
}
Tensor iota(Shape s) {
  Tensor t(DType::kFloat32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}
template <typename T>
Tensor typed(DType dt, std::vector<T> v, Shape s) {
  Tensor t(dt, std::move(s));
  EXPECT_EQ(t.numel(), static_cast<int64_t>(v.size()));
  std::memcpy(t.raw(), v.data(), v.size() * sizeof(T));
  return t;
}
template <typename T>
std::vector<T> values(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  if (!v.empty()) std::memcpy(v.data(), t.raw(), t.bytes());
  return v;
}

// A small multi-node graph: float graph inputs, initializers, nodes in order; planned with bind_tensors.
struct MultiOpGraph {
  Graph g;
  std::vector<std::shared_ptr<const Tensor>> feeds;

  MultiOpGraph() {
    g.path = "test.onnx";
    g.opset = 17;
  }
  void input(const std::string& name, const Tensor& t) {
    ValueInfo vi;
    vi.name = name;
    vi.dtype = t.dtype();
    vi.has_shape = true;
    for (int64_t d : t.shape()) vi.dims.push_back(Dim{d, ""});
    g.inputs.push_back(vi);
    feeds.push_back(std::make_shared<const Tensor>(t.reshaped(t.shape())));
  }
  void initializer(const std::string& name, const Tensor& t) {
    g.initializers[name] = std::make_shared<const Tensor>(t.reshaped(t.shape()));
  }
  void node(const std::string& op, std::vector<std::string> inputs, const std::string& output,
            std::map<std::string, Attribute> attrs = {}) {
    Node n;
    n.name = output + "_node";
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {output};
    n.attributes = std::move(attrs);
    n.index = static_cast<int>(g.nodes.size());
    g.nodes.push_back(n);
  }
  void output(const std::string& name) {
    ValueInfo vi;
    vi.name = name;
    g.outputs.push_back(vi);
  }
};

// ---------------------------------------------------------------------------------------------------- Pad

TEST(DataOpsPad, ConstantValueInputIsReadAtForwardTime) {
  // pads [begin0, begin1, end0, end1] = [1, 0, 0, 2]; constant_value is a graph input (not known at plan time).
  SingleOp op{"Pad", {}, {in(floats({1, 2, 3, 4, 5, 6}, {2, 3})), weight(int64s({1, 0, 0, 2})), in(floats({9.f}, {}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{3, 5}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 4, 5, 6, 9, 9}));
  EXPECT_FALSE(r.folded);
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.params, 0);            // pads is an initializer but not a parameter
  EXPECT_EQ(r.cost.weight_bytes, 4 * 8);  // ... it is counted in weight bytes
  EXPECT_EQ(r.cost.bytes_written, 15 * 4);
}

TEST(DataOpsPad, ConstantDefaultsToZero) {
  SingleOp op{"Pad", {}, {in(floats({1, 2}, {2})), weight(int64s({1, 1}))}};
  auto r = run_single_op(op);
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{0, 1, 2, 0}));
}

TEST(DataOpsPad, ReflectMirrorsWithoutTheEdge) {
  SingleOp op{"Pad", {{"mode", attr_string("reflect")}}, {in(floats({1, 2, 3, 4}, {4})), weight(int64s({2, 3}))}};
  auto r = run_single_op(op);
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{3, 2, 1, 2, 3, 4, 3, 2, 1}));
}

TEST(DataOpsPad, Reflect2D) {
  // numpy.pad(arange(6).reshape(2, 3), ((1, 1), (2, 0)), mode="reflect")
  SingleOp op{"Pad", {{"mode", attr_string("reflect")}}, {in(iota({2, 3})), weight(int64s({1, 2, 1, 0}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{4, 5}));
  EXPECT_EQ(values<float>(r.outputs[0]),
            (std::vector<float>{5, 4, 3, 4, 5, 2, 1, 0, 1, 2, 5, 4, 3, 4, 5, 2, 1, 0, 1, 2}));
}

TEST(DataOpsPad, EdgeRepeatsTheBorderForInt64) {
  SingleOp op{"Pad", {{"mode", attr_string("edge")}}, {in(int64s({7, 8, 9})), weight(int64s({2, 1}))}};
  auto r = run_single_op(op);
  EXPECT_TRUE(r.folded);  // integer input: evaluated at plan time
  ASSERT_EQ(r.outputs[0].dtype(), DType::kInt64);
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{7, 7, 7, 8, 9, 9}));
}

TEST(DataOpsPad, NegativePadsCrop) {
  // 2x4 input; axis 0: begin 0, end +1; axis 1: begin -1, end -2 -> keeps column 1 only.
  SingleOp op{"Pad", {}, {in(iota({2, 4})), weight(int64s({0, -1, 1, -2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{3, 1}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{1, 5, 0}));
}

TEST(DataOpsPad, NegativePadCropsBeforeReflecting) {
  SingleOp op{"Pad", {{"mode", attr_string("reflect")}}, {in(floats({1, 2, 3, 4, 5}, {5})), weight(int64s({-1, 2}))}};
  auto r = run_single_op(op);
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{2, 3, 4, 5, 4, 3}));
}

TEST(DataOpsPad, AttributeFormsBeforeOpset11) {
  SingleOp op2{"Pad", {{"pads", attr_ints({1, 0})}, {"value", attr_float(1.5f)}}, {in(floats({4, 5}, {2}))}, 1, 2};
  EXPECT_EQ(values<float>(run_single_op(op2).outputs[0]), (std::vector<float>{1.5f, 4, 5}));
  SingleOp op1{
      "Pad", {{"paddings", attr_ints({0, 2})}, {"mode", attr_string("edge")}}, {in(floats({4, 5}, {2}))}, 1, 1};
  EXPECT_EQ(values<float>(run_single_op(op1).outputs[0]), (std::vector<float>{4, 5, 5, 5}));
}

TEST(DataOpsPad, ReflectPadTooLargeIsAnError) {
  SingleOp op{"Pad", {{"mode", attr_string("reflect")}}, {in(floats({1, 2, 3}, {3})), weight(int64s({3, 0}))}};
  expect_model_error(op, {"reflect pads 3 (begin) and 0 (end) on axis 0", "smaller than the dimension 3"});
}

TEST(DataOpsPad, WrongPadCountAndOverCropAreErrors) {
  expect_model_error({"Pad", {}, {in(iota({2, 3})), weight(int64s({1, 1}))}}, {"pads has 2 values, expected 4"});
  expect_model_error({"Pad", {}, {in(iota({3})), weight(int64s({-2, -2}))}}, {"crop more than the dimension 3"});
  expect_model_error({"Pad", {{"mode", attr_string("wrap")}}, {in(iota({3})), weight(int64s({1, 1}))}},
                     {"mode 'wrap' exists from opset 19 on; this model uses opset 17"});
  expect_model_error({"Pad", {{"mode", attr_string("circular")}}, {in(iota({3})), weight(int64s({1, 1}))}, 1, 19},
                     {"mode 'circular' is not supported", "(opset 19+) 'wrap'"});
}

TEST(DataOpsPad, WrapRepeatsPeriodicallyFromOpset19) {
  // numpy.pad([1, 2, 3], (2, 4), mode="wrap"): the pads may be longer than the dimension.
  SingleOp op{"Pad", {{"mode", attr_string("wrap")}}, {in(floats({1, 2, 3}, {3})), weight(int64s({2, 4}))}, 1, 19};
  auto r = run_single_op(op);
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{2, 3, 1, 2, 3, 1, 2, 3, 1}));
  // numpy.pad(arange(6).reshape(2, 3), ((1, 0), (1, 2)), mode="wrap")
  SingleOp op2{"Pad", {{"mode", attr_string("wrap")}}, {in(iota({2, 3})), weight(int64s({1, 1, 0, 2}))}, 1, 21};
  auto r2 = run_single_op(op2);
  ASSERT_EQ(r2.outputs[0].shape(), (Shape{3, 6}));
  EXPECT_EQ(values<float>(r2.outputs[0]), (std::vector<float>{5, 3, 4, 5, 3, 4, 2, 0, 1, 2, 0, 1, 5, 3, 4, 5, 3, 4}));
  EXPECT_EQ(r2.cost.flops, 0);
}

TEST(DataOpsPad, AxesInputFromOpset18PadsTheListedAxesOnly) {
  // 2x3 input; axes [-1]: pads [begin, end] = [1, 2] of the last axis only; constant_value absent (zero).
  SingleOp op{"Pad", {}, {in(iota({2, 3})), weight(int64s({1, 2})), absent(), weight(int64s({-1}))}, 1, 18};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 6}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{0, 0, 1, 2, 0, 0, 0, 3, 4, 5, 0, 0}));
  EXPECT_EQ(r.cost.params, 0);  // pads and axes are initializers, not parameters
  // The same with both axes listed in reverse order: pads are [begin of 1, begin of 0, end of 1, end of 0].
  SingleOp both{"Pad",
                {{"mode", attr_string("edge")}},
                {in(iota({2, 3})), weight(int64s({0, 1, 1, 0})), absent(), weight(int64s({1, 0}))},
                1,
                18};
  auto rb = run_single_op(both);
  ASSERT_EQ(rb.outputs[0].shape(), (Shape{3, 4}));
  EXPECT_EQ(values<float>(rb.outputs[0]), (std::vector<float>{0, 1, 2, 2, 0, 1, 2, 2, 3, 4, 5, 5}));
}

TEST(DataOpsPad, AxesInputErrors) {
  expect_model_error({"Pad", {}, {in(iota({2, 3})), weight(int64s({1, 2})), absent(), weight(int64s({1}))}, 1, 17},
                     {"input 'axes' exists from opset 18 on"});
  expect_model_error({"Pad", {}, {in(iota({2, 3})), weight(int64s({1, 2, 3})), absent(), weight(int64s({1}))}, 1, 18},
                     {"pads has 3 values, expected 2", "1 axes in input 'axes'"});
  expect_model_error(
      {"Pad", {}, {in(iota({2, 3})), weight(int64s({1, 2, 0, 0})), absent(), weight(int64s({1, -1}))}, 1, 18},
      {"axis -1 is listed twice in input 'axes'"});
  expect_model_error({"Pad", {}, {in(iota({2, 3})), weight(int64s({1, 2})), absent(), weight(int64s({2}))}, 1, 18},
                     {"axis 2 in input 'axes' is out of range for a 2-D input"});
}

TEST(DataOpsPad, PadsComputedAtRunTimeAreAnError) {
  // pads = Cast(float graph input): not known at plan time.
  MultiOpGraph m;
  m.input("x", iota({4}));
  m.input("p", floats({1, 1}, {2}));
  m.node("Cast", {"p"}, "pads", {{"to", attr_int(static_cast<int64_t>(DType::kInt64))}});
  m.node("Pad", {"x", "pads"}, "y");
  m.output("y");
  expect_error([&] { Plan plan(m.g, bind_tensors(m.g, m.feeds)); },
               {"node 'y_node' (Pad)", "input 'pads' must be known at plan time"});
}

// --------------------------------------------------------------------------------------------- ReduceMean

TEST(DataOpsReduceMean, KeepdimsOneValuesAndCost) {
  SingleOp op{"ReduceMean", {{"axes", attr_ints({1})}}, {in(iota({2, 3, 2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 1, 2}));
  // mean over axis 1 of [[0,1],[2,3],[4,5]] and [[6,7],[8,9],[10,11]]
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{2, 3, 8, 9}));
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 12 + 4);  // one add per input element, one divide per output element
}

TEST(DataOpsReduceMean, KeepdimsZeroWithNegativeAxes) {
  SingleOp op{"ReduceMean", {{"axes", attr_ints({-1, 0})}, {"keepdims", attr_int(0)}}, {in(iota({2, 3, 2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{3}));
  // over axes 0 and 2: {0,1,6,7} -> 3.5, {2,3,8,9} -> 5.5, {4,5,10,11} -> 7.5
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{3.5f, 5.5f, 7.5f}));
  EXPECT_EQ(r.cost.flops, 12 + 3);
}

TEST(DataOpsReduceMean, NoAxesReducesEverything) {
  SingleOp keep{"ReduceMean", {}, {in(iota({2, 3}))}};
  auto r = run_single_op(keep);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1, 1}));
  EXPECT_FLOAT_EQ(r.outputs[0].data<float>()[0], 2.5f);
  SingleOp drop{"ReduceMean", {{"keepdims", attr_int(0)}}, {in(iota({2, 3}))}};
  EXPECT_EQ(run_single_op(drop).outputs[0].shape(), (Shape{}));
}

TEST(DataOpsReduceMean, AxesAsInputAndNoopWithEmptyAxes) {
  SingleOp op{"ReduceMean", {{"keepdims", attr_int(0)}}, {in(iota({2, 3})), weight(int64s({0}))}};
  EXPECT_EQ(values<float>(run_single_op(op).outputs[0]), (std::vector<float>{1.5f, 2.5f, 3.5f}));
  SingleOp noop{"ReduceMean", {{"noop_with_empty_axes", attr_int(1)}}, {in(floats({1, 2}, {2}))}};
  EXPECT_EQ(values<float>(run_single_op(noop).outputs[0]), (std::vector<float>{1, 2}));
}

TEST(DataOpsReduceMean, BadAxesAreErrors) {
  expect_model_error({"ReduceMean", {{"axes", attr_ints({2})}}, {in(iota({2, 3}))}},
                     {"axis 2 is out of range for a 2-D input", "-2 <= axis < 2"});
  expect_model_error({"ReduceMean", {{"axes", attr_ints({1, -1})}}, {in(iota({2, 3}))}}, {"listed twice"});
  expect_model_error({"ReduceMean", {}, {in(int64s({1, 2}))}}, {"must be float"});
}

// -------------------------------------------------------------------------------------------------- Shape

TEST(DataOpsShape, IsEvaluatedAtPlanTimeForRuntimeData) {
  SingleOp op{"Shape", {}, {in(iota({2, 3, 4}))}};  // float graph input: not constant, still folded
  auto r = run_single_op(op);
  EXPECT_TRUE(r.folded);
  ASSERT_EQ(r.outputs[0].dtype(), DType::kInt64);
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{2, 3, 4}));
}

TEST(DataOpsShape, StartAndEndClamp) {
  auto shape_of = [](std::map<std::string, Attribute> attrs) {
    return run_single_op({"Shape", std::move(attrs), {in(iota({2, 3, 4}))}, 1, 15}).outputs[0];
  };
  EXPECT_EQ(shape_of({{"start", attr_int(1)}, {"end", attr_int(-1)}}).to_int64_vector(), (std::vector<int64_t>{3}));
  EXPECT_EQ(shape_of({{"start", attr_int(-10)}, {"end", attr_int(10)}}).to_int64_vector(),
            (std::vector<int64_t>{2, 3, 4}));
  const Tensor empty = shape_of({{"start", attr_int(2)}, {"end", attr_int(1)}});
  EXPECT_EQ(empty.shape(), (Shape{0}));
}

// ------------------------------------------------------------------------------------------------- Gather

TEST(DataOpsGather, Axis0WithNegativeIndices) {
  SingleOp op{"Gather", {}, {in(iota({3, 2})), weight(int64s({0, -1, 1, 0}, {2, 2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{0, 1, 4, 5, 2, 3, 0, 1}));
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.params, 0);
}

TEST(DataOpsGather, Axis1Int32IndicesAndScalarIndex) {
  SingleOp op{
      "Gather", {{"axis", attr_int(-1)}}, {in(iota({2, 3})), weight(typed<int32_t>(DType::kInt32, {2, -3}, {2}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{2, 0, 5, 3}));
  SingleOp scalar{"Gather", {{"axis", attr_int(1)}}, {in(iota({2, 3})), weight(int64s({1}, {}))}};
  auto s = run_single_op(scalar);
  ASSERT_EQ(s.outputs[0].shape(), (Shape{2}));
  EXPECT_EQ(values<float>(s.outputs[0]), (std::vector<float>{1, 4}));
}

TEST(DataOpsGather, AnyElementType) {
  SingleOp op{"Gather", {}, {weight(typed<uint8_t>(DType::kUint8, {10, 20, 30}, {3})), weight(int64s({2, 0}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].dtype(), DType::kUint8);
  EXPECT_EQ(values<uint8_t>(r.outputs[0]), (std::vector<uint8_t>{30, 10}));
}

TEST(DataOpsGather, IndexOutOfRangeAtPlanTime) {
  SingleOp op{"Gather", {}, {in(iota({3, 2})), weight(int64s({3}))}};
  expect_model_error(op, {"index 3", "out of range for axis 0 of size 3", "-3 <= index < 3"});
  SingleOp neg{"Gather", {}, {in(iota({3, 2})), weight(int64s({-4}))}};
  expect_model_error(neg, {"index -4"});
}

TEST(DataOpsGather, IndexOutOfRangeAtRunTime) {
  // indices = Cast(float graph input): only known when the layer runs.
  MultiOpGraph m;
  m.input("x", iota({3}));
  m.input("i", floats({1, 7}, {2}));
  m.node("Cast", {"i"}, "idx", {{"to", attr_int(static_cast<int64_t>(DType::kInt64))}});
  m.node("Gather", {"x", "idx"}, "y");
  m.output("y");
  Plan plan(m.g, bind_tensors(m.g, m.feeds));
  RefSession session(plan);
  expect_error([&] { session.run(m.feeds); },
               {"node 'y_node' (Gather)", "index 7 (position 1 of input 'indices') is out of range"});
}

// -------------------------------------------------------------------------------------------------- Slice

TEST(DataOpsSlice, StartsEndsDefaultAxes) {
  SingleOp op{"Slice", {}, {in(iota({3, 4})), weight(int64s({0, 1})), weight(int64s({2, kInt64Max}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{1, 2, 3, 5, 6, 7}));
  EXPECT_EQ(r.cost.flops, 0);
}

TEST(DataOpsSlice, NegativeStepsAndClamping) {
  auto slice1d = [](int64_t start, int64_t end, int64_t step) {
    SingleOp op{
        "Slice",
        {},
        {in(iota({10})), weight(int64s({start})), weight(int64s({end})), weight(int64s({0})), weight(int64s({step}))}};
    return values<float>(run_single_op(op).outputs[0]);
  };
  EXPECT_EQ(slice1d(-1, kInt64Min, -3), (std::vector<float>{9, 6, 3, 0}));
  EXPECT_EQ(slice1d(100, -100, -4), (std::vector<float>{9, 5, 1}));  // start clamps to 9, end to -1
  EXPECT_EQ(slice1d(5, 2, -1), (std::vector<float>{5, 4, 3}));
  EXPECT_EQ(slice1d(-3, kInt64Max, 1), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(slice1d(-100, 3, 2), (std::vector<float>{0, 2}));
  EXPECT_EQ(slice1d(20, 30, 1), (std::vector<float>{}));  // start past the end: empty
  EXPECT_EQ(slice1d(2, 5, -1), (std::vector<float>{}));   // wrong direction: empty
  EXPECT_EQ(slice1d(0, 10, kInt64Max), (std::vector<float>{0}));
  EXPECT_EQ(slice1d(9, kInt64Min, kInt64Min), (std::vector<float>{9}));
  // The spec clamps an adjusted start of -5 to 0 for negative steps (numpy would give an empty slice here).
  EXPECT_EQ(slice1d(-15, kInt64Min, -1), (std::vector<float>{0}));
}

TEST(DataOpsSlice, NegativeAxesAnyTypeAndEmptyDim) {
  SingleOp op{"Slice",
              {},
              {in(int64s({1, 2, 3, 4, 5, 6}, {2, 3})), weight(int64s({-1})), weight(int64s({kInt64Min})),
               weight(int64s({-1})), weight(int64s({-1}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{3, 2, 1, 6, 5, 4}));
  SingleOp empty{
      "Slice",
      {},
      {in(iota({0})), weight(int64s({-3})), weight(int64s({kInt64Min})), weight(int64s({0})), weight(int64s({-1}))}};
  EXPECT_EQ(run_single_op(empty).outputs[0].shape(), (Shape{0}));
}

TEST(DataOpsSlice, AttributeFormBeforeOpset10) {
  SingleOp op{"Slice",
              {{"starts", attr_ints({1})}, {"ends", attr_ints({1000})}, {"axes", attr_ints({1})}},
              {in(iota({2, 3}))},
              1,
              9};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{1, 2, 4, 5}));
}

TEST(DataOpsSlice, BadArgumentsAreErrors) {
  expect_model_error(
      {"Slice",
       {},
       {in(iota({4})), weight(int64s({0})), weight(int64s({4})), weight(int64s({0})), weight(int64s({0}))}},
      {"step for axis 0 is 0"});
  expect_model_error(
      {"Slice", {}, {in(iota({2, 2})), weight(int64s({0, 0})), weight(int64s({1, 1})), weight(int64s({1, -1}))}},
      {"listed twice"});
  expect_model_error({"Slice", {}, {in(iota({4})), weight(int64s({0, 1})), weight(int64s({4}))}},
                     {"starts has 2 values but ends has 1"});
  expect_model_error({"Slice", {}, {in(iota({4})), weight(int64s({0})), weight(int64s({4})), weight(int64s({1}))}},
                     {"axis 1 is out of range for a 1-D input"});
}

// ---------------------------------------------------------------------------------- Constant, ConstantOfShape

TEST(DataOpsConstant, ValueTensorAndScalarForms) {
  auto r = run_single_op({"Constant", {{"value", attr_tensor(floats({1, 2, 3}, {3}))}}, {}});
  EXPECT_TRUE(r.folded);
  EXPECT_EQ(values<float>(r.outputs[0]), (std::vector<float>{1, 2, 3}));
  auto f = run_single_op({"Constant", {{"value_float", attr_float(2.5f)}}, {}});
  ASSERT_EQ(f.outputs[0].shape(), (Shape{}));
  EXPECT_EQ(f.outputs[0].data<float>()[0], 2.5f);
  auto fs = run_single_op({"Constant", {{"value_floats", attr_floats({1.f, -1.f})}}, {}});
  EXPECT_EQ(values<float>(fs.outputs[0]), (std::vector<float>{1, -1}));
  auto i = run_single_op({"Constant", {{"value_int", attr_int(-7)}}, {}});
  ASSERT_EQ(i.outputs[0].dtype(), DType::kInt64);
  EXPECT_EQ(i.outputs[0].shape(), (Shape{}));
  EXPECT_EQ(i.outputs[0].to_int64_vector(), (std::vector<int64_t>{-7}));
  auto is = run_single_op({"Constant", {{"value_ints", attr_ints({4, 5})}}, {}});
  EXPECT_EQ(is.outputs[0].to_int64_vector(), (std::vector<int64_t>{4, 5}));
}

TEST(DataOpsConstant, StringSparseAndMissingValuesAreErrors) {
  expect_model_error({"Constant", {{"value_string", attr_string("hello")}}, {}},
                     {"'value_string' holds strings", "expected a numeric value"});
  Attribute sparse;
  sparse.type = Attribute::Type::kOther;
  expect_model_error({"Constant", {{"sparse_value", sparse}}, {}}, {"'sparse_value'", "not supported"});
  expect_model_error({"Constant", {}, {}}, {"expected exactly one of the attributes", "got none"});
  expect_model_error({"Constant", {{"value_int", attr_int(1)}, {"value_float", attr_float(1.f)}}, {}},
                     {"got value_float, value_int"});
}

TEST(DataOpsConstantOfShape, FillsWithValueOfItsType) {
  auto r = run_single_op(
      {"ConstantOfShape", {{"value", attr_tensor(typed<int32_t>(DType::kInt32, {7}, {1}))}}, {in(int64s({2, 3}))}});
  EXPECT_TRUE(r.folded);
  ASSERT_EQ(r.outputs[0].dtype(), DType::kInt32);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int32_t>(r.outputs[0]), (std::vector<int32_t>(6, 7)));
  auto d = run_single_op({"ConstantOfShape", {}, {in(int64s({3}))}});
  ASSERT_EQ(d.outputs[0].dtype(), DType::kFloat32);
  EXPECT_EQ(values<float>(d.outputs[0]), (std::vector<float>{0, 0, 0}));
  auto scalar = run_single_op({"ConstantOfShape", {}, {in(int64s({}))}});  // empty shape: a scalar
  EXPECT_EQ(scalar.outputs[0].shape(), (Shape{}));
  auto empty = run_single_op({"ConstantOfShape", {}, {in(int64s({2, 0}))}});
  EXPECT_EQ(empty.outputs[0].numel(), 0);
}

TEST(DataOpsConstantOfShape, BadShapeOrValueAreErrors) {
  expect_model_error({"ConstantOfShape", {}, {in(int64s({2, -1}))}}, {"output shape [2, -1] has a negative dimension"});
  expect_model_error({"ConstantOfShape", {{"value", attr_tensor(floats({1, 2}, {2}))}}, {in(int64s({2}))}},
                     {"'value' must have exactly one element, got shape [2]"});
  expect_model_error({"ConstantOfShape", {}, {in(floats({2}, {1}))}}, {"must be int64"});
}

// --------------------------------------------------------------------------------------------------- Cast

TEST(DataOpsCast, FloatToIntTruncatesTowardZero) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  SingleOp op{"Cast",
              {{"to", attr_int(static_cast<int64_t>(DType::kInt32))}},
              {in(floats({1.9f, -1.9f, 2.5f, -0.5f, 3e9f, -3e9f, nan}, {7}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].dtype(), DType::kInt32);
  // In range: truncated; out of range (undefined in ONNX) saturates; NaN gives 0.
  EXPECT_EQ(values<int32_t>(r.outputs[0]), (std::vector<int32_t>{1, -1, 2, 0, 2147483647, -2147483647 - 1, 0}));
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.macs, 0);
  SingleOp to_u8{"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kUint8))}}, {in(floats({255.9f, -3.f}, {2}))}};
  EXPECT_EQ(values<uint8_t>(run_single_op(to_u8).outputs[0]), (std::vector<uint8_t>{255, 0}));
}

TEST(DataOpsCast, Float16RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties go to the even one (1).
  const float tie_down = 1.f + std::ldexp(1.f, -11), tie_up = 1.f + 3 * std::ldexp(1.f, -11);
  SingleOp op{"Cast",
              {{"to", attr_int(static_cast<int64_t>(DType::kFloat16))}},
              {in(floats({tie_down, tie_up, 1.f / 3.f, 65504.f, 65520.f, -0.f}, {6}))}};
  const Tensor h = run_single_op(op).outputs[0];
  ASSERT_EQ(h.dtype(), DType::kFloat16);
  EXPECT_EQ(values<uint16_t>(h), (std::vector<uint16_t>{0x3c00, 0x3c02, 0x3555, 0x7bff, 0x7c00, 0x8000}));
  SingleOp back{"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kFloat32))}}, {in(h)}};
  EXPECT_EQ(values<float>(run_single_op(back).outputs[0]),
            (std::vector<float>{1.f, 1.f + std::ldexp(1.f, -9), 0.333251953125f, 65504.f, INFINITY, -0.f}));
}

TEST(DataOpsCast, Float16RoundTripIsExactForEveryValue) {
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  const Tensor h = typed<uint16_t>(DType::kFloat16, all, {65536});
  const Tensor f = run_single_op({"Cast", {{"to", attr_int(1)}}, {in(h)}}).outputs[0];
  const Tensor h2 = run_single_op({"Cast", {{"to", attr_int(10)}}, {in(f)}}).outputs[0];
  const std::vector<uint16_t> got = values<uint16_t>(h2);
  for (size_t i = 0; i < all.size(); ++i) {
    const bool nan = (i & 0x7c00) == 0x7c00 && (i & 0x3ff) != 0;
    if (nan)
      EXPECT_TRUE(std::isnan(f.data<float>()[i])) << i;
    else
      ASSERT_EQ(got[i], all[i]) << "half bits 0x" << std::hex << i;
  }
}

TEST(DataOpsCast, DoubleToFloat16AndBfloat16RoundOnce) {
  // Just above the half-way point between 1 and 1 + 2^-10: a double -> float -> half path would round to the tie
  // first and then to 1; the correct result is 1 + 2^-10 (0x3c01).
  const double above_tie = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
  const Tensor d = typed<double>(DType::kFloat64, {above_tie, 1.0 + std::ldexp(1.0, -8)}, {2});
  EXPECT_EQ(values<uint16_t>(run_single_op({"Cast", {{"to", attr_int(10)}}, {in(d)}}).outputs[0])[0], 0x3c01);
  // bfloat16: 1 + 2^-8 is a tie between 1 (0x3f80) and 1 + 2^-7 (0x3f81): to even.
  EXPECT_EQ(values<uint16_t>(run_single_op({"Cast", {{"to", attr_int(16)}}, {in(d)}}).outputs[0]),
            (std::vector<uint16_t>{0x3f80, 0x3f80}));
  const Tensor f = floats({1.f + 3 * std::ldexp(1.f, -8)}, {1});
  EXPECT_EQ(values<uint16_t>(run_single_op({"Cast", {{"to", attr_int(16)}}, {in(f)}}).outputs[0])[0], 0x3f82);
}

TEST(DataOpsCast, IntegersWrapAndBoolsAreZeroOrOne) {
  SingleOp wrap{"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kInt8))}}, {in(int64s({300, -129, 5}))}};
  auto r = run_single_op(wrap);
  EXPECT_TRUE(r.folded);
  EXPECT_EQ(values<int8_t>(r.outputs[0]), (std::vector<int8_t>{44, 127, 5}));
  SingleOp to_bool{"Cast",
                   {{"to", attr_int(static_cast<int64_t>(DType::kBool))}},
                   {in(floats({0.f, -0.5f, std::numeric_limits<float>::quiet_NaN()}, {3}))}};
  EXPECT_EQ(values<uint8_t>(run_single_op(to_bool).outputs[0]), (std::vector<uint8_t>{0, 1, 1}));
  SingleOp from_bool{"Cast", {{"to", attr_int(1)}}, {in(typed<uint8_t>(DType::kBool, {0, 1}, {2}))}};
  EXPECT_EQ(values<float>(run_single_op(from_bool).outputs[0]), (std::vector<float>{0, 1}));
  SingleOp big{"Cast", {{"to", attr_int(1)}}, {in(int64s({kInt64Max, -(int64_t{1} << 40)}))}};
  EXPECT_EQ(values<float>(run_single_op(big).outputs[0]),
            (std::vector<float>{9.223372036854775808e18f, -1099511627776.f}));
}

TEST(DataOpsCast, Opset1TypeNameAndUnsupportedTargets) {
  SingleOp op1{"Cast", {{"to", attr_string("INT64")}}, {in(floats({-2.7f}, {1}))}, 1, 1};
  EXPECT_EQ(run_single_op(op1).outputs[0].to_int64_vector(), (std::vector<int64_t>{-2}));
  expect_model_error({"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kString))}}, {in(floats({1}, {1}))}},
                     {"cast target 'to' = 8 (string) is not supported", "expected one of float"});
  expect_model_error({"Cast", {{"to", attr_int(17)}}, {in(floats({1}, {1}))}}, {"cast target 'to' = 17"});
  expect_model_error({"Cast", {{"to", attr_string("COMPLEX64")}}, {in(floats({1}, {1}))}, 1, 1},
                     {"cast target 'to' = COMPLEX64"});
  expect_model_error({"Cast", {}, {in(floats({1}, {1}))}}, {"missing required attribute 'to'"});
}

TEST(DataOpsCast, SaturateFromOpset19IsAcceptedAndChangesNoSupportedTarget) {
  // saturate only concerns float8 targets: a float -> int8 cast still wraps as without it.
  for (int64_t saturate : {0, 1}) {
    SingleOp op{"Cast",
                {{"to", attr_int(static_cast<int64_t>(DType::kInt32))}, {"saturate", attr_int(saturate)}},
                {in(floats({-2.7f, 3.5f}, {2}))},
                1,
                19};
    EXPECT_EQ(run_single_op(op).outputs[0].to_int64_vector(), (std::vector<int64_t>{-2, 3}));
  }
  expect_model_error({"Cast", {{"to", attr_int(1)}, {"saturate", attr_int(1)}}, {in(floats({1}, {1}))}, 1, 18},
                     {"attribute 'saturate' exists from opset 19 on"});
  expect_model_error({"Cast", {{"to", attr_int(1)}, {"saturate", attr_int(2)}}, {in(floats({1}, {1}))}, 1, 19},
                     {"saturate is 2, expected 0 or 1"});
  // The int4 types of opset 21 (UINT4 = 21, INT4 = 22) are not dnncost types.
  expect_model_error({"Cast", {{"to", attr_int(22)}}, {in(floats({1}, {1}))}, 1, 21}, {"cast target 'to' = 22"});
}

// ------------------------------------------------------------------------------------- shape subgraphs fold

TEST(DataOpsFolding, ShapeSubgraphsFoldAndFeedPlanTimeInputs) {
  // Shape(x) -> Gather -> ConstantOfShape, and Shape(x) -> Slice -> Cast, and pads from Shape(x) -> Gather -> Pad:
  // everything but the Pad is evaluated at plan time although x is a run-time input.
  MultiOpGraph m;
  m.input("x", iota({2, 3}));
  m.initializer("pick", int64s({1, 0}));
  m.initializer("pad_pick", int64s({0, 0, 0, 1}));
  m.initializer("start", int64s({-1}));
  m.initializer("end", int64s({kInt64Max}));
  m.node("Shape", {"x"}, "shape");
  m.node("Gather", {"shape", "pick"}, "swapped");  // [3, 2]
  m.node("ConstantOfShape", {"swapped"}, "ones", {{"value", attr_tensor(floats({1.f}, {1}))}});
  m.node("Slice", {"shape", "start", "end"}, "last");  // [3]
  m.node("Cast", {"last"}, "last_f", {{"to", attr_int(1)}});
  m.node("Gather", {"shape", "pad_pick"}, "pads");  // [2, 2, 2, 3]
  m.node("Pad", {"x", "pads"}, "padded");
  m.output("ones");
  m.output("last_f");
  m.output("padded");
  Plan plan(m.g, bind_tensors(m.g, m.feeds));
  ASSERT_EQ(plan.steps().size(), 1u);
  EXPECT_EQ(plan.steps()[0].node->op_type, "Pad");
  EXPECT_EQ(plan.folded().size(), 6u);
  RefSession session(plan);
  const std::vector<Tensor> out = session.run(m.feeds);
  EXPECT_EQ(out[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(values<float>(out[0]), (std::vector<float>(6, 1.f)));
  EXPECT_EQ(values<float>(out[1]), (std::vector<float>{3.f}));
  EXPECT_EQ(out[2].shape(), (Shape{6, 8}));
}

}  // namespace
}  // namespace dnncost::testing
