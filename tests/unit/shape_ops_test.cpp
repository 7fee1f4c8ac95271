// Unit tests of the data-movement layers: Concat, Split, Flatten, Reshape, Transpose, Squeeze, Unsqueeze,
// Identity, Dropout. Shapes for typical and edge cases, values against naive index arithmetic, int64 shape
// tensors passing through, opset forms (attribute vs input), zero cost, and errors naming the node.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// 0, 1, 2, ... as float32.
Tensor iota_float(const Shape& s) {
  Tensor t(DType::kFloat32, s);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(i);
  return t;
}

// 0, 1, 2, ... (times `scale`) as int64, e.g. a shape subgraph value.
Tensor iota_int64(const Shape& s, int64_t scale = 1) {
  std::vector<int64_t> v(static_cast<size_t>(shape_numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i) * scale;
  return Tensor::from_int64(v, s);
}

std::vector<float> floats_of(const Tensor& t) {
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

// Byte-for-byte equality of type, shape and data.
void expect_same_tensor(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.dtype(), want.dtype());
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.bytes(), want.bytes());
  EXPECT_EQ(std::memcmp(got.raw(), want.raw(), got.bytes()), 0);
}

// Zero arithmetic: data movement has no MACs and no FLOPs, and no params.
void expect_no_arithmetic(const SingleOpResult& r) {
  EXPECT_EQ(r.cost.macs, 0);
  EXPECT_EQ(r.cost.flops, 0);
  EXPECT_EQ(r.cost.params, 0);
}

// Plans a one-node graph whose input 1 (int64, shape `second_shape`) is only known at run time: the graph is
// planned with bind_batch, which binds shapes but no values. Returns the error message ("" when none).
std::string plan_error_with_runtime_second_input(const std::string& op_type, int64_t opset, const Shape& data_shape,
                                                 const Shape& second_shape) {
  Graph g;
  g.path = "test.onnx";
  g.opset = opset;
  ValueInfo x{"x", DType::kFloat32, true, {}};
  for (int64_t d : data_shape) x.dims.push_back(Dim{d, ""});
  ValueInfo s{"s", DType::kInt64, true, {}};
  for (int64_t d : second_shape) s.dims.push_back(Dim{d, ""});
  g.inputs = {x, s};
  Node n;
  n.name = "node0";
  n.op_type = op_type;
  n.inputs = {"x", "s"};
  n.outputs = {"y"};
  g.nodes.push_back(n);
  g.outputs.push_back(ValueInfo{"y", DType::kUndefined, false, {}});
  return error_message([&] { Plan plan(g, bind_batch(g, 0)); });
}

// ---------------------------------------------------------------------------------------------------- Concat

TEST(ShapeOpsConcat, Axis1ValuesShapeAndZeroCost) {
  SingleOp op{"Concat", {{"axis", attr_int(1)}}, {in(iota_float({2, 2, 3})), in(iota_float({2, 1, 3}))}};
  auto r = run_single_op(op);
  ASSERT_FALSE(r.folded);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 3}));
  // Row b of the output: 2 rows of input 0 (batch b), then 1 row of input 1 (batch b).
  const std::vector<float> want = {0, 1, 2, 3, 4, 5, 0, 1, 2, 6, 7, 8, 9, 10, 11, 3, 4, 5};
  EXPECT_EQ(floats_of(r.outputs[0]), want);
  expect_no_arithmetic(r);
  EXPECT_EQ(r.cost.bytes_read, (12 + 6) * 4);
  EXPECT_EQ(r.cost.bytes_written, 18 * 4);
}

