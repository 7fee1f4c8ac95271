// CPU tests of the cuda device's own kernels, in every build (no GPU, no CUDA headers): launch geometry, the
// index tables and the factory selection logic (kernels/cuda/<op>_plan.h), and each kernel emulated on the
// host. The emulations run the very __host__ __device__ functions the device kernels call per element (table
// offsets, pad/gather/row-copy offsets, cast_element, the activation and arithmetic functors), over every output
// element, with int32 and int64 indices, and must reproduce the ref path's output bit for bit (InstanceNorm and
// ReduceMean: to float rounding of double sums).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <type_traits>

#include "kernels/activation_functors.h"
#include "kernels/compare_functors.h"
#include "kernels/cuda/activation_plan.h"
#include "kernels/cuda/broadcast_ops_plan.h"
#include "kernels/cuda/cast_plan.h"
#include "kernels/cuda/concat_plan.h"
#include "kernels/cuda/copy_plan.h"
#include "kernels/cuda/data_movement_plan.h"
#include "kernels/cuda/elementwise_plan.h"
#include "kernels/cuda/instancenorm_plan.h"
#include "kernels/cuda/launch_geometry.h"
#include "kernels/cuda/layernorm_plan.h"
#include "kernels/cuda/math_unary_plan.h"
#include "kernels/cuda/maxunpool_plan.h"
#include "kernels/cuda/reduce_plan.h"
#include "kernels/math_functors.h"
#include "kernels/normalization_math.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {


// One single-node graph, planned and run on ref; the plan stays alive for the plan_* functions.
struct PlannedOp {
  std::unique_ptr<Graph> graph;
  std::unique_ptr<Plan> plan;
  std::map<std::string, std::shared_ptr<const Tensor>> feeds;
  std::vector<Tensor> ref;

  StepView view() const { return plan->view(0); }
  bool folded() const { return plan->steps().empty(); }
  // The value of step input i (a constant or the tensor fed for it).
  const Tensor& input(size_t i) const {
    const PlanValue& v = plan->values()[plan->steps()[0].inputs[i]];
    return v.constant ? *v.constant : *feeds.at(v.name);
  }
};

PlannedOp plan_op(const SingleOp& op) {
  PlannedOp p;
  p.graph = std::make_unique<Graph>();
  Graph& g = *p.graph;
  const std::vector<std::shared_ptr<const Tensor>> feeds = build_single_op_graph(op, g);
  for (size_t k = 0; k < feeds.size(); ++k) p.feeds[g.inputs[k].name] = feeds[k];
  // Every graph input is a run-time value, integer ones too (bind_tensors would make those plan-time constants
  // and fold the node away): the kernels' integer paths need run-time integer data.
  InputBinding binding;
  for (const auto& [name, t] : p.feeds) binding.shapes[name] = t->shape();
  p.plan = std::make_unique<Plan>(g, binding);
  RefSession session(*p.plan);
  p.ref = session.run(feeds);
  return p;
}

Tensor int64s(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_int64(v, {n});
}
Tensor typed_iota(DType t, const Shape& s) {
  Tensor x(t, s);
  const Tensor f = random_tensor(s, 7, -100.f, 100.f);
  convert_elements(DType::kFloat32, f.raw(), t, x.raw(), x.numel());
  return x;
}

void expect_same_bytes(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  EXPECT_EQ(std::memcmp(got.raw(), want.raw(), got.bytes()), 0) << what << ": bytes differ from the ref output";
}

// --- launch geometry ------------------------------------------------------------------------------------------

TEST(CudaLaunchGeometry, CappedGridIsAtLeastOneBlockAndAtMost524280) {
  EXPECT_EQ(cuda::capped_grid_blocks(0), 1);
  EXPECT_EQ(cuda::capped_grid_blocks(1), 1);
  EXPECT_EQ(cuda::capped_grid_blocks(256), 1);
  EXPECT_EQ(cuda::capped_grid_blocks(257), 2);
  EXPECT_EQ(cuda::capped_grid_blocks(int64_t{65535} * 8 * 256), 65535 * 8);
  EXPECT_EQ(cuda::capped_grid_blocks(int64_t{1} << 40), 65535 * 8);
}

TEST(CudaLaunchGeometry, GridStrideBlocksCoverSmallAndCapLargeCounts) {
  EXPECT_TRUE(cuda::grid_stride_geometry(0).empty());
  EXPECT_TRUE(cuda::grid_stride_geometry(-5).empty());
  auto g = cuda::grid_stride_geometry(1);
  EXPECT_EQ(g.blocks, 1);
  EXPECT_EQ(g.threads, cuda::kThreadsPerBlock);
  g = cuda::grid_stride_geometry(257);
  EXPECT_EQ(g.blocks, 2);
  g = cuda::grid_stride_geometry(int64_t{1} << 40);  // beyond 2^31 elements: capped grid, the loop strides on
  EXPECT_EQ(g.blocks, cuda::kMaxGridBlocks);
  EXPECT_LE(g.blocks, (int64_t{1} << 31) - 1);  // gridDim.x limit
  g = cuda::grid_stride_geometry(1000, 128, 4);
  EXPECT_EQ(g.blocks, 4);
  EXPECT_EQ(g.threads, 128);
}

TEST(CudaLaunchGeometry, Int32IndexingOnlyWhenTheLoopCannotOverflow) {
  const auto small = cuda::grid_stride_geometry(1000);
  EXPECT_TRUE(cuda::fits_int32_indexing(1000, 999, small));
  const int64_t limit = cuda::kInt32Limit;
  const auto big = cuda::grid_stride_geometry(limit);
  EXPECT_FALSE(cuda::fits_int32_indexing(limit, limit - 1, big));  // i + grid stride would pass 2^31 - 1
  const int64_t just_fits = limit - big.total_threads();
  EXPECT_TRUE(cuda::fits_int32_indexing(just_fits, just_fits - 1, cuda::grid_stride_geometry(just_fits)));
  EXPECT_FALSE(cuda::fits_int32_indexing(1000, limit + 1, small));  // an offset beyond int32 (broadcast source)
  EXPECT_FALSE(cuda::fits_int32_indexing(int64_t{3} << 31, 0, cuda::grid_stride_geometry(int64_t{3} << 31)));
}

TEST(CudaLaunchGeometry, BlockPerRowUsesAPowerOfTwoOfAtLeastOneWarp) {
  auto g = cuda::block_per_row_geometry(10, 1);
  EXPECT_EQ(g.threads, 32);
  EXPECT_EQ(g.blocks, 10);
  g = cuda::block_per_row_geometry(10, 100);
  EXPECT_EQ(g.threads, 128);
  g = cuda::block_per_row_geometry(int64_t{1} << 20, 49 * 49);
  EXPECT_EQ(g.threads, cuda::kThreadsPerBlock);
  EXPECT_EQ(g.blocks, cuda::kMaxGridBlocks);
  EXPECT_TRUE(cuda::block_per_row_geometry(0, 10).empty());
}

TEST(CudaLaunchGeometry, WidestCopyUnitDividesEverySizeAndOffset) {
  EXPECT_EQ(cuda::widest_copy_unit({64, 128, 0}), 16);
  EXPECT_EQ(cuda::widest_copy_unit({64, 128, 8}), 8);
  EXPECT_EQ(cuda::widest_copy_unit({12, 24}), 4);
  EXPECT_EQ(cuda::widest_copy_unit({6, 16}), 2);
  EXPECT_EQ(cuda::widest_copy_unit({3, 16}), 1);
}

// --- index tables -----------------------------------------------------------------------------------------------

TEST(CudaIndexTables, BroadcastMergesDimsEveryOperandWalksAlike) {
  cuda::IndexTable t;
  ASSERT_TRUE(cuda::make_broadcast_table({{2, 3, 4, 5}, {2, 3, 4, 5}}, {2, 3, 4, 5}, &t));
  EXPECT_EQ(t.rank, 1);
  EXPECT_EQ(t.dims[0], 120);
  ASSERT_TRUE(cuda::make_broadcast_table({{8, 16, 7, 7}, {1, 16, 1, 1}}, {8, 16, 7, 7}, &t));  // per-channel bias
  ASSERT_EQ(t.rank, 3);
  EXPECT_EQ(t.dims[0], 8);
  EXPECT_EQ(t.dims[1], 16);
  EXPECT_EQ(t.dims[2], 49);
  EXPECT_EQ(t.strides[1][0], 0);
  EXPECT_EQ(t.strides[1][1], 1);
  EXPECT_EQ(t.strides[1][2], 0);
  // Nine alternating broadcast dims cannot merge: more than the kernels' 8.
  EXPECT_FALSE(cuda::make_broadcast_table({{2, 1, 2, 1, 2, 1, 2, 1, 2}, {1, 2, 1, 2, 1, 2, 1, 2, 1}},
                                          {2, 2, 2, 2, 2, 2, 2, 2, 2}, &t));
  EXPECT_FALSE(cuda::make_broadcast_table({{3}}, {4}, &t));
}

TEST(CudaIndexTables, TransposeToChannelsLastIsAThreeDimWalk) {
  cuda::IndexTable t;
  ASSERT_TRUE(cuda::make_transpose_table({2, 3, 4, 5}, {0, 2, 3, 1}, &t));
  ASSERT_EQ(t.rank, 3);
  EXPECT_EQ(t.dims[1], 20);
  EXPECT_EQ(t.strides[0][2], 20);  // stepping along C in the input
  EXPECT_EQ(cuda::table_max_offset(t), 119);
  ASSERT_TRUE(cuda::make_transpose_table({2, 3, 4}, {0, 1, 2}, &t));
  EXPECT_EQ(t.rank, 1);  // identity permutation: one contiguous walk
}

TEST(CudaIndexTables, PadMergesUnpaddedLeadingAxes) {
  cuda::PadTable t;
  ASSERT_TRUE(cuda::make_pad_table({2, 3, 4, 5}, {0, 0, 1, 2, 0, 0, 1, 2}, PadMode::kConstant, &t));
  ASSERT_EQ(t.rank, 3);
  EXPECT_EQ(t.out_dims[0], 6);  // N and C merged
  EXPECT_EQ(t.out_dims[1], 6);
  EXPECT_EQ(t.out_dims[2], 9);
  EXPECT_EQ(cuda::pad_source_offset<int64_t>(t, 0), -1);         // a corner of the padding
  EXPECT_EQ(cuda::pad_source_offset<int64_t>(t, 1 * 9 + 2), 0);  // first input element
}

// --- cast -------------------------------------------------------------------------------------------------------

TEST(CudaCast, SaturatingLimitsMatchNumericLimits) {
  EXPECT_EQ(float_to_int_saturating<int8_t>(1e9), std::numeric_limits<int8_t>::max());
  EXPECT_EQ(float_to_int_saturating<int8_t>(-1e9), std::numeric_limits<int8_t>::min());
  EXPECT_EQ(float_to_int_saturating<uint8_t>(-3.0), 0);
  EXPECT_EQ(float_to_int_saturating<uint8_t>(300.0), 255);
  EXPECT_EQ(float_to_int_saturating<int16_t>(-1e9), std::numeric_limits<int16_t>::min());
  EXPECT_EQ(float_to_int_saturating<uint16_t>(1e9), std::numeric_limits<uint16_t>::max());
  EXPECT_EQ(float_to_int_saturating<int32_t>(1e12), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(float_to_int_saturating<uint32_t>(1e12), std::numeric_limits<uint32_t>::max());
  EXPECT_EQ(float_to_int_saturating<int64_t>(-1e30), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(float_to_int_saturating<int64_t>(1e30), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(float_to_int_saturating<uint64_t>(1e30), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(float_to_int_saturating<int32_t>(std::nan("")), 0);
  EXPECT_EQ(float_to_int_saturating<int32_t>(-7.9), -7);
}

TEST(CudaCast, ElementMatchesConvertElementsForEveryDeviceTypePair) {
  const DType types[] = {DType::kFloat32, DType::kFloat64, DType::kInt8,   DType::kInt16,  DType::kInt32, DType::kInt64,
                         DType::kUint8,   DType::kUint16,  DType::kUint32, DType::kUint64, DType::kBool};
  const double specials[] = {0.0,
                             -0.0,
                             0.5,
                             -0.5,
                             1.0,
                             -1.0,
                             2.5,
                             -2.5,
                             127.0,
                             128.0,
                             -129.0,
                             255.0,
                             256.0,
                             65535.0,
                             65536.0,
                             -32769.0,
                             2147483647.0,
                             2147483648.0,
                             -2147483649.0,
                             4294967296.0,
                             9.3e18,
                             -9.3e18,
                             1.9e19,
                             1e30,
                             -1e30,
                             16777217.0,
                             3.4e38,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::nan("")};
  const int64_t n = static_cast<int64_t>(sizeof(specials) / sizeof(specials[0]));
  for (DType from : types) {
    ASSERT_TRUE(cuda::cast_type_on_device(from));
    Tensor src(from, {n});
    convert_elements(DType::kFloat64, specials, from, src.raw(), n);  // the ref's own conversion makes the inputs
    for (DType to : types) {
      if (to == from) continue;
      Tensor want(to, {n}), got(to, {n});
      convert_elements(from, src.raw(), to, want.raw(), n);
      for (int64_t k = 0; k < n; ++k) cuda::cast_element(from, src.raw(), to, got.raw(), k);
      expect_same_bytes(got, want, dtype_name(from) + " -> " + dtype_name(to));
    }
  }
  EXPECT_FALSE(cuda::cast_type_on_device(DType::kFloat16));
  EXPECT_FALSE(cuda::cast_type_on_device(DType::kBFloat16));
}

TEST(CudaCast, PlanRefusesHalfPrecisionAndAcceptsIntegerCasts) {
  SingleOp op{"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kFloat16))}}, {in(random_tensor({2, 3}))}};
  PlannedOp p = plan_op(op);
  cuda::CastConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_cast(p.view(), &c, &why));
  EXPECT_NE(why.find("float16"), std::string::npos) << why;

  op.attrs["to"] = attr_int(static_cast<int64_t>(DType::kInt32));
  p = plan_op(op);
  ASSERT_TRUE(cuda::plan_cast(p.view(), &c, &why)) << why;
  Tensor got(c.to, p.ref[0].shape());
  for (int64_t k = 0; k < c.elements; ++k) cuda::cast_element(c.from, p.input(0).raw(), c.to, got.raw(), k);
  expect_same_bytes(got, p.ref[0], "Cast float -> int32");
}

// --- element-wise arithmetic -----------------------------------------------------------------------------------

template <typename T, typename Index>
Tensor emulate_broadcast(const PlannedOp& p, const cuda::BroadcastConfig& c) {
  Tensor y(p.ref[0].dtype(), p.ref[0].shape());
  std::vector<const T*> x;
  for (int k = 0; k < c.table.operands; ++k) x.push_back(p.input(static_cast<size_t>(k)).template data<T>());
  T* out = y.data<T>();
  for (Index i = 0; i < static_cast<Index>(c.elements); ++i) {
    const auto at = [&](int k) { return x[k][cuda::table_offset<Index>(c.table, k, i)]; };
    T acc = at(0);
    for (int k = 1; k < c.table.operands; ++k) {
      switch (c.op) {
        case cuda::BinaryOp::kAdd:
          acc = AddFn{}(acc, at(k));
          break;
        case cuda::BinaryOp::kSub:
          acc = SubFn{}(acc, at(k));
          break;
        case cuda::BinaryOp::kMul:
          acc = MulFn{}(acc, at(k));
          break;
        case cuda::BinaryOp::kDiv:
          acc = DivFn{}(acc, at(k));
          break;
        case cuda::BinaryOp::kMax:
          acc = MaxFn{}(acc, at(k));
          break;
        case cuda::BinaryOp::kPRelu:
          if constexpr (std::is_same_v<T, float>) acc = PReluFn{}(acc, at(k));
          break;
      }
    }
    out[i] = acc;
  }
  return y;
}

// Plans `op`, checks that the kernel takes it, and compares the emulation (int32 and int64 indices) with ref.
template <typename T>
void check_broadcast(const SingleOp& op, int expected_in_place) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded());
  cuda::BroadcastConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_broadcast(p.view(), &c, &why)) << op.op << ": " << why;
  EXPECT_EQ(c.in_place_input, expected_in_place) << op.op;
  expect_same_bytes(emulate_broadcast<T, int32_t>(p, c), p.ref[0], op.op + " (int32 indices)");
  expect_same_bytes(emulate_broadcast<T, int64_t>(p, c), p.ref[0], op.op + " (int64 indices)");
}

TEST(CudaBroadcast, BinaryOpsMatchRefWithBroadcasting) {
  check_broadcast<float>({"Add", {}, {in(random_tensor({2, 3, 4, 5}, 1)), in(random_tensor({3, 1, 5}, 2))}}, 0);
  check_broadcast<float>({"Sub", {}, {in(random_tensor({1}, 3)), in(random_tensor({2, 3}, 4))}}, 1);
  check_broadcast<float>({"Mul", {}, {in(random_tensor({1, 3, 1, 5}, 5)), in(random_tensor({2, 1, 4, 1}, 6))}}, -1);
  check_broadcast<float>({"Div", {}, {in(random_tensor({4, 6}, 7)), weight(random_tensor({6}, 8, 0.5f, 2.f))}}, 0);
  check_broadcast<float>({"Add", {}, {in(random_tensor({8, 16, 7, 7}, 9)), weight(random_tensor({16, 1, 1}, 10))}}, 0);
  check_broadcast<float>(
      {"Max", {}, {in(random_tensor({3, 4}, 11)), in(random_tensor({4}, 12)), in(random_tensor({3, 1}, 13))}}, 0);
  check_broadcast<float>({"Sum", {}, {in(random_tensor({2, 5}, 14))}}, 0);
  check_broadcast<float>({"Sum",
                          {},
                          {in(random_tensor({2, 1, 3}, 15)), in(random_tensor({4, 1}, 16)), in(random_tensor({3}, 17)),
                           in(random_tensor({2, 4, 3}, 18))}},
                         3);
}

TEST(CudaBroadcast, IntegerOpsAndIntegerDivision) {
  Tensor a = typed_iota(DType::kInt64, {3, 4});
  check_broadcast<int64_t>({"Add", {}, {in(a), in(typed_iota(DType::kInt64, {4}))}}, 0);
  check_broadcast<int32_t>({"Mul", {}, {in(typed_iota(DType::kInt32, {2, 3})), in(typed_iota(DType::kInt32, {2, 1}))}},
                           0);
  check_broadcast<int64_t>({"Div", {}, {in(a), weight(int64s({3, -2, 7, -1}))}}, 0);
  // A run-time integer divisor may be zero: the ref path checks it, the GPU could not.
  const PlannedOp p = plan_op({"Div", {}, {in(a), in(typed_iota(DType::kInt64, {4}))}});
  cuda::BroadcastConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_broadcast(p.view(), &c, &why));
  EXPECT_NE(why.find("run time"), std::string::npos) << why;
}

TEST(CudaBroadcast, PReluPerChannelSlopeBothOpsetForms) {
  check_broadcast<float>({"PRelu", {}, {in(random_tensor({2, 3, 4, 4}, 1)), weight(random_tensor({3, 1, 1}, 2))}}, 0);
  SingleOp legacy{"PRelu", {}, {in(random_tensor({2, 3, 4, 4}, 3)), weight(random_tensor({3}, 4))}};
  legacy.opset = 6;  // a 1-D slope of C values is per channel there
  check_broadcast<float>(legacy, 0);
}

TEST(CudaBroadcast, LegacyAxisBroadcastFallsBackButAScalarRuns) {
  SingleOp op{"Add",
              {{"broadcast", attr_int(1)}, {"axis", attr_int(1)}},
              {in(random_tensor({2, 3, 4}, 1)), weight(random_tensor({3}, 2))}};
  op.opset = 6;
  PlannedOp p = plan_op(op);
  cuda::BroadcastConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_broadcast(p.view(), &c, &why));
  EXPECT_NE(why.find("legacy"), std::string::npos) << why;
  op.inputs[1] = weight(random_tensor({1}, 3));
  op.attrs.erase("axis");
  check_broadcast<float>(op, 0);
}

TEST(CudaBroadcast, TooManyMergedDimsFallsBack) {
  const PlannedOp p =
      plan_op({"Add",
               {},
               {in(random_tensor({2, 1, 2, 1, 2, 1, 2, 1, 2}, 1)), in(random_tensor({1, 2, 1, 2, 1, 2, 1, 2, 1}, 2))}});
  cuda::BroadcastConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_broadcast(p.view(), &c, &why));
  EXPECT_NE(why.find("merged"), std::string::npos) << why;
}

// --- activations ------------------------------------------------------------------------------------------------

void check_activation(const SingleOp& op) {
  const PlannedOp p = plan_op(op);
  FusedActivation a;
  std::string why;
  ASSERT_TRUE(cuda::plan_activation(p.view(), &a, &why)) << op.op << ": " << why;
  Tensor y(DType::kFloat32, p.ref[0].shape());
  const float* x = p.input(0).data<float>();
  for (int64_t i = 0; i < y.numel(); ++i) y.data<float>()[i] = a(x[i]);
  expect_same_bytes(y, p.ref[0], op.op);
}

TEST(CudaActivation, EveryOpWithDefaultAndGivenParameters) {
  const Tensor x = random_tensor({2, 3, 5, 7}, 21, -8.f, 8.f);
  for (const char* op : {"Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"})
    check_activation({op, {}, {in(x)}});
  check_activation({"LeakyRelu", {{"alpha", attr_float(0.3f)}}, {in(x)}});
  check_activation({"Elu", {{"alpha", attr_float(0.7f)}}, {in(x)}});
  check_activation({"HardSigmoid", {{"alpha", attr_float(0.1f)}, {"beta", attr_float(0.6f)}}, {in(x)}});
}