TEST(ShapeOpsConcat, NegativeAxisAndThreeInputs) {
  SingleOp op{"Concat",
              {{"axis", attr_int(-1)}},
              {in(Tensor::from_float({1, 2}, {2, 1})), in(Tensor::from_float({3, 4, 5, 6}, {2, 2})),
               in(Tensor::from_float({7, 8}, {2, 1}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(floats_of(r.outputs[0]), (std::vector<float>{1, 3, 4, 7, 2, 5, 6, 8}));
}

TEST(ShapeOpsConcat, Int64ShapeVectorsPassThrough) {
  // The typical shape subgraph: Concat(Shape(x)[0:1], [-1]) as the target of a Reshape.
  SingleOp op{
      "Concat", {{"axis", attr_int(0)}}, {in(Tensor::from_int64({8}, {1})), in(Tensor::from_int64({-1, 4096}, {2}))}};
  auto r = run_single_op(op);
  EXPECT_TRUE(r.folded);  // integer inputs are plan-time values
  ASSERT_EQ(r.outputs[0].dtype(), DType::kInt64);
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{8, -1, 4096}));
}

TEST(ShapeOpsConcat, ZeroSizeInputsAreAllowed) {
  SingleOp op{"Concat",
              {{"axis", attr_int(1)}},
              {in(Tensor(DType::kFloat32, {2, 0})), in(Tensor::from_float({1, 2, 3, 4}, {2, 2})),
               in(Tensor(DType::kFloat32, {2, 0}))}};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(floats_of(r.outputs[0]), (std::vector<float>{1, 2, 3, 4}));
}

TEST(ShapeOpsConcat, AxisDefaultsTo1BeforeOpset4AndIsRequiredAfter) {
  SingleOp old{"Concat", {}, {in(iota_float({2, 1})), in(iota_float({2, 2}))}};
  old.opset = 3;
  EXPECT_EQ(run_single_op(old).outputs[0].shape(), (Shape{2, 3}));
  SingleOp current = old;
  current.opset = 11;
  expect_model_error(current, {"missing required attribute 'axis'"});
}

TEST(ShapeOpsConcat, MismatchedDimsAreNamed) {
  SingleOp op{"Concat", {{"axis", attr_int(1)}}, {in(iota_float({2, 3})), in(iota_float({3, 3}))}};
  expect_model_error(op, {"input 1 has shape [3, 3]", "input 0 has shape [2, 3]", "dim 0 is 3, expected 2"});
}

TEST(ShapeOpsConcat, BadRankTypeAndAxis) {
  expect_model_error({"Concat", {{"axis", attr_int(0)}}, {in(iota_float({2, 3})), in(iota_float({6}))}}, {"same rank"});
  expect_model_error({"Concat", {{"axis", attr_int(0)}}, {in(iota_float({2})), in(iota_int64({2}))}},
                     {"input 1 has element type int64, expected float"});
  expect_model_error({"Concat", {{"axis", attr_int(2)}}, {in(iota_float({2, 3})), in(iota_float({2, 3}))}},
                     {"axis 2 is out of range for a rank-2 input"});
}

// ----------------------------------------------------------------------------------------------------- Split

TEST(ShapeOpsSplit, EqualPartsDefaultAxis) {
  SingleOp op{"Split", {}, {in(iota_float({6, 2}))}, 3};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(r.outputs[k].shape(), (Shape{2, 2}));
    EXPECT_EQ(r.outputs[k].data<float>()[0], 4.f * k);
  }
  expect_no_arithmetic(r);
  EXPECT_EQ(r.cost.bytes_written, 12 * 4);
}

TEST(ShapeOpsSplit, AttributeSizesBeforeOpset13) {
  SingleOp op{"Split", {{"axis", attr_int(1)}, {"split", attr_ints({1, 3})}}, {in(iota_float({2, 4}))}, 2};
  op.opset = 11;
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 1}));
  ASSERT_EQ(r.outputs[1].shape(), (Shape{2, 3}));
  EXPECT_EQ(floats_of(r.outputs[0]), (std::vector<float>{0, 4}));
  EXPECT_EQ(floats_of(r.outputs[1]), (std::vector<float>{1, 2, 3, 5, 6, 7}));
}

TEST(ShapeOpsSplit, InputSizesFromOpset13IncludingZeroSize) {
  SingleOp op{
      "Split", {{"axis", attr_int(-1)}}, {in(iota_float({2, 4})), weight(Tensor::from_int64({3, 0, 1}, {3}))}, 3};
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3}));
  ASSERT_EQ(r.outputs[1].shape(), (Shape{2, 0}));
  ASSERT_EQ(r.outputs[2].shape(), (Shape{2, 1}));
  EXPECT_EQ(floats_of(r.outputs[2]), (std::vector<float>{3, 7}));
  expect_no_arithmetic(r);  // the split sizes are not parameters
}