TEST(CudaActivation, ClipBoundsFromAttributesConstantsOrHost) {
  const Tensor x = random_tensor({4, 9}, 22, -8.f, 8.f);
  SingleOp legacy{"Clip", {{"min", attr_float(-1.f)}, {"max", attr_float(6.f)}}, {in(x)}};
  legacy.opset = 6;
  check_activation(legacy);
  check_activation({"Clip", {}, {in(x), weight(Tensor::from_float({0.f}, {})), weight(Tensor::from_float({6.f}, {}))}});
  check_activation({"Clip", {}, {in(x), absent(), weight(Tensor::from_float({2.f}, {}))}});
  check_activation({"Clip", {}, {in(x)}});
  const PlannedOp p = plan_op({"Clip", {}, {in(x), in(Tensor::from_float({0.f}, {}))}});
  FusedActivation a;
  std::string why;
  EXPECT_FALSE(cuda::plan_activation(p.view(), &a, &why));
  EXPECT_NE(why.find("run time"), std::string::npos) << why;
}

// --- byte copies ------------------------------------------------------------------------------------------------

TEST(CudaByteCopy, ReshapeFamilyAndInferenceDropout) {
  cuda::ByteCopyConfig c;
  std::string why;
  PlannedOp p = plan_op({"Reshape", {}, {in(random_tensor({2, 3, 4})), weight(int64s({6, -1}))}});
  ASSERT_TRUE(cuda::plan_byte_copy(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.bytes, 24 * 4);
  EXPECT_EQ(c.mask_elements, 0);

  SingleOp dropout{"Dropout", {}, {in(random_tensor({2, 3}))}, 2};
  p = plan_op(dropout);
  ASSERT_TRUE(cuda::plan_byte_copy(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.mask_dtype, DType::kBool);
  EXPECT_EQ(c.mask_elements, 6);
  const std::vector<unsigned char> one = cuda::one_value_bytes(c.mask_dtype);
  ASSERT_EQ(one.size(), 1u);
  for (int64_t i = 0; i < p.ref[1].numel(); ++i)
    EXPECT_EQ(static_cast<const unsigned char*>(p.ref[1].raw())[i], one[0]);
  EXPECT_EQ(cuda::one_value_bytes(DType::kFloat32).size(), 4u);
  float f;
  std::memcpy(&f, cuda::one_value_bytes(DType::kFloat32).data(), 4);
  EXPECT_EQ(f, 1.f);

  // training_mode only known at run time: the ref path checks it on the host.
  Tensor training(DType::kBool, {});
  p = plan_op({"Dropout", {}, {in(random_tensor({2, 3})), weight(Tensor::from_float({0.5f}, {})), in(training)}});
  EXPECT_FALSE(cuda::plan_byte_copy(p.view(), &c, &why));
  EXPECT_NE(why.find("run time"), std::string::npos) << why;
  // A known false training_mode runs on the device.
  p = plan_op({"Dropout", {}, {in(random_tensor({2, 3})), weight(Tensor::from_float({0.5f}, {})), weight(training)}});
  EXPECT_TRUE(cuda::plan_byte_copy(p.view(), &c, &why)) << why;
}

// --- Concat and Split -------------------------------------------------------------------------------------------

// The row copies of every piece, in the widest unit for aligned buffers, as the device runs them.
void emulate_rows(const cuda::ConcatConfig& c, bool split, unsigned char* joined,
                  const std::vector<unsigned char*>& pieces) {
  for (size_t k = 0; k < pieces.size(); ++k) {
    const int64_t piece = c.piece_row_bytes[k];
    if (piece == 0) continue;
    const int unit = cuda::widest_copy_unit({piece, c.row_bytes, c.piece_offset[k] % 16});
    cuda::RowCopy copy{c.outer, piece / unit, (split ? c.row_bytes : piece) / unit,
                       (split ? piece : c.row_bytes) / unit};
    unsigned char* src = split ? joined + c.piece_offset[k] : pieces[k];
    unsigned char* dst = split ? pieces[k] : joined + c.piece_offset[k];
    for (int64_t i = 0; i < copy.rows * copy.row_units; ++i) {
      int64_t s, d;
      cuda::row_copy_offsets<int64_t>(copy, i, &s, &d);
      std::memcpy(dst + d * unit, src + s * unit, static_cast<size_t>(unit));
    }
  }
}

TEST(CudaConcat, ConcatAlongEveryAxisMatchesRef) {
  for (int64_t axis : {0, 1, 2, -1}) {
    Shape a = {2, 3, 4}, b = {2, 3, 4}, w = {2, 3, 4};
    const size_t ax = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
    a[ax] = 1;
    b[ax] = 5;
    w[ax] = 2;
    const PlannedOp p = plan_op({"Concat",
                                 {{"axis", attr_int(axis)}},
                                 {in(random_tensor(a, 1)), in(random_tensor(b, 2)), weight(random_tensor(w, 3))}});
    cuda::ConcatConfig c;
    std::string why;
    ASSERT_TRUE(cuda::plan_concat(p.view(), &c, &why)) << why;
    Tensor y(DType::kFloat32, p.ref[0].shape());
    std::vector<unsigned char*> pieces;
    for (size_t i = 0; i < 3; ++i) pieces.push_back(static_cast<unsigned char*>(const_cast<void*>(p.input(i).raw())));
    emulate_rows(c, false, static_cast<unsigned char*>(y.raw()), pieces);
    expect_same_bytes(y, p.ref[0], "Concat axis " + std::to_string(axis));
  }
}

TEST(CudaConcat, SplitIntoUnequalPartsMatchesRef) {
  SingleOp op{
      "Split", {{"axis", attr_int(1)}}, {in(typed_iota(DType::kInt64, {2, 6, 3})), weight(int64s({1, 3, 2}))}, 3};
  const PlannedOp p = plan_op(op);
  cuda::ConcatConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_concat(p.view(), &c, &why)) << why;
  std::vector<Tensor> outs;
  std::vector<unsigned char*> pieces;
  for (const Tensor& r : p.ref) outs.emplace_back(r.dtype(), r.shape());
  for (Tensor& t : outs) pieces.push_back(static_cast<unsigned char*>(t.raw()));
  emulate_rows(c, true, static_cast<unsigned char*>(const_cast<void*>(p.input(0).raw())), pieces);
  for (size_t k = 0; k < outs.size(); ++k) expect_same_bytes(outs[k], p.ref[k], "Split output " + std::to_string(k));
}

// --- Transpose and Slice ----------------------------------------------------------------------------------------

template <typename Index>
Tensor emulate_table_copy(const PlannedOp& p, const cuda::GatherLikeConfig& c) {
  Tensor y(p.ref[0].dtype(), p.ref[0].shape());
  const auto* x = static_cast<const unsigned char*>(p.input(0).raw());
  auto* out = static_cast<unsigned char*>(y.raw());
  for (Index i = 0; i < static_cast<Index>(c.elements); ++i)
    std::memcpy(
        out + static_cast<int64_t>(i) * static_cast<int64_t>(c.element_bytes),
        x + static_cast<int64_t>(cuda::table_offset<Index>(c.table, 0, i)) * static_cast<int64_t>(c.element_bytes),
        c.element_bytes);
  return y;
}

TEST(CudaDataMovement, TransposeEveryPermutationOfRank4) {
  std::vector<int64_t> perm = {0, 1, 2, 3};
  do {
    const PlannedOp p = plan_op({"Transpose", {{"perm", attr_ints(perm)}}, {in(random_tensor({2, 3, 4, 5}, 4))}});
    cuda::GatherLikeConfig c;
    std::string why;
    ASSERT_TRUE(cuda::plan_transpose(p.view(), &c, &why)) << why;
    expect_same_bytes(emulate_table_copy<int32_t>(p, c), p.ref[0], "Transpose " + shape_str(perm));
    expect_same_bytes(emulate_table_copy<int64_t>(p, c), p.ref[0], "Transpose " + shape_str(perm));
  } while (std::next_permutation(perm.begin(), perm.end()));
  const PlannedOp p = plan_op({"Transpose", {}, {in(typed_iota(DType::kUint8, {3, 1, 7}))}});  // default: reversed
  cuda::GatherLikeConfig c;
  ASSERT_TRUE(cuda::plan_transpose(p.view(), &c, nullptr));
  expect_same_bytes(emulate_table_copy<int32_t>(p, c), p.ref[0], "Transpose reversed uint8");
}

void check_slice(const SingleOp& op) {
  const PlannedOp p = plan_op(op);
  cuda::GatherLikeConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_slice(p.view(), &c, &why)) << why;
  expect_same_bytes(emulate_table_copy<int32_t>(p, c), p.ref[0], "Slice");
  expect_same_bytes(emulate_table_copy<int64_t>(p, c), p.ref[0], "Slice");
}

TEST(CudaDataMovement, SliceStepsClampingAndLegacyAttributes) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const Tensor x = random_tensor({4, 5, 6}, 31);
  check_slice({"Slice", {}, {in(x), weight(int64s({1, 0})), weight(int64s({3, kMax})), weight(int64s({0, 2}))}});
  check_slice(
      {"Slice",
       {},
       {in(x), weight(int64s({-1, 5})), weight(int64s({kMin, 0})), weight(int64s({2, 1})), weight(int64s({-2, -1}))}});
  check_slice(
      {"Slice", {}, {in(x), weight(int64s({0})), weight(int64s({4})), weight(int64s({0})), weight(int64s({2}))}});
  check_slice({"Slice", {}, {in(x), weight(int64s({2, 1, 0})), weight(int64s({3, 4, 6}))}});  // a contiguous block
  SingleOp legacy{"Slice", {{"starts", attr_ints({1})}, {"ends", attr_ints({-1})}, {"axes", attr_ints({2})}}, {in(x)}};
  legacy.opset = 9;
  check_slice(legacy);
}

// --- Pad --------------------------------------------------------------------------------------------------------

template <typename Index>
Tensor emulate_pad(const PlannedOp& p, const cuda::PadConfig& c) {
  Tensor y(p.ref[0].dtype(), p.ref[0].shape());
  std::vector<unsigned char> fill = c.fill;
  if (c.fill_input >= 0) std::memcpy(fill.data(), p.input(static_cast<size_t>(c.fill_input)).raw(), fill.size());
  const auto* x = static_cast<const unsigned char*>(p.input(0).raw());
  auto* out = static_cast<unsigned char*>(y.raw());
  const int64_t e = static_cast<int64_t>(c.element_bytes);
  for (Index i = 0; i < static_cast<Index>(c.elements); ++i) {
    const Index source = cuda::pad_source_offset<Index>(c.table, i);
    std::memcpy(out + static_cast<int64_t>(i) * e, source < 0 ? fill.data() : x + static_cast<int64_t>(source) * e,
                c.element_bytes);
  }
  return y;
}

void check_pad(const SingleOp& op) {
  const PlannedOp p = plan_op(op);
  cuda::PadConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_pad(p.view(), &c, &why)) << why;
  expect_same_bytes(emulate_pad<int32_t>(p, c), p.ref[0], "Pad");
  expect_same_bytes(emulate_pad<int64_t>(p, c), p.ref[0], "Pad");
}

TEST(CudaDataMovement, PadModesCropsAndFillValues) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 41);
  for (const char* mode : {"constant", "reflect", "edge"}) {
    check_pad({"Pad", {{"mode", attr_string(mode)}}, {in(x), weight(int64s({0, 0, 1, 2, 0, 0, 3, 1}))}});
    check_pad({"Pad", {{"mode", attr_string(mode)}}, {in(x), weight(int64s({0, 1, -1, 2, 1, 0, 2, -2}))}});
  }
  check_pad({"Pad", {}, {in(x), weight(int64s({1, 0, 0, 0, 0, 0, 0, 1})), weight(Tensor::from_float({2.5f}, {}))}});
  check_pad({"Pad",
             {},
             {in(typed_iota(DType::kInt64, {3, 4})), weight(int64s({1, 1, 1, 1})), in(Tensor::from_int64({-7}, {}))}});
  SingleOp legacy{"Pad", {{"pads", attr_ints({0, 1, 0, 2})}, {"value", attr_float(-3.f)}}, {in(x.reshaped({6, 20}))}};
  legacy.opset = 2;
  check_pad(legacy);
  // A run-time float constant_value is read on the device from its input.
  const PlannedOp p =
      plan_op({"Pad", {}, {in(x), weight(int64s({0, 0, 1, 1, 0, 0, 1, 1})), in(Tensor::from_float({9.f}, {}))}});
  cuda::PadConfig c;
  ASSERT_TRUE(cuda::plan_pad(p.view(), &c, nullptr));
  EXPECT_EQ(c.fill_input, 2);
  expect_same_bytes(emulate_pad<int32_t>(p, c), p.ref[0], "Pad with a run-time fill");
}

// --- Gather -----------------------------------------------------------------------------------------------------

TEST(CudaDataMovement, GatherConstantIndicesAlongEachAxis) {
  const Tensor x = random_tensor({3, 4, 5}, 51);
  for (int64_t axis : {0, 1, 2, -1}) {
    const PlannedOp p = plan_op(
        {"Gather", {{"axis", attr_int(axis)}}, {in(x), weight(Tensor::from_int64({0, -1, 2, 1, 2, 0}, {2, 3}))}});
    cuda::GatherConfig c;
    std::string why;
    ASSERT_TRUE(cuda::plan_gather(p.view(), &c, &why)) << why;
    Tensor y(DType::kFloat32, p.ref[0].shape());
    for (int64_t i = 0; i < c.elements; ++i)
      y.data<float>()[i] = x.data<float>()[cuda::gather_source_offset<int64_t>(c.table, c.indices.data(), i)];
    expect_same_bytes(y, p.ref[0], "Gather axis " + std::to_string(axis));
  }
}

// --- MaxUnpool, InstanceNormalization, ReduceMean ---------------------------------------------------------------

TEST(CudaReduce, MaxUnpoolScatterMatchesRef) {
  // Indices computed at run time, as MaxPool's Indices output would be.
  const PlannedOp p = plan_op(
      {"MaxUnpool",
       {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}},
       {in(random_tensor({1, 2, 2, 2}, 61)), in(Tensor::from_int64({0, 3, 9, 14, 16, 19, 26, 31}, {1, 2, 2, 2}))}});
  cuda::MaxUnpoolConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_max_unpool(p.view(), &c, &why)) << why;
  Tensor y(DType::kFloat32, p.ref[0].shape());  // zero-filled, as cudaMemsetAsync leaves it
  const int64_t* idx = p.input(1).data<int64_t>();
  for (int64_t i = 0; i < c.x_elements; ++i)
    if (idx[i] >= 0 && idx[i] < c.y_elements) y.data<float>()[idx[i]] = p.input(0).data<float>()[i];
  expect_same_bytes(y, p.ref[0], "MaxUnpool");
}

TEST(CudaReduce, InstanceNormEmulationMatchesRef) {
  const PlannedOp p = plan_op({"InstanceNormalization",
                               {{"epsilon", attr_float(1e-3f)}},
                               {in(random_tensor({2, 3, 5, 7}, 71, -3.f, 5.f)), weight(random_tensor({3}, 72)),
                                weight(random_tensor({3}, 73))}});
  cuda::InstanceNormConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_instance_norm(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.planes, 6);
  EXPECT_EQ(c.spatial, 35);
  // As the kernel sums: each of T threads a strided slice, then the partial sums (in another order on the GPU).
  const int threads = static_cast<int>(cuda::block_per_row_geometry(c.planes, c.spatial).threads);
  const float* x = p.input(0).data<float>();
  Tensor y(DType::kFloat32, p.ref[0].shape());
  for (int64_t plane = 0; plane < c.planes; ++plane) {
    const float* xp = x + plane * c.spatial;
    std::vector<double> partial(static_cast<size_t>(threads), 0.0);
    for (int64_t s = 0; s < c.spatial; ++s) partial[static_cast<size_t>(s % threads)] += xp[s];
    double sum = 0;
    for (double v : partial) sum += v;
    const double mean = sum / static_cast<double>(c.spatial);
    std::fill(partial.begin(), partial.end(), 0.0);
    for (int64_t s = 0; s < c.spatial; ++s)
      partial[static_cast<size_t>(s % threads)] += (xp[s] - mean) * (xp[s] - mean);
    double squares = 0;
    for (double v : partial) squares += v;
    const int64_t ch = plane % c.channels;
    const ScaleShift ab =
        make_scale_shift(p.input(1).data<float>()[ch], p.input(2).data<float>()[ch], static_cast<float>(mean),
                         static_cast<float>(squares / static_cast<double>(c.spatial)), c.epsilon);
    for (int64_t s = 0; s < c.spatial; ++s) y.data<float>()[plane * c.spatial + s] = apply_scale_shift(xp[s], ab);
  }
  EXPECT_LT(rel_l2(y, p.ref[0]), 1e-6);
}

void check_reduce_mean(const SingleOp& op) {
  const PlannedOp p = plan_op(op);
  cuda::ReduceTable t;
  std::string why;
  ASSERT_TRUE(cuda::plan_reduce_mean(p.view(), &t, &why)) << why;
  ASSERT_EQ(t.outputs, p.ref[0].numel());
  const float* x = p.input(0).data<float>();
  Tensor y(DType::kFloat32, p.ref[0].shape());
  for (int64_t o = 0; o < t.outputs; ++o) {
    const int64_t base = cuda::table_offset<int64_t>(t.outer, 0, o);
    double sum = 0;
    for (int64_t g = 0; g < t.group; ++g) sum += x[base + cuda::table_offset<int64_t>(t.inner, 0, g)];
    y.data<float>()[o] = static_cast<float>(sum / static_cast<double>(t.group));
  }
  expect_same_bytes(y, p.ref[0], "ReduceMean");  // sequential order: the thread-per-output kernel's
}

TEST(CudaReduce, ReduceMeanOverAxisSets) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 81);
  check_reduce_mean({"ReduceMean", {{"axes", attr_ints({2, 3})}}, {in(x)}});
  check_reduce_mean({"ReduceMean", {{"axes", attr_ints({1})}, {"keepdims", attr_int(0)}}, {in(x)}});
  check_reduce_mean({"ReduceMean", {{"axes", attr_ints({0, 2})}}, {in(x)}});
  check_reduce_mean({"ReduceMean", {}, {in(x)}});
  check_reduce_mean({"ReduceMean", {{"axes", attr_ints({-1})}}, {in(x)}});
  SingleOp opset18{"ReduceMean", {}, {in(x), weight(int64s({1, 3}))}};
  opset18.opset = 18;
  check_reduce_mean(opset18);
  SingleOp noop{"ReduceMean", {{"noop_with_empty_axes", attr_int(1)}}, {in(x)}};
  noop.opset = 18;
  check_reduce_mean(noop);
}

// LayerNormalization: the kernel's arithmetic on the host (each of T threads a strided slice of the row, partial sums
// in double, then the partials; in another order on the GPU), for Y, Mean and InvStdDev.
void check_layer_norm(const SingleOp& op, int64_t rows, int64_t row_size) {
  const PlannedOp p = plan_op(op);
  cuda::LayerNormConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_layer_norm(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.rows, rows);
  EXPECT_EQ(c.row_size, row_size);
  EXPECT_EQ(c.mean_output, op.outputs > 1);
  EXPECT_EQ(c.inv_std_output, op.outputs > 2);
  const cuda::LaunchGeometry g = cuda::layer_norm_geometry(c);
  EXPECT_EQ(g.blocks, rows);
  EXPECT_GE(g.threads, 32);
  EXPECT_LE(g.threads, cuda::kThreadsPerBlock);
  EXPECT_TRUE(cuda::layer_norm_int32(c, g));
  const size_t threads = static_cast<size_t>(g.threads);
  const float* x = p.input(0).data<float>();
  const float* scale = p.input(1).data<float>();
  const float* bias = c.has_bias ? p.input(2).data<float>() : nullptr;
  Tensor y(DType::kFloat32, p.ref[0].shape());
  std::vector<float> mean(static_cast<size_t>(rows)), inv_std(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * row_size;
    std::vector<double> partial(threads, 0.0);
    for (int64_t i = 0; i < row_size; ++i) partial[static_cast<size_t>(i) % threads] += xr[i];
    double sum = 0;
    for (double v : partial) sum += v;
    const double m = sum / static_cast<double>(row_size);
    std::fill(partial.begin(), partial.end(), 0.0);
    for (int64_t i = 0; i < row_size; ++i) partial[static_cast<size_t>(i) % threads] += (xr[i] - m) * (xr[i] - m);
    double squares = 0;
    for (double v : partial) squares += v;
    LayerNormStats st;
    st.mean = static_cast<float>(m);
    st.std = std::sqrt(static_cast<float>(squares / static_cast<double>(row_size)) + c.epsilon);
    for (int64_t i = 0; i < row_size; ++i)
      y.data<float>()[r * row_size + i] = layer_norm_apply(xr[i], st, scale[i], bias ? bias[i] : 0.f);
    mean[static_cast<size_t>(r)] = st.mean;
    inv_std[static_cast<size_t>(r)] = 1.f / st.std;
  }
  EXPECT_LT(rel_l2(y, p.ref[0]), 1e-6);
  if (c.mean_output) {
    EXPECT_LT(rel_l2(Tensor::from_float(mean, p.ref[1].shape()), p.ref[1]), 1e-6);
  }
  if (c.inv_std_output) {
    EXPECT_LT(rel_l2(Tensor::from_float(inv_std, p.ref[2].shape()), p.ref[2]), 1e-6);
  }
}

TEST(CudaLayerNorm, RowsOfEveryAxisWithAndWithoutBiasAndStatistics) {
  const Tensor x = random_tensor({2, 5, 48}, 31, -3.f, 5.f);
  check_layer_norm(
      {"LayerNormalization", {}, {in(x), weight(random_tensor({48}, 32)), weight(random_tensor({48}, 33))}}, 10, 48);
  check_layer_norm({"LayerNormalization", {{"epsilon", attr_float(1e-3f)}}, {in(x), weight(random_tensor({48}, 34))}},
                   10, 48);
  check_layer_norm({"LayerNormalization",
                    {{"axis", attr_int(1)}},
                    {in(x), in(random_tensor({5, 48}, 35)), in(random_tensor({5, 48}, 36))},
                    3},
                   2, 240);
  // A row longer than a block (ViT-H's 1280) and one shorter than a warp.
  check_layer_norm({"LayerNormalization", {}, {in(random_tensor({3, 1280}, 37)), weight(random_tensor({1280}, 38))}, 2},
                   3, 1280);
  check_layer_norm({"LayerNormalization", {}, {in(random_tensor({7, 5}, 39)), weight(random_tensor({5}, 40))}}, 7, 5);
}