TEST(ShapeOpsSplit, Int64Data) {
  SingleOp op{"Split", {}, {in(Tensor::from_int64({1, 3, 224, 224}, {4}))}, 2};
  auto r = run_single_op(op);
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(r.outputs[1].to_int64_vector(), (std::vector<int64_t>{224, 224}));
}

TEST(ShapeOpsSplit, Errors) {
  expect_model_error({"Split", {{"axis", attr_int(1)}}, {in(iota_float({2, 7}))}, 3},
                     {"cannot split axis 1 of size 7", "into 3 equal parts"});
  SingleOp sum{"Split", {}, {in(iota_float({5})), weight(Tensor::from_int64({2, 2}, {2}))}, 2};
  expect_model_error(sum, {"split [2, 2] sums to 4, expected the size 5 of axis 0"});
  SingleOp count{"Split", {}, {in(iota_float({4})), weight(Tensor::from_int64({2, 2}, {2}))}, 3};
  expect_model_error(count, {"split [2, 2] has 2 values, expected one per output (3)"});
  SingleOp attr13{"Split", {{"split", attr_ints({2, 2})}}, {in(iota_float({4}))}, 2};
  expect_model_error(attr13, {"'split' attribute was replaced by the 'split' input in opset 13"});
  SingleOp negative{"Split", {{"split", attr_ints({-1, 5})}}, {in(iota_float({4}))}, 2};
  negative.opset = 11;
  expect_model_error(negative, {"negative size"});
}

TEST(ShapeOpsSplit, NumOutputsFromOpset18LastPartSmaller) {
  SingleOp op{"Split", {{"axis", attr_int(1)}, {"num_outputs", attr_int(3)}}, {in(iota_float({2, 7}))}, 3};
  op.opset = 18;
  auto r = run_single_op(op);
  ASSERT_EQ(r.outputs.size(), 3u);
  EXPECT_EQ(r.outputs[0].shape(), (Shape{2, 3}));  // ceil(7 / 3)
  EXPECT_EQ(r.outputs[1].shape(), (Shape{2, 3}));
  ASSERT_EQ(r.outputs[2].shape(), (Shape{2, 1}));
  EXPECT_EQ(floats_of(r.outputs[1]), (std::vector<float>{3, 4, 5, 10, 11, 12}));
  EXPECT_EQ(floats_of(r.outputs[2]), (std::vector<float>{6, 13}));
  expect_no_arithmetic(r);
  SingleOp even{"Split", {{"num_outputs", attr_int(2)}}, {in(iota_float({4}))}, 2};
  even.opset = 21;
  auto e = run_single_op(even);
  EXPECT_EQ(floats_of(e.outputs[1]), (std::vector<float>{2, 3}));
}

TEST(ShapeOpsSplit, NumOutputsErrors) {
  SingleOp count{"Split", {{"num_outputs", attr_int(3)}}, {in(iota_float({6}))}, 2};
  count.opset = 18;
  expect_model_error(count, {"num_outputs is 3 but the node has 2 outputs"});
  SingleOp early{"Split", {{"num_outputs", attr_int(2)}}, {in(iota_float({6}))}, 2};
  early.opset = 17;
  expect_model_error(early, {"'num_outputs' exists from opset 18 on"});
  SingleOp both{
      "Split", {{"num_outputs", attr_int(2)}}, {in(iota_float({4})), weight(Tensor::from_int64({2, 2}, {2}))}, 2};
  both.opset = 18;
  expect_model_error(both, {"both a 'split' input and the 'num_outputs' attribute"});
  // 5 in 4 parts of ceil(5 / 4) = 2 leaves nothing valid for the last one.
  SingleOp short_last{"Split", {{"num_outputs", attr_int(4)}}, {in(iota_float({5}))}, 4};
  short_last.opset = 18;
  expect_model_error(short_last, {"cannot split axis 0 of size 5", "into 4 parts of 2"});
}

TEST(ShapeOpsSplit, SizesInputMustBeKnownAtPlanTime) {
  const std::string msg = plan_error_with_runtime_second_input("Split", 13, {4}, {2});
  EXPECT_NE(msg.find("node 'node0' (Split)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 'split' must be known at plan time"), std::string::npos) << msg;
}