// --- one-operand math, comparisons, logic, Where, Pow, Expand -------------------------------------------------

// A bool tensor of a fixed pseudo-random pattern (about a third false).
Tensor bools(const Shape& s, unsigned seed) {
  Tensor t(DType::kBool, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = ((i * 7 + seed) % 3) != 0 ? 1 : 0;
  return t;
}

// The GPU kernel's loop on the host: y[i] = f(i, offset of i in each operand), for every output element, with the
// table arithmetic of the given index width.
template <typename Index, typename F>
void for_each_table_element(const cuda::IndexTable& t, int64_t n, F f) {
  int64_t offsets[cuda::kMaxTableOperands] = {};
  for (Index i = 0; i < static_cast<Index>(n); ++i) {
    for (int k = 0; k < t.operands; ++k) offsets[k] = static_cast<int64_t>(cuda::table_offset<Index>(t, k, i));
    f(static_cast<int64_t>(i), offsets);
  }
}

template <typename T, typename Fn>
Tensor emulate_unary(const PlannedOp& p, int64_t n, Fn fn) {
  Tensor y(p.ref[0].dtype(), p.ref[0].shape());
  const T* x = p.input(0).data<T>();
  for (int64_t i = 0; i < n; ++i) y.data<T>()[i] = fn(x[i]);
  return y;
}

// Plans `op` with plan_unary_math and runs the functor it chose over every element, as the kernel does.
void check_unary_math(const SingleOp& op, cuda::UnaryMathOp want) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded()) << op.op;
  cuda::UnaryMathConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_unary_math(p.view(), &c, &why)) << op.op << ": " << why;
  EXPECT_EQ(c.op, want) << op.op;
  ASSERT_EQ(c.elements, p.ref[0].numel());
  Tensor y;
  switch (c.op) {
    case cuda::UnaryMathOp::kSqrt:
      y = emulate_unary<float>(p, c.elements, SqrtFn{});
      break;
    case cuda::UnaryMathOp::kExp:
      y = emulate_unary<float>(p, c.elements, ExpFn{});
      break;
    case cuda::UnaryMathOp::kLog:
      y = emulate_unary<float>(p, c.elements, LogFn{});
      break;
    case cuda::UnaryMathOp::kReciprocal:
      y = emulate_unary<float>(p, c.elements, ReciprocalFn{});
      break;
    case cuda::UnaryMathOp::kNeg:
    case cuda::UnaryMathOp::kAbs:
      if (c.dtype == DType::kFloat32)
        y = c.op == cuda::UnaryMathOp::kNeg ? emulate_unary<float>(p, c.elements, NegFn{})
                                            : emulate_unary<float>(p, c.elements, AbsFn{});
      else if (c.dtype == DType::kInt64)
        y = c.op == cuda::UnaryMathOp::kNeg ? emulate_unary<int64_t>(p, c.elements, NegFn{})
                                            : emulate_unary<int64_t>(p, c.elements, AbsFn{});
      else
        y = c.op == cuda::UnaryMathOp::kNeg ? emulate_unary<int32_t>(p, c.elements, NegFn{})
                                            : emulate_unary<int32_t>(p, c.elements, AbsFn{});
      break;
    case cuda::UnaryMathOp::kNot:
      y = emulate_unary<uint8_t>(p, c.elements, NotFn{});
      break;
    case cuda::UnaryMathOp::kErf:
      y = emulate_unary<float>(p, c.elements, ErfFn{});
      break;
    case cuda::UnaryMathOp::kGeluErf:
      y = emulate_unary<float>(p, c.elements, GeluErfFn{});
      break;
    case cuda::UnaryMathOp::kGeluTanh:
      y = emulate_unary<float>(p, c.elements, GeluTanhFn{});
      break;
    default:
      FAIL() << "no emulation of " << cuda::unary_math_name(c.op);
  }
  expect_same_bytes(y, p.ref[0], op.op + " " + dtype_name(c.dtype));
}

TEST(CudaUnaryMath, EveryOpAndElementTypeMatchesRef) {
  const Tensor x = random_tensor({2, 3, 5, 7}, 41, -4.f, 4.f);
  const Tensor positive = random_tensor({2, 3, 5, 7}, 42, 0.01f, 9.f);
  check_unary_math({"Sqrt", {}, {in(positive)}}, cuda::UnaryMathOp::kSqrt);
  check_unary_math({"Exp", {}, {in(x)}}, cuda::UnaryMathOp::kExp);
  check_unary_math({"Log", {}, {in(positive)}}, cuda::UnaryMathOp::kLog);
  check_unary_math({"Reciprocal", {}, {in(positive)}}, cuda::UnaryMathOp::kReciprocal);
  for (DType t : {DType::kFloat32, DType::kInt64, DType::kInt32}) {
    const Tensor v = t == DType::kFloat32 ? x : typed_iota(t, {4, 9});
    check_unary_math({"Neg", {}, {in(v)}}, cuda::UnaryMathOp::kNeg);
    check_unary_math({"Abs", {}, {in(v)}}, cuda::UnaryMathOp::kAbs);
  }
  check_unary_math({"Not", {}, {in(bools({3, 11}, 1))}}, cuda::UnaryMathOp::kNot);
  check_unary_math({"Erf", {}, {in(x)}}, cuda::UnaryMathOp::kErf);
  check_unary_math({"Gelu", {}, {in(x)}}, cuda::UnaryMathOp::kGeluErf);
  check_unary_math({"Gelu", {{"approximate", attr_string("tanh")}}, {in(x)}}, cuda::UnaryMathOp::kGeluTanh);
  // Not a one-operand math op: the plan says so.
  const PlannedOp p = plan_op({"Relu", {}, {in(x)}});
  cuda::UnaryMathConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_unary_math(p.view(), &c, &why));
  EXPECT_NE(why.find("not a one-operand"), std::string::npos) << why;
}

// Comparisons and logic: the kernel's loop (two-operand table, bool output) against ref, int32 and int64 indices.
template <typename T, typename Index>
Tensor emulate_compare(const PlannedOp& p, const cuda::CompareConfig& c) {
  Tensor y(DType::kBool, p.ref[0].shape());
  const T* a = p.input(0).data<T>();
  const T* b = p.input(1).data<T>();
  uint8_t* out = y.data<uint8_t>();
  for_each_table_element<Index>(c.table, c.elements, [&](int64_t i, const int64_t* o) {
    const T va = a[o[0]], vb = b[o[1]];
    switch (c.op) {
      case cuda::CompareOp::kEqual:
        out[i] = EqualFn{}(va, vb);
        break;
      case cuda::CompareOp::kLess:
        out[i] = LessFn{}(va, vb);
        break;
      case cuda::CompareOp::kGreater:
        out[i] = GreaterFn{}(va, vb);
        break;
      case cuda::CompareOp::kLessOrEqual:
        out[i] = LessOrEqualFn{}(va, vb);
        break;
      case cuda::CompareOp::kGreaterOrEqual:
        out[i] = GreaterOrEqualFn{}(va, vb);
        break;
      case cuda::CompareOp::kAnd:
        if constexpr (std::is_same_v<T, uint8_t>) out[i] = AndFn{}(va, vb);
        break;
      case cuda::CompareOp::kOr:
        if constexpr (std::is_same_v<T, uint8_t>) out[i] = OrFn{}(va, vb);
        break;
      case cuda::CompareOp::kXor:
        if constexpr (std::is_same_v<T, uint8_t>) out[i] = XorFn{}(va, vb);
        break;
    }
  });
  return y;
}

template <typename T>
void check_compare(const SingleOp& op, int expected_in_place) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded()) << op.op;
  cuda::CompareConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_compare(p.view(), &c, &why)) << op.op << ": " << why;
  EXPECT_EQ(c.in_place_input, expected_in_place) << op.op;
  expect_same_bytes(emulate_compare<T, int32_t>(p, c), p.ref[0], op.op + " (int32 indices)");
  expect_same_bytes(emulate_compare<T, int64_t>(p, c), p.ref[0], op.op + " (int64 indices)");
}

TEST(CudaCompare, ComparisonsAndLogicMatchRefWithBroadcasting) {
  // Values drawn from a few levels, so equal pairs occur.
  Tensor a = random_tensor({2, 3, 4, 5}, 51, 0.f, 3.f), b = random_tensor({3, 1, 5}, 52, 0.f, 3.f);
  for (Tensor* t : {&a, &b})
    for (int64_t i = 0; i < t->numel(); ++i) t->data<float>()[i] = std::floor(t->data<float>()[i]);
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    check_compare<float>({op, {}, {in(a), in(b)}}, -1);
  check_compare<float>({"Less", {}, {in(a), weight(Tensor::from_float({1.f}, {}))}}, -1);
  const Tensor i64 = typed_iota(DType::kInt64, {4, 6});
  check_compare<int64_t>({"Equal", {}, {in(i64), in(typed_iota(DType::kInt64, {6}))}}, -1);
  check_compare<int64_t>({"Greater", {}, {in(i64), weight(Tensor::from_int64({0}, {1}))}}, -1);
  check_compare<int32_t>(
      {"LessOrEqual", {}, {in(typed_iota(DType::kInt32, {3, 1})), in(typed_iota(DType::kInt32, {4}))}}, -1);
  check_compare<uint8_t>({"And", {}, {in(bools({2, 5, 7}, 1)), in(bools({5, 1}, 2))}}, 0);
  check_compare<uint8_t>({"Or", {}, {in(bools({5, 1}, 3)), in(bools({2, 5, 7}, 4))}}, 1);
  check_compare<uint8_t>({"Xor", {}, {in(bools({6}, 5)), in(bools({6}, 6))}}, 0);
  // Equal on bool compares truth values: the host runs it.
  const PlannedOp p = plan_op({"Equal", {}, {in(bools({4}, 1)), in(bools({4}, 2))}});
  cuda::CompareConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_compare(p.view(), &c, &why));
  EXPECT_NE(why.find("bool"), std::string::npos) << why;
}

// Where, Pow and Expand: the kernels' loops against ref, int32 and int64 indices.
template <typename Unit, typename Index>
Tensor emulate_where(const PlannedOp& p, const cuda::WhereConfig& c) {
  Tensor y(p.ref[0].dtype(), p.ref[0].shape());
  const uint8_t* cond = p.input(0).data<uint8_t>();
  const Unit* x = static_cast<const Unit*>(p.input(1).raw());
  const Unit* other = static_cast<const Unit*>(p.input(2).raw());
  Unit* out = static_cast<Unit*>(y.raw());
  for_each_table_element<Index>(
      c.table, c.elements, [&](int64_t i, const int64_t* o) { out[i] = SelectFn{}(cond[o[0]], x[o[1]], other[o[2]]); });
  return y;
}