// --------------------------------------------------------------------------------------------------- Flatten

TEST(ShapeOpsFlatten, AxisForms) {
  const Shape x{2, 3, 4, 5};
  auto shape_for = [&](const std::map<std::string, Attribute>& attrs) {
    return run_single_op({"Flatten", attrs, {in(iota_float(x))}}).outputs[0].shape();
  };
  EXPECT_EQ(shape_for({}), (Shape{2, 60}));
  EXPECT_EQ(shape_for({{"axis", attr_int(0)}}), (Shape{1, 120}));
  EXPECT_EQ(shape_for({{"axis", attr_int(3)}}), (Shape{24, 5}));
  EXPECT_EQ(shape_for({{"axis", attr_int(4)}}), (Shape{120, 1}));
  EXPECT_EQ(shape_for({{"axis", attr_int(-1)}}), (Shape{24, 5}));
  EXPECT_EQ(shape_for({{"axis", attr_int(-4)}}), (Shape{1, 120}));
}

TEST(ShapeOpsFlatten, KeepsBytesAndCostsNothing) {
  auto r = run_single_op({"Flatten", {}, {in(iota_float({2, 3, 2}))}});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 6}));
  expect_same_tensor(r.outputs[0], iota_float({2, 6}));
  expect_no_arithmetic(r);
}

TEST(ShapeOpsFlatten, AxisOutOfRange) {
  expect_model_error({"Flatten", {{"axis", attr_int(5)}}, {in(iota_float({2, 3, 4, 5}))}},
                     {"axis 5 is out of range for a rank-4 input", "-4 <= axis <= 4"});
  expect_model_error({"Flatten", {{"axis", attr_int(-5)}}, {in(iota_float({2, 3, 4, 5}))}}, {"axis -5"});
}

// --------------------------------------------------------------------------------------------------- Reshape

TEST(ShapeOpsReshape, ZeroCopiesAndMinusOneInfers) {
  SingleOp op{"Reshape", {}, {in(iota_float({2, 3, 4})), weight(Tensor::from_int64({0, -1}, {2}))}};
  auto r = run_single_op(op);
  expect_same_tensor(r.outputs[0], iota_float({2, 12}));
  expect_no_arithmetic(r);  // the shape initializer is not a parameter
  EXPECT_EQ(r.cost.weight_bytes, 16);
  EXPECT_EQ(r.cost.bytes_read, 24 * 4 + 16);
}

TEST(ShapeOpsReshape, Int64DataPassesThrough) {
  SingleOp op{"Reshape", {}, {in(iota_int64({6}, 7)), in(Tensor::from_int64({3, -1}, {2}))}};
  auto r = run_single_op(op);
  EXPECT_TRUE(r.folded);
  expect_same_tensor(r.outputs[0], iota_int64({3, 2}, 7));
}

TEST(ShapeOpsReshape, ShapeAttributeBeforeOpset5) {
  SingleOp op{"Reshape", {{"shape", attr_ints({-1, 2})}}, {in(iota_float({2, 3, 2}))}};
  op.opset = 4;
  EXPECT_EQ(run_single_op(op).outputs[0].shape(), (Shape{6, 2}));
  SingleOp no_attr{"Reshape", {}, {in(iota_float({2}))}};
  no_attr.opset = 1;
  expect_model_error(no_attr, {"missing required attribute 'shape'"});
}

TEST(ShapeOpsReshape, AllowZeroMakesZeroASize) {
  SingleOp keep{"Reshape", {}, {in(Tensor(DType::kFloat32, {0, 4})), weight(Tensor::from_int64({0, 2, 2}, {3}))}};
  EXPECT_EQ(run_single_op(keep).outputs[0].shape(), (Shape{0, 2, 2}));  // 0 copies dim 0
  SingleOp zero{"Reshape",
                {{"allowzero", attr_int(1)}},
                {in(Tensor(DType::kFloat32, {3, 0})), weight(Tensor::from_int64({0, 3}, {2}))}};
  EXPECT_EQ(run_single_op(zero).outputs[0].shape(), (Shape{0, 3}));
  SingleOp copy = zero;
  copy.attrs.clear();  // without allowzero, 0 copies dim 0 (3): [3, 3] has 9 elements, not 0
  expect_model_error(copy, {"cannot reshape [3, 0] (0 elements) to [3, 3] (9 elements)"});
  SingleOp before14 = zero;
  before14.opset = 13;  // allowzero does not exist before opset 14
  expect_model_error(before14, {"(9 elements)"});
}

TEST(ShapeOpsReshape, Errors) {
  expect_model_error({"Reshape", {}, {in(iota_float({2, 3})), weight(Tensor::from_int64({4, 2}, {2}))}},
                     {"cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)"});
  expect_model_error({"Reshape", {}, {in(iota_float({2, 3})), weight(Tensor::from_int64({-1, -1}, {2}))}},
                     {"has more than one -1"});
  expect_model_error({"Reshape", {}, {in(iota_float({2, 3})), weight(Tensor::from_int64({4, -1}, {2}))}},
                     {"cannot reshape [2, 3] (6 elements) to [4, -1]", "not a multiple of 4"});
  expect_model_error({"Reshape", {}, {in(iota_float({6})), weight(Tensor::from_int64({3, 0, 2}, {3}))}},
                     {"has 0 at index 1, which copies input dim 1", "has rank 1"});
  expect_model_error({"Reshape", {}, {in(iota_float({6})), weight(Tensor::from_int64({-2, 3}, {2}))}},
                     {"has dim -2 at index 0"});
  expect_model_error(
      {"Reshape", {{"allowzero", attr_int(1)}}, {in(iota_float({6})), weight(Tensor::from_int64({0, -1}, {2}))}},
      {"both 0 and -1 with allowzero=1"});
  expect_model_error({"Reshape", {}, {in(iota_float({6})), weight(Tensor::from_float({6}, {1}))}},
                     {"input 'shape' must be an integer tensor (int64), got float"});
}

TEST(ShapeOpsReshape, ShapeInputMustBeKnownAtPlanTime) {
  const std::string msg = plan_error_with_runtime_second_input("Reshape", 13, {2, 3}, {2});
  EXPECT_NE(msg.find("node 'node0' (Reshape)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 'shape' must be known at plan time"), std::string::npos) << msg;
}

// ------------------------------------------------------------------------------------------------- Transpose

// out[i] = in[perm-mapped index], computed the slow way from full coordinates.
Tensor naive_transpose(const Tensor& x, const std::vector<int64_t>& perm) {
  const Shape& s = x.shape();
  Shape out_shape;
  for (int64_t p : perm) out_shape.push_back(s[p]);
  Tensor y(x.dtype(), out_shape);
  const auto in_strides = shape_strides(s);
  const size_t elem = dtype_size(x.dtype());
  std::vector<int64_t> coord(perm.size(), 0);  // output coordinate
  for (int64_t i = 0; i < y.numel(); ++i) {
    int64_t rest = i;
    for (size_t j = perm.size(); j-- > 0;) {
      coord[j] = rest % out_shape[j];
      rest /= out_shape[j];
    }
    int64_t src = 0;
    for (size_t j = 0; j < perm.size(); ++j) src += coord[j] * in_strides[perm[j]];
    std::memcpy(static_cast<unsigned char*>(y.raw()) + i * elem,
                static_cast<const unsigned char*>(x.raw()) + src * elem, elem);
  }
  return y;
}

TEST(ShapeOpsTranspose, DefaultPermReversesDims) {
  auto r = run_single_op({"Transpose", {}, {in(iota_float({2, 3}))}});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(floats_of(r.outputs[0]), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  expect_no_arithmetic(r);
  EXPECT_EQ(r.cost.bytes_read, 24);
  EXPECT_EQ(r.cost.bytes_written, 24);
}

TEST(ShapeOpsTranspose, EveryPermutationOfRank4MatchesNaive) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 7);
  std::vector<int64_t> perm = {0, 1, 2, 3};
  int count = 0;
  do {
    auto r = run_single_op({"Transpose", {{"perm", attr_ints(perm)}}, {in(x)}});
    expect_same_tensor(r.outputs[0], naive_transpose(x, perm));
    ++count;
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(count, 24);
}