template <typename Unit>
void check_where(const SingleOp& op, int expected_in_place) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded());
  cuda::WhereConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_where(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.element_bytes, sizeof(Unit));
  EXPECT_EQ(c.in_place_input, expected_in_place);
  expect_same_bytes(emulate_where<Unit, int32_t>(p, c), p.ref[0], "Where (int32 indices)");
  expect_same_bytes(emulate_where<Unit, int64_t>(p, c), p.ref[0], "Where (int64 indices)");
}

TEST(CudaWhere, CausalMaskAndEveryElementSize) {
  const int64_t s = 9;
  Tensor causal(DType::kBool, {1, 1, s, s});
  for (int64_t i = 0; i < s; ++i)
    for (int64_t j = 0; j < s; ++j) causal.data<uint8_t>()[i * s + j] = j <= i ? 1 : 0;
  const Tensor scores = random_tensor({2, 4, s, s}, 61, -3.f, 3.f);
  const Tensor fill = Tensor::from_float({-std::numeric_limits<float>::infinity()}, {});
  // GPT-2: the scores where the mask holds, else -inf; in place on the scores.
  check_where<uint32_t>({"Where", {}, {weight(causal), in(scores), weight(fill)}}, 1);
  check_where<uint32_t>({"Where", {}, {in(bools({2, 1, s, 1}, 1)), weight(fill), in(scores)}}, 2);
  check_where<uint64_t>(
      {"Where", {}, {in(bools({3, 1}, 2)), in(typed_iota(DType::kInt64, {3, 4})), in(typed_iota(DType::kInt64, {4}))}},
      1);
  check_where<uint8_t>({"Where", {}, {in(bools({5}, 3)), in(bools({5}, 4)), in(bools({1}, 5))}}, 1);
}

template <typename TE, typename Index>
Tensor emulate_pow(const PlannedOp& p, const cuda::PowConfig& c) {
  Tensor y(DType::kFloat32, p.ref[0].shape());
  const float* base = p.input(0).data<float>();
  const TE* e = p.input(1).data<TE>();
  float* out = y.data<float>();
  for_each_table_element<Index>(c.table, c.elements,
                                [&](int64_t i, const int64_t* o) { out[i] = PowFn{}(base[o[0]], e[o[1]]); });
  return y;
}

template <typename TE>
void check_pow(const SingleOp& op, int expected_in_place) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded());
  cuda::PowConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_pow(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.in_place_input, expected_in_place);
  expect_same_bytes(emulate_pow<TE, int32_t>(p, c), p.ref[0], "Pow (int32 indices)");
  expect_same_bytes(emulate_pow<TE, int64_t>(p, c), p.ref[0], "Pow (int64 indices)");
}

TEST(CudaPow, FloatBaseWithEachExponentType) {
  const Tensor x = random_tensor({2, 7, 16}, 71, -2.f, 2.f);
  check_pow<float>({"Pow", {}, {in(x), weight(Tensor::from_float({2.f}, {}))}}, 0);  // the decomposed LayerNorm
  check_pow<float>({"Pow", {}, {in(random_tensor({3, 1}, 72, 0.1f, 3.f)), in(random_tensor({4}, 73, -2.f, 2.f))}}, -1);
  check_pow<int64_t>({"Pow", {}, {in(x), weight(Tensor::from_int64({3}, {1}))}}, 0);
  Tensor e32(DType::kInt32, {16});
  for (int64_t i = 0; i < 16; ++i) e32.data<int32_t>()[i] = static_cast<int32_t>(i % 5) - 2;
  check_pow<int32_t>({"Pow", {}, {in(x), in(e32)}}, 0);
  // An integer base (shape arithmetic) runs on the host.
  const PlannedOp p = plan_op({"Pow", {}, {in(typed_iota(DType::kInt64, {4})), weight(Tensor::from_int64({2}, {}))}});
  cuda::PowConfig c;
  std::string why;
  EXPECT_FALSE(cuda::plan_pow(p.view(), &c, &why));
  EXPECT_NE(why.find("int64"), std::string::npos) << why;
}

template <typename Unit, typename Index>
Tensor emulate_expand(const PlannedOp& p, const cuda::ExpandConfig& c) {
  Tensor y(p.ref[0].dtype(), p.ref[0].shape());
  const Unit* x = static_cast<const Unit*>(p.input(0).raw());
  Unit* out = static_cast<Unit*>(y.raw());
  for_each_table_element<Index>(c.table, c.elements, [&](int64_t i, const int64_t* o) { out[i] = x[o[0]]; });
  return y;
}

template <typename Unit>
void check_expand(const SingleOp& op) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded());
  cuda::ExpandConfig c;
  std::string why;
  ASSERT_TRUE(cuda::plan_expand(p.view(), &c, &why)) << why;
  EXPECT_EQ(c.element_bytes, sizeof(Unit));
  EXPECT_EQ(c.table.operands, 1);
  expect_same_bytes(emulate_expand<Unit, int32_t>(p, c), p.ref[0], "Expand (int32 indices)");
  expect_same_bytes(emulate_expand<Unit, int64_t>(p, c), p.ref[0], "Expand (int64 indices)");
}

TEST(CudaExpand, BroadcastCopiesOfEveryElementSize) {
  check_expand<uint32_t>({"Expand", {}, {in(random_tensor({3, 1}, 81)), weight(int64s({2, 3, 4}))}});
  check_expand<uint32_t>({"Expand", {}, {in(random_tensor({1, 1, 8}, 82)), weight(int64s({2, 5, 1}))}});
  check_expand<uint32_t>({"Expand", {}, {in(random_tensor({2, 3}, 83)), weight(int64s({1}))}});  // a plain copy
  check_expand<uint64_t>({"Expand", {}, {in(typed_iota(DType::kInt64, {4})), weight(int64s({3, 1, 4}))}});
  check_expand<uint8_t>({"Expand", {}, {in(bools({1, 6}, 1)), weight(int64s({5, 6}))}});
}

#ifdef DNNCOST_HAVE_CUDA
}  // namespace
}  // namespace dnncost::testing

#include <cuda_runtime_api.h>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/cuda_check.h"

namespace dnncost::testing {
namespace {

// The factories run on the CPU (they only plan: no CUDA call before execute()), so a CUDA build checks here that
// each op is registered, which configurations get a kernel and which fall back, and what the kernel declares.
std::unique_ptr<cuda::CudaKernel> build_cuda_kernel(const PlannedOp& p) {
  const PlanStep& step = p.plan->steps().at(0);
  const cuda::KernelFactory* f = cuda::KernelRegistry::instance().find(step.node->op_type);
  if (!f) throw std::runtime_error("no cuda kernel registered for " + step.node->op_type);
  const cuda::CudaContext ctx;
  return (*f)(cuda::KernelRequest{p.plan->view(0), ctx});
}

TEST(CudaKernelFactories, EveryOwnedOpIsRegistered) {
  for (const char* op : {"Add",         "Sub",       "Mul",       "Div",     "Sum",       "Max",
                         "PRelu",       "Relu",      "LeakyRelu", "Elu",     "Sigmoid",   "Tanh",
                         "HardSigmoid", "HardSwish", "Clip",      "Cast",    "Concat",    "Split",
                         "Transpose",   "Pad",       "Slice",     "Gather",  "Reshape",   "Flatten",
                         "Squeeze",     "Unsqueeze", "Identity",  "Dropout", "MaxUnpool", "InstanceNormalization",
                         "ReduceMean"})
    EXPECT_NE(cuda::KernelRegistry::instance().find(op), nullptr) << op;
}

TEST(CudaKernelFactories, KernelsDeclareConstantsInPlaceAndImplementation) {
  const Tensor bias = random_tensor({16, 1, 1}, 2);
  auto k = build_cuda_kernel(plan_op({"Add", {}, {in(random_tensor({2, 16, 4, 4}, 1)), weight(bias)}}));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->implementation, "dnncost broadcast_binary<Add>");
  EXPECT_EQ(k->in_place_input, 0);
  ASSERT_EQ(k->constants.size(), 1u);  // the bias, uploaded once
  EXPECT_EQ(std::memcmp(k->constants[0].data(), bias.raw(), bias.bytes()), 0);
  EXPECT_EQ(k->details.at("index"), "int32");

  k = build_cuda_kernel(
      plan_op({"Sum", {}, {in(random_tensor({3}, 1)), in(random_tensor({3}, 2)), in(random_tensor({3}, 3))}}));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->implementation, "dnncost broadcast_fold<Add>");

  k = build_cuda_kernel(plan_op({"Relu", {}, {in(random_tensor({4}))}}));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->implementation, "dnncost unary<Relu>");
  EXPECT_EQ(k->in_place_input, 0);
  EXPECT_TRUE(k->constants.empty());

  k = build_cuda_kernel(plan_op({"Flatten", {}, {in(random_tensor({2, 3, 4}))}}));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->in_place_input, 0);

  k = build_cuda_kernel(
      plan_op({"Gather", {{"axis", attr_int(1)}}, {in(random_tensor({2, 5})), weight(int64s({4, -1}))}}));
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->constants.size(), 1u);  // the resolved indices
  int64_t indices[2];
  std::memcpy(indices, k->constants[0].data(), sizeof(indices));
  EXPECT_EQ(indices[0], 4);
  EXPECT_EQ(indices[1], 4);

  for (const SingleOp& op : std::vector<SingleOp>{
           {"Transpose", {{"perm", attr_ints({0, 2, 1})}}, {in(random_tensor({2, 3, 4}))}},
           {"Pad", {}, {in(random_tensor({2, 3})), weight(int64s({1, 1, 1, 1}))}},
           {"Slice", {}, {in(random_tensor({4, 5})), weight(int64s({1})), weight(int64s({3}))}},
           {"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kInt64))}}, {in(random_tensor({4}))}},
           {"Concat", {{"axis", attr_int(0)}}, {in(random_tensor({1, 2})), in(random_tensor({3, 2}))}},
           {"MaxUnpool",
            {{"kernel_shape", attr_ints({2})}, {"strides", attr_ints({2})}},
            {in(random_tensor({1, 1, 2})), in(Tensor::from_int64({1, 2}, {1, 1, 2}))}},
           {"InstanceNormalization",
            {},
            {in(random_tensor({1, 2, 3})), weight(random_tensor({2})), weight(random_tensor({2}))}},
           {"ReduceMean", {{"axes", attr_ints({1})}}, {in(random_tensor({2, 3}))}}}) {
    k = build_cuda_kernel(plan_op(op));
    ASSERT_NE(k, nullptr) << op.op;
    EXPECT_EQ(k->implementation.rfind("dnncost ", 0), 0u) << op.op << ": " << k->implementation;
    EXPECT_EQ(k->details.count("layouts"), 1u) << op.op;
  }

  // Binding plans the row copies from the addresses: no CUDA call before execute().
  k = build_cuda_kernel(plan_op({"Split", {{"axis", attr_int(1)}}, {in(random_tensor({2, 8}))}, 2}));
  ASSERT_NE(k, nullptr);
  alignas(64) static float arena[32];
  cuda::KernelBinding b;
  b.inputs = {arena};
  b.outputs = {arena + 16, arena + 24};
  k->bind(b);
}