TEST(ShapeOpsTranspose, SizeOneDimsAndMergedDimsMatchNaive) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{1, 3, 1, 4}, {2, 3, 0, 1}},
      {{2, 1, 3, 4, 1}, {0, 2, 3, 4, 1}},
      {{2, 3, 4, 5, 6}, {0, 3, 4, 1, 2}},
      {{4, 1, 5}, {1, 0, 2}},
      {{1, 1}, {1, 0}},
      {{3, 1, 2, 1, 5}, {4, 2, 0, 3, 1}},
  };
  for (const auto& c : cases) {
    const Tensor x = random_tensor(c.first, 3);
    auto r = run_single_op({"Transpose", {{"perm", attr_ints(c.second)}}, {in(x)}});
    SCOPED_TRACE(shape_str(c.first) + " perm " + shape_str(c.second));
    expect_same_tensor(r.outputs[0], naive_transpose(x, c.second));
  }
}

TEST(ShapeOpsTranspose, AnyElementSize) {
  const std::vector<int64_t> perm = {2, 0, 1};
  const Tensor i64 = iota_int64({3, 4, 5}, 1000000007);
  expect_same_tensor(run_single_op({"Transpose", {{"perm", attr_ints(perm)}}, {in(i64)}}).outputs[0],
                     naive_transpose(i64, perm));
  Tensor u8(DType::kUint8, {3, 4, 5});
  for (int64_t i = 0; i < u8.numel(); ++i) static_cast<uint8_t*>(u8.raw())[i] = static_cast<uint8_t>(i * 7);
  expect_same_tensor(run_single_op({"Transpose", {{"perm", attr_ints(perm)}}, {in(u8)}}).outputs[0],
                     naive_transpose(u8, perm));
  Tensor f16(DType::kFloat16, {3, 4, 5});
  for (int64_t i = 0; i < f16.numel(); ++i) static_cast<uint16_t*>(f16.raw())[i] = static_cast<uint16_t>(i * 31);
  expect_same_tensor(run_single_op({"Transpose", {{"perm", attr_ints(perm)}}, {in(f16)}}).outputs[0],
                     naive_transpose(f16, perm));
}

TEST(ShapeOpsTranspose, BadPerm) {
  expect_model_error({"Transpose", {{"perm", attr_ints({0, 0, 1})}}, {in(iota_float({2, 3, 4}))}},
                     {"perm [0, 0, 1] is not a permutation of 0..2"});
  expect_model_error({"Transpose", {{"perm", attr_ints({0, 3, 1})}}, {in(iota_float({2, 3, 4}))}},
                     {"perm [0, 3, 1] is not a permutation of 0..2"});
  expect_model_error({"Transpose", {{"perm", attr_ints({1, 0})}}, {in(iota_float({2, 3, 4}))}},
                     {"perm [1, 0] has 2 values, expected 3"});
}

// --------------------------------------------------------------------------------------- Squeeze / Unsqueeze

TEST(ShapeOpsSqueeze, AxesAttributeBeforeOpset13AndInputAfter) {
  SingleOp attr{"Squeeze", {{"axes", attr_ints({0, -1})}}, {in(iota_float({1, 3, 1, 1}))}};
  attr.opset = 11;
  auto r = run_single_op(attr);
  expect_same_tensor(r.outputs[0], iota_float({3, 1}));
  expect_no_arithmetic(r);
  SingleOp input{"Squeeze", {}, {in(iota_float({1, 3, 1, 1})), weight(Tensor::from_int64({0, -1}, {2}))}};
  EXPECT_EQ(run_single_op(input).outputs[0].shape(), (Shape{3, 1}));
  SingleOp attr13 = attr;
  attr13.opset = 13;
  expect_model_error(attr13, {"'axes' attribute was replaced by input 1 in opset 13"});
}

TEST(ShapeOpsSqueeze, NoAxesRemovesEveryOneDim) {
  EXPECT_EQ(run_single_op({"Squeeze", {}, {in(iota_float({1, 3, 1, 2, 1}))}}).outputs[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(run_single_op({"Squeeze", {}, {in(iota_float({1, 1}))}}).outputs[0].shape(), (Shape{}));
  // int64 shape value [1] -> scalar, as in Squeeze(Gather(Shape(x), 0)) subgraphs.
  auto r = run_single_op({"Squeeze", {}, {in(Tensor::from_int64({42}, {1}))}});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{}));
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{42}));
}

TEST(ShapeOpsSqueeze, Errors) {
  expect_model_error({"Squeeze", {}, {in(iota_float({1, 3})), weight(Tensor::from_int64({1}, {1}))}},
                     {"cannot squeeze axis 1 of input shape [1, 3]: its size is 3, expected 1"});
  expect_model_error({"Squeeze", {}, {in(iota_float({1, 3})), weight(Tensor::from_int64({2}, {1}))}},
                     {"axes [2] has axis 2, out of range for a rank-2 input"});
  expect_model_error({"Squeeze", {}, {in(iota_float({1, 3})), weight(Tensor::from_int64({0, -2}, {2}))}},
                     {"name axis 0 more than once"});
  const std::string msg = plan_error_with_runtime_second_input("Squeeze", 13, {1, 3}, {1});
  EXPECT_NE(msg.find("node 'node0' (Squeeze): input 'axes' must be known at plan time"), std::string::npos) << msg;
}

TEST(ShapeOpsUnsqueeze, AxesAttributeAndInputForms) {
  SingleOp attr{"Unsqueeze", {{"axes", attr_ints({0, 3})}}, {in(iota_float({3, 4}))}};
  attr.opset = 11;
  auto r = run_single_op(attr);
  expect_same_tensor(r.outputs[0], iota_float({1, 3, 4, 1}));
  expect_no_arithmetic(r);
  SingleOp input{"Unsqueeze", {}, {in(iota_float({3, 4})), weight(Tensor::from_int64({3, 0}, {2}))}};
  EXPECT_EQ(run_single_op(input).outputs[0].shape(), (Shape{1, 3, 4, 1}));  // unsorted axes
  SingleOp missing{"Unsqueeze", {}, {in(iota_float({3}))}};
  missing.opset = 11;
  expect_model_error(missing, {"missing required attribute 'axes'"});
}