TEST(CudaKernelFactories, UnsupportedConfigurationsFallBackToTheHost) {
  const Tensor x = random_tensor({2, 3}, 1);
  EXPECT_EQ(build_cuda_kernel(plan_op({"Clip", {}, {in(x), in(Tensor::from_float({0.f}, {}))}})), nullptr);
  EXPECT_EQ(
      build_cuda_kernel(plan_op({"Div", {}, {in(typed_iota(DType::kInt64, {3})), in(typed_iota(DType::kInt64, {3}))}})),
      nullptr);
  EXPECT_EQ(build_cuda_kernel(plan_op({"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kFloat16))}}, {in(x)}})),
            nullptr);
  EXPECT_EQ(build_cuda_kernel(plan_op({"Gather", {}, {in(x), in(Tensor::from_int64({1}, {1}))}})), nullptr);
}

TEST(CudaKernelFactories, TransformerOpsAreRegisteredWithTheirImplementations) {
  for (const char* op : {"Sqrt",  "Exp",  "Log",     "Reciprocal",  "Neg",
                         "Abs",   "Not",  "Erf",     "Gelu",        "LayerNormalization",
                         "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                         "And",   "Or",   "Xor",     "Where",       "Pow",
                         "Expand"})
    EXPECT_NE(cuda::KernelRegistry::instance().find(op), nullptr) << op;
  const Tensor x = random_tensor({2, 3, 4}, 1);
  struct Case {
    SingleOp op;
    std::string implementation;
    int in_place;
    size_t constants;
  };
  const std::vector<Case> cases = {
      {{"Sqrt", {}, {in(x)}}, "dnncost unary<Sqrt>", 0, 0},
      {{"Erf", {}, {in(x)}}, "dnncost unary<Erf>", 0, 0},
      {{"Gelu", {{"approximate", attr_string("tanh")}}, {in(x)}}, "dnncost unary<GeluTanh>", 0, 0},
      {{"LayerNormalization", {}, {in(x), weight(random_tensor({4}, 3)), weight(random_tensor({4}, 4))}},
       "dnncost layer_norm (block per row, double statistics)",
       0,
       2},
      {{"Neg", {}, {in(typed_iota(DType::kInt64, {5}))}}, "dnncost unary<Neg>", 0, 0},
      {{"Less", {}, {in(x), weight(Tensor::from_float({0.f}, {}))}}, "dnncost broadcast_compare<Less>", -1, 1},
      {{"Where", {}, {weight(bools({3, 4}, 1)), in(x), weight(Tensor::from_float({-1e9f}, {}))}},
       "dnncost broadcast_select<Where>",
       1,
       2},
      {{"Pow", {}, {in(x), weight(Tensor::from_float({2.f}, {}))}}, "dnncost broadcast_binary<Pow>", 0, 1},
      {{"Expand", {}, {in(random_tensor({3, 1}, 2)), weight(int64s({2, 3, 4}))}},
       "dnncost broadcast_copy<Expand>",
       -1,
       0},
  };
  for (const Case& c : cases) {
    auto k = build_cuda_kernel(plan_op(c.op));
    ASSERT_NE(k, nullptr) << c.op.op;
    EXPECT_EQ(k->implementation, c.implementation);
    EXPECT_EQ(k->in_place_input, c.in_place) << c.op.op;
    EXPECT_EQ(k->constants.size(), c.constants) << c.op.op;  // constant operands are uploaded once
    EXPECT_EQ(k->details.count("layouts"), 1u) << c.op.op;
  }
  // Configurations the kernels do not read fall back to the host.
  EXPECT_EQ(build_cuda_kernel(plan_op({"Equal", {}, {in(bools({4}, 1)), in(bools({4}, 2))}})), nullptr);
  EXPECT_EQ(build_cuda_kernel(
                plan_op({"Pow", {}, {in(typed_iota(DType::kInt64, {4})), weight(Tensor::from_int64({2}, {}))}})),
            nullptr);
}

// --- on the GPU (skipped without one) ------------------------------------------------------------------------------
//
// Each kernel built by its factory, bound to cudaMalloc'ed buffers and run on a stream, against the ref output:
// bit for bit where the kernel computes exactly the ref's operations (data movement, integer and single-operation
// float math), else within float rounding (transcendental functions, fused multiply-add, double sums in another
// order). Outputs start filled with a byte pattern, so an element the kernel forgets shows. Every case also runs
// with 64-bit indices forced, and in place where the kernel allows it.

// Why no GPU can run here, or "" when one can.
std::string gpu_missing() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return std::string("no usable CUDA GPU (") + cudaGetErrorString(status) + ")";
  }
  return count == 0 ? "no CUDA GPU on this machine" : "";
}

#define DNNCOST_SKIP_WITHOUT_GPU()                   \
  do {                                               \
    const std::string missing_ = gpu_missing();      \
    if (!missing_.empty()) GTEST_SKIP() << missing_; \
  } while (0)

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) { DNNCOST_CUDA_CHECK(cudaMalloc(&ptr_, bytes == 0 ? 1 : bytes)); }
  ~DeviceBuffer() { cudaFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
};

// Runs p's step on the GPU with its cuda kernel; in_place: output 0 shares the buffer of kernel->in_place_input.
std::vector<Tensor> run_on_gpu(const PlannedOp& p, bool in_place, std::string* implementation) {
  std::unique_ptr<cuda::CudaKernel> k = build_cuda_kernel(p);
  if (!k) throw std::runtime_error("the factory returned no kernel");
  *implementation = k->implementation;
  const PlanStep& step = p.plan->steps().at(0);
  const auto& values = p.plan->values();
  std::vector<std::unique_ptr<DeviceBuffer>> buffers;
  const auto allocate = [&](size_t bytes) {
    buffers.push_back(std::make_unique<DeviceBuffer>(bytes));
    return buffers.back()->get();
  };
  cuda::KernelBinding b;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    const int id = step.inputs[i];
    if (id < 0 || values[id].constant) {
      b.inputs.push_back(nullptr);
      continue;
    }
    const Tensor& t = p.input(i);
    void* d = allocate(t.bytes());
    if (t.bytes()) DNNCOST_CUDA_CHECK(cudaMemcpy(d, t.raw(), t.bytes(), cudaMemcpyHostToDevice));
    b.inputs.push_back(d);
  }
  for (const auto& c : k->constants) {
    void* d = allocate(c.size());
    if (!c.empty()) DNNCOST_CUDA_CHECK(cudaMemcpy(d, c.data(), c.size(), cudaMemcpyHostToDevice));
    b.constants.push_back(d);
  }
  std::vector<size_t> out_bytes;
  for (size_t o = 0; o < step.outputs.size(); ++o) {
    const int id = step.outputs[o];
    out_bytes.push_back(id < 0 ? 0 : static_cast<size_t>(shape_numel(values[id].shape)) * dtype_size(values[id].dtype));
    if (id < 0) {
      b.outputs.push_back(nullptr);
    } else if (o == 0 && in_place && k->in_place_input >= 0 && b.inputs.at(static_cast<size_t>(k->in_place_input))) {
      b.outputs.push_back(b.inputs.at(static_cast<size_t>(k->in_place_input)));
    } else {
      void* d = allocate(out_bytes.back());
      DNNCOST_CUDA_CHECK(cudaMemset(d, 0xA5, out_bytes.back()));
      b.outputs.push_back(d);
    }
  }
  if (k->workspace_bytes) b.workspace = allocate(k->workspace_bytes);
  cudaStream_t stream = nullptr;
  DNNCOST_CUDA_CHECK(cudaStreamCreate(&stream));
  k->bind(b);
  k->execute(stream);
  const cudaError_t done = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  DNNCOST_CUDA_CHECK(done);
  std::vector<Tensor> outs;
  for (size_t o = 0; o < step.outputs.size(); ++o) {
    const int id = step.outputs[o];
    if (id < 0) {
      outs.emplace_back();
      continue;
    }
    outs.emplace_back(values[id].dtype, values[id].shape);
    if (out_bytes[o])
      DNNCOST_CUDA_CHECK(cudaMemcpy(outs.back().raw(), b.outputs[o], out_bytes[o], cudaMemcpyDeviceToHost));
  }
  return outs;
}

// Runs `op` on the GPU (int32 and forced int64 indices, out of place and in place) against the ref output.
void check_on_gpu(const SingleOp& op, bool exact) {
  const PlannedOp p = plan_op(op);
  ASSERT_FALSE(p.folded()) << op.op;
  for (bool force_int64 : {false, true}) {
    for (bool in_place : {false, true}) {
      cuda::int64_indexing_forced() = force_int64;
      std::string implementation;
      std::vector<Tensor> got;
      try {
        got = run_on_gpu(p, in_place, &implementation);
      } catch (const std::exception& e) {
        cuda::int64_indexing_forced() = false;
        FAIL() << op.op << ": " << e.what();
      }
      cuda::int64_indexing_forced() = false;
      const std::string what =
          op.op + " [" + implementation + (force_int64 ? ", int64" : "") + (in_place ? ", in place" : "") + "]";
      for (size_t o = 0; o < p.ref.size(); ++o) {
        if (got[o].dtype() == DType::kUndefined) continue;
        if (exact)
          expect_same_bytes(got[o], p.ref[o], what + " output " + std::to_string(o));
        else
          EXPECT_LT(rel_l2(got[o], p.ref[o]), 1e-6) << what << " output " << o;
      }
    }
  }
}

TEST(CudaKernelsGpu, ElementwiseArithmetic) {
  DNNCOST_SKIP_WITHOUT_GPU();
  check_on_gpu({"Add", {}, {in(random_tensor({2, 3, 4, 5}, 1)), in(random_tensor({3, 1, 5}, 2))}}, true);
  check_on_gpu({"Sub", {}, {in(random_tensor({1}, 3)), in(random_tensor({2, 3}, 4))}}, true);
  check_on_gpu({"Mul", {}, {in(random_tensor({1, 3, 1, 5}, 5)), in(random_tensor({2, 1, 4, 1}, 6))}}, true);
  check_on_gpu({"Div", {}, {in(random_tensor({4, 6}, 7)), weight(random_tensor({6}, 8, 0.5f, 2.f))}}, true);
  check_on_gpu({"Add", {}, {in(random_tensor({8, 64, 56, 56}, 9)), weight(random_tensor({64, 1, 1}, 10))}}, true);
  check_on_gpu({"Max", {}, {in(random_tensor({3, 4}, 11)), in(random_tensor({4}, 12)), in(random_tensor({3, 1}, 13))}},
               true);
  check_on_gpu({"Sum", {}, {in(random_tensor({2, 5}, 14))}}, true);
  check_on_gpu({"Sum",
                {},
                {in(random_tensor({2, 1, 3}, 15)), in(random_tensor({4, 1}, 16)), in(random_tensor({3}, 17)),
                 in(random_tensor({2, 4, 3}, 18))}},
               true);
  check_on_gpu({"Add", {}, {in(typed_iota(DType::kInt64, {3, 4})), in(typed_iota(DType::kInt64, {4}))}}, true);
  check_on_gpu({"Mul", {}, {in(typed_iota(DType::kInt32, {2, 3})), in(typed_iota(DType::kInt32, {2, 1}))}}, true);
  check_on_gpu({"Div", {}, {in(typed_iota(DType::kInt64, {3, 4})), weight(int64s({3, -2, 7, -1}))}}, true);
  check_on_gpu({"PRelu", {}, {in(random_tensor({2, 3, 4, 4}, 19)), weight(random_tensor({3, 1, 1}, 20))}}, true);
}