TEST(ShapeOpsUnsqueeze, NegativeAxesCountFromTheOutputRank) {
  auto shape_for = [](std::vector<int64_t> axes) {
    return run_single_op(
               {"Unsqueeze", {}, {in(iota_float({3, 4})), weight(Tensor::from_int64(axes, {(int64_t)axes.size()}))}})
        .outputs[0]
        .shape();
  };
  EXPECT_EQ(shape_for({-1}), (Shape{3, 4, 1}));
  EXPECT_EQ(shape_for({0, -1}), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(shape_for({-2}), (Shape{3, 1, 4}));
  EXPECT_EQ(shape_for({1, -2}), (Shape{3, 1, 1, 4}));
}

TEST(ShapeOpsUnsqueeze, ScalarInt64ToVector) {
  auto r = run_single_op({"Unsqueeze", {}, {in(Tensor::from_int64({-1}, {})), in(Tensor::from_int64({0}, {1}))}});
  EXPECT_TRUE(r.folded);
  ASSERT_EQ(r.outputs[0].shape(), (Shape{1}));
  EXPECT_EQ(r.outputs[0].to_int64_vector(), (std::vector<int64_t>{-1}));
}

TEST(ShapeOpsUnsqueeze, Errors) {
  expect_model_error({"Unsqueeze", {}, {in(iota_float({3, 4})), weight(Tensor::from_int64({0, -4}, {2}))}},
                     {"axes [0, -4] name axis 0 more than once"});
  expect_model_error({"Unsqueeze", {}, {in(iota_float({3, 4})), weight(Tensor::from_int64({3}, {1}))}},
                     {"axes [3] has axis 3, out of range for a rank-3 output"});
  expect_model_error({"Unsqueeze", {}, {in(iota_float({3}))}}, {"expected 2 input(s)"});
  const std::string msg = plan_error_with_runtime_second_input("Unsqueeze", 13, {3}, {1});
  EXPECT_NE(msg.find("node 'node0' (Unsqueeze): input 'axes' must be known at plan time"), std::string::npos) << msg;
}

// ------------------------------------------------------------------------------------------ Identity, Dropout

TEST(ShapeOpsIdentity, CopiesAnyType) {
  auto r = run_single_op({"Identity", {}, {in(iota_float({2, 3}))}});
  expect_same_tensor(r.outputs[0], iota_float({2, 3}));
  expect_no_arithmetic(r);
  EXPECT_EQ(r.cost.bytes_written, 24);
  auto i = run_single_op({"Identity", {}, {in(iota_int64({4}, -3))}});
  expect_same_tensor(i.outputs[0], iota_int64({4}, -3));
  expect_model_error({"Identity", {}, {in(iota_float({2})), in(iota_float({2}))}}, {"expected 1 input(s), got 2"});
}

TEST(ShapeOpsDropout, InferenceOutputsInputAndTrueMask) {
  SingleOp op{"Dropout", {}, {in(iota_float({2, 3}))}, 2};
  auto r = run_single_op(op);
  expect_same_tensor(r.outputs[0], iota_float({2, 3}));
  ASSERT_EQ(r.outputs[1].dtype(), DType::kBool);
  EXPECT_EQ(r.outputs[1].to_int64_vector(), (std::vector<int64_t>(6, 1)));
  expect_no_arithmetic(r);
}

TEST(ShapeOpsDropout, OpsetForms) {
  // Opset 6: is_test (default 0) is ignored; the mask has the input's type.
  SingleOp v6{"Dropout", {{"is_test", attr_int(0)}, {"ratio", attr_float(0.3f)}}, {in(iota_float({3}))}, 2};
  v6.opset = 6;
  auto r6 = run_single_op(v6);
  expect_same_tensor(r6.outputs[0], iota_float({3}));
  ASSERT_EQ(r6.outputs[1].dtype(), DType::kFloat32);
  EXPECT_EQ(floats_of(r6.outputs[1]), (std::vector<float>{1, 1, 1}));
  // Opset 10: ratio attribute, bool mask.
  SingleOp v10{"Dropout", {{"ratio", attr_float(0.3f)}}, {in(iota_float({3}))}, 2};
  v10.opset = 10;
  EXPECT_EQ(run_single_op(v10).outputs[1].dtype(), DType::kBool);
  // Opset 12+: ratio and training_mode inputs; training_mode false is inference.
  SingleOp v13{
      "Dropout", {}, {in(iota_float({3})), weight(Tensor::from_float({0.5f}, {})), in(Tensor(DType::kBool, {}))}};
  expect_same_tensor(run_single_op(v13).outputs[0], iota_float({3}));
  // An input that opset 10 does not have.
  SingleOp extra = v13;
  extra.opset = 10;
  expect_model_error(extra, {"expected 1 input(s), got 3"});
}

TEST(ShapeOpsDropout, TrainingModeIsRejectedUnlessRatioIsZero) {
  Tensor training(DType::kBool, {});
  static_cast<uint8_t*>(training.raw())[0] = 1;
  SingleOp zero{"Dropout", {}, {in(iota_float({3})), weight(Tensor::from_float({0.f}, {})), in(training)}, 2};
  auto r = run_single_op(zero);
  expect_same_tensor(r.outputs[0], iota_float({3}));
  EXPECT_EQ(r.outputs[1].to_int64_vector(), (std::vector<int64_t>{1, 1, 1}));
  // Ratio known at plan time: rejected while planning.
  SingleOp half = zero;
  half.inputs[1] = weight(Tensor::from_float({0.5f}, {}));
  expect_model_error(half, {"training_mode is true with ratio 0.5", "expected training_mode false"});
  // Ratio only known at run time (a float graph input): rejected when running.
  SingleOp runtime = zero;
  runtime.inputs[1] = in(Tensor::from_float({0.25f}, {}));
  expect_model_error(runtime, {"training_mode is true with ratio 0.25"});
  // Default ratio (0.5).
  SingleOp no_ratio = zero;
  no_ratio.inputs[1] = absent();
  expect_model_error(no_ratio, {"training_mode is true with ratio 0.5"});
  // Bad ratio.
  SingleOp bad = zero;
  bad.inputs[1] = weight(Tensor::from_float({1.5f}, {}));
  expect_model_error(bad, {"ratio 1.5 is out of range; expected 0 <= ratio < 1"});
}

}  // namespace
}  // namespace dnncost::testing