TEST(CudaKernelsGpu, Activations) {
  DNNCOST_SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({2, 3, 33, 7}, 21, -8.f, 8.f);
  for (const char* op : {"Relu", "LeakyRelu"}) check_on_gpu({op, {}, {in(x)}}, true);
  for (const char* op : {"Elu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"}) check_on_gpu({op, {}, {in(x)}}, false);
  check_on_gpu({"Clip", {}, {in(x), weight(Tensor::from_float({0.f}, {})), weight(Tensor::from_float({6.f}, {}))}},
               true);
}

TEST(CudaKernelsGpu, ByteCopies) {
  DNNCOST_SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({2, 3, 4}, 22);
  check_on_gpu({"Reshape", {}, {in(x), weight(int64s({6, -1}))}}, true);
  check_on_gpu({"Flatten", {}, {in(x)}}, true);
  check_on_gpu({"Unsqueeze", {}, {in(x), weight(int64s({0}))}}, true);
  check_on_gpu({"Squeeze", {}, {in(random_tensor({2, 1, 3}, 23)), weight(int64s({1}))}}, true);
  check_on_gpu({"Identity", {}, {in(x)}}, true);
  check_on_gpu({"Dropout", {}, {in(x)}, 2}, true);
}

TEST(CudaKernelsGpu, ConcatAndSplit) {
  DNNCOST_SKIP_WITHOUT_GPU();
  for (int64_t axis : {0, 1, 2, -1}) {
    Shape a = {2, 3, 4}, b = {2, 3, 4};
    const size_t ax = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
    a[ax] = 1;
    b[ax] = 5;
    check_on_gpu({"Concat",
                  {{"axis", attr_int(axis)}},
                  {in(random_tensor(a, 1)), in(random_tensor(b, 2)), weight(random_tensor(a, 3))}},
                 true);
  }
  check_on_gpu({"Concat",
                {{"axis", attr_int(1)}},
                {in(typed_iota(DType::kUint8, {2, 3})), in(typed_iota(DType::kUint8, {2, 5}))}},
               true);  // odd byte counts: one-byte units
  check_on_gpu(
      {"Split", {{"axis", attr_int(1)}}, {in(typed_iota(DType::kInt64, {2, 6, 3})), weight(int64s({1, 3, 2}))}, 3},
      true);
}

TEST(CudaKernelsGpu, TransposeSlicePadGatherCast) {
  DNNCOST_SKIP_WITHOUT_GPU();
  check_on_gpu({"Transpose", {{"perm", attr_ints({0, 2, 3, 1})}}, {in(random_tensor({2, 3, 4, 5}, 31))}}, true);
  check_on_gpu({"Transpose", {{"perm", attr_ints({3, 1, 0, 2})}}, {in(typed_iota(DType::kInt64, {2, 3, 4, 5}))}}, true);
  check_on_gpu({"Transpose", {}, {in(typed_iota(DType::kUint8, {3, 5, 7}))}}, true);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const Tensor x = random_tensor({4, 5, 6}, 32);
  check_on_gpu({"Slice", {}, {in(x), weight(int64s({1, 0})), weight(int64s({3, kMax})), weight(int64s({0, 2}))}}, true);
  check_on_gpu(
      {"Slice",
       {},
       {in(x), weight(int64s({-1, 5})), weight(int64s({kMin, 0})), weight(int64s({2, 1})), weight(int64s({-2, -1}))}},
      true);
  check_on_gpu({"Slice", {}, {in(x), weight(int64s({2, 1, 0})), weight(int64s({3, 4, 6}))}}, true);
  const Tensor y = random_tensor({2, 3, 4, 5}, 33);
  for (const char* mode : {"constant", "reflect", "edge"})
    check_on_gpu({"Pad", {{"mode", attr_string(mode)}}, {in(y), weight(int64s({0, 1, -1, 2, 1, 0, 2, -2}))}}, true);
  check_on_gpu({"Pad", {}, {in(y), weight(int64s({0, 0, 1, 1, 0, 0, 1, 1})), in(Tensor::from_float({9.f}, {}))}}, true);
  check_on_gpu(
      {"Pad",
       {},
       {in(typed_iota(DType::kInt64, {3, 4})), weight(int64s({1, 1, 1, 1})), weight(Tensor::from_int64({-7}, {}))}},
      true);
  check_on_gpu({"Gather", {{"axis", attr_int(1)}}, {in(x), weight(Tensor::from_int64({0, -1, 2, 1, 2, 0}, {2, 3}))}},
               true);
  for (DType to : {DType::kInt32, DType::kBool, DType::kUint8, DType::kFloat64})
    check_on_gpu({"Cast", {{"to", attr_int(static_cast<int64_t>(to))}}, {in(random_tensor({3, 7}, 34, -300.f, 300.f))}},
                 true);
  check_on_gpu(
      {"Cast", {{"to", attr_int(static_cast<int64_t>(DType::kFloat32))}}, {in(typed_iota(DType::kInt64, {9}))}}, true);
}

TEST(CudaKernelsGpu, MaxUnpoolInstanceNormReduceMean) {
  DNNCOST_SKIP_WITHOUT_GPU();
  check_on_gpu(
      {"MaxUnpool",
       {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}},
       {in(random_tensor({1, 2, 2, 2}, 61)), in(Tensor::from_int64({0, 3, 9, 14, 16, 19, 26, 31}, {1, 2, 2, 2}))}},
      true);
  check_on_gpu({"InstanceNormalization",
                {{"epsilon", attr_float(1e-3f)}},
                {in(random_tensor({2, 3, 35, 17}, 71, -3.f, 5.f)), weight(random_tensor({3}, 72)),
                 weight(random_tensor({3}, 73))}},
               false);
  const Tensor x = random_tensor({2, 3, 40, 40}, 81);
  check_on_gpu({"ReduceMean", {{"axes", attr_ints({2, 3})}}, {in(x)}}, false);  // block per output
  check_on_gpu({"ReduceMean", {{"axes", attr_ints({1})}, {"keepdims", attr_int(0)}}, {in(x)}},
               false);  // thread per output
  check_on_gpu({"ReduceMean", {}, {in(x)}}, false);
}
TEST(CudaKernelsGpu, TransformerElementwiseOps) {
  DNNCOST_SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({2, 3, 33, 7}, 91, -4.f, 4.f);
  const Tensor positive = random_tensor({2, 3, 33, 7}, 92, 0.01f, 9.f);
  for (const char* op : {"Sqrt", "Log", "Reciprocal"}) check_on_gpu({op, {}, {in(positive)}}, false);
  check_on_gpu({"Exp", {}, {in(x)}}, false);
  check_on_gpu({"Erf", {}, {in(x)}}, false);
  check_on_gpu({"Gelu", {}, {in(x)}}, false);
  check_on_gpu({"Gelu", {{"approximate", attr_string("tanh")}}, {in(x)}}, false);
  for (const char* op : {"Neg", "Abs"}) {
    check_on_gpu({op, {}, {in(x)}}, true);
    check_on_gpu({op, {}, {in(typed_iota(DType::kInt64, {5, 9}))}}, true);
    check_on_gpu({op, {}, {in(typed_iota(DType::kInt32, {5, 9}))}}, true);
  }
  check_on_gpu({"Not", {}, {in(bools({7, 13}, 1))}}, true);
  Tensor a = random_tensor({2, 3, 4, 5}, 93, 0.f, 3.f), b = random_tensor({3, 1, 5}, 94, 0.f, 3.f);
  for (Tensor* t : {&a, &b})
    for (int64_t i = 0; i < t->numel(); ++i) t->data<float>()[i] = std::floor(t->data<float>()[i]);
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    check_on_gpu({op, {}, {in(a), in(b)}}, true);
  check_on_gpu({"Equal", {}, {in(typed_iota(DType::kInt64, {4, 6})), in(typed_iota(DType::kInt64, {6}))}}, true);
  check_on_gpu({"Less", {}, {in(typed_iota(DType::kInt32, {3, 1})), in(typed_iota(DType::kInt32, {4}))}}, true);
  for (const char* op : {"And", "Or", "Xor"})
    check_on_gpu({op, {}, {in(bools({2, 5, 7}, 2)), in(bools({5, 1}, 3))}}, true);
  const int64_t s = 33;
  Tensor causal(DType::kBool, {1, 1, s, s});
  for (int64_t i = 0; i < s; ++i)
    for (int64_t j = 0; j < s; ++j) causal.data<uint8_t>()[i * s + j] = j <= i ? 1 : 0;
  const Tensor scores = random_tensor({2, 4, s, s}, 95, -3.f, 3.f);
  const Tensor fill = Tensor::from_float({-std::numeric_limits<float>::infinity()}, {});
  check_on_gpu({"Where", {}, {weight(causal), in(scores), weight(fill)}}, true);
  check_on_gpu({"Where", {}, {in(bools({2, 1, s, 1}, 4)), weight(fill), in(scores)}}, true);
  check_on_gpu(
      {"Where", {}, {in(bools({3, 1}, 5)), in(typed_iota(DType::kInt64, {3, 4})), in(typed_iota(DType::kInt64, {4}))}},
      true);
  check_on_gpu({"Pow", {}, {in(x), weight(Tensor::from_float({2.f}, {}))}}, false);
  check_on_gpu({"Pow", {}, {in(random_tensor({3, 1}, 96, 0.1f, 3.f)), in(random_tensor({4}, 97, -2.f, 2.f))}}, false);
  check_on_gpu({"Pow", {}, {in(x), weight(Tensor::from_int64({3}, {1}))}}, false);
  check_on_gpu({"Expand", {}, {in(random_tensor({3, 1}, 98)), weight(int64s({2, 3, 4}))}}, true);
  check_on_gpu({"Expand", {}, {in(typed_iota(DType::kInt64, {4})), weight(int64s({3, 1, 4}))}}, true);
  check_on_gpu({"Expand", {}, {in(bools({1, 6}, 6)), weight(int64s({5, 6}))}}, true);
}
TEST(CudaKernelsGpu, LayerNormalization) {
  DNNCOST_SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({4, 50, 768}, 101, -3.f, 5.f);  // ViT-B/16's rows at batch 4 (50 tokens)
  check_on_gpu(
      {"LayerNormalization", {}, {in(x), weight(random_tensor({768}, 102)), weight(random_tensor({768}, 103))}}, false);
  check_on_gpu({"LayerNormalization",
                {{"axis", attr_int(1)}, {"epsilon", attr_float(1e-3f)}},
                {in(random_tensor({3, 7, 40}, 104)), in(random_tensor({7, 40}, 105))},
                3},
               false);  // Scale at run time, no B, Mean and InvStdDev
  check_on_gpu({"LayerNormalization", {}, {in(random_tensor({5, 1280}, 106)), weight(random_tensor({1280}, 107))}},
               false);
}
#endif  // DNNCOST_HAVE_CUDA

}  // namespace
}  // namespace dnncost::testing
