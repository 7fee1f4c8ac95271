// Unit tests of the resource limits and failure paths (docs/RELIABILITY.md): --max-memory sizes and the cap a
// session checks before allocating, plan-time folding limits, internal errors kept apart from model errors, empty
// tensors with storage, and the overflow-free range arithmetic of the convolution tap plan.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "core/errors.h"
#include "engine/memory_cap.h"
#include "engine/memory_plan.h"
#include "engine/plan.h"
#include "engine/session.h"
#include "kernels/conv_taps.h"
#include "core/host_info.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// X [n, 64] -> Relu -> Y, plus a folded MatMul of two constant [k, k] matrices when k > 0.
Graph small_graph(int64_t k = 0) {
  Graph g;
  g.path = "small.onnx";
  g.opset = 17;
  ValueInfo in;
  in.name = "X";
  in.dtype = DType::kFloat32;
  in.has_shape = true;
  in.dims = {Dim{-1, "N"}, Dim{64, ""}};
  g.inputs.push_back(in);
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"X"};
  relu.outputs = {"Y"};
  g.nodes.push_back(relu);
  ValueInfo out;
  out.name = "Y";
  g.outputs.push_back(out);
  if (k > 0) {
    g.initializers["A"] = std::make_shared<const Tensor>(DType::kFloat32, Shape{k, k});
    Node mm;
    mm.name = "const_matmul";
    mm.op_type = "MatMul";
    mm.inputs = {"A", "A"};
    mm.outputs = {"AA"};
    g.nodes.push_back(mm);
    ValueInfo o2;
    o2.name = "AA";
    g.outputs.push_back(o2);
  }
  return g;
}

std::string message_of(const std::function<void()>& f) { return error_message<std::exception>(f); }

TEST(MemoryCap, ParsesSizesWithBinaryUnits) {
  EXPECT_EQ(parse_byte_size("1000000", "--max-memory"), 1000000);
  EXPECT_EQ(parse_byte_size("4G", "--max-memory"), int64_t{4} << 30);
  EXPECT_EQ(parse_byte_size("512M", "--max-memory"), int64_t{512} << 20);
  EXPECT_EQ(parse_byte_size("512MiB", "--max-memory"), int64_t{512} << 20);
  EXPECT_EQ(parse_byte_size("2gb", "--max-memory"), int64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("1.5K", "--max-memory"), 1536);
  EXPECT_EQ(parse_byte_size("3T", "--max-memory"), int64_t{3} << 40);
  EXPECT_EQ(parse_byte_size("0", "--max-memory"), 0);
}

TEST(MemoryCap, RejectsMalformedSizesNamingTheOption) {
  for (const char* bad : {"", "G", "-1G", "12parsecs", "1..5G", "1e3", "99999999999T", "4 G"}) {
    const std::string m = message_of([&] { parse_byte_size(bad, "--max-memory"); });
    EXPECT_NE(m.find("--max-memory"), std::string::npos) << bad << ": " << m;
    EXPECT_NE(m.find("4G"), std::string::npos) << bad << ": " << m;
  }
}

TEST(MemoryCap, DefaultIsTheHostsAvailableMemoryAndNoneMeansNoCap) {
  DeviceSpec ref;
  const MemoryCap dflt = resolve_memory_cap("", ref);
  ASSERT_TRUE(dflt.limited());  // Linux has /proc/meminfo
  EXPECT_GT(dflt.bytes, 0);
  EXPECT_EQ(dflt.bytes > 0, host_available_bytes() > 0);
  EXPECT_NE(dflt.source.find("MemAvailable"), std::string::npos);
  EXPECT_FALSE(resolve_memory_cap("none", ref).limited());
  const MemoryCap set = resolve_memory_cap("2M", ref);
  EXPECT_EQ(set.bytes, int64_t{2} << 20);
  EXPECT_EQ(set.source, "--max-memory 2M");
}

TEST(MemoryCap, SessionAboveTheCapIsRefusedBeforeAllocating) {
  const Graph g = small_graph();
  const Plan plan(g, bind_batch(g, 1000));  // X and Y: 1000 * 64 floats each = 256000 bytes, Y in place of X
  const int64_t arena = plan_memory(plan).arena_bytes;
  DeviceSpec spec;
  spec.memory_cap.bytes = arena - 1;
  spec.memory_cap.source = "--max-memory test";
  expect_error<MemoryCapError>(
      [&] { make_session(plan, spec); },
      {"small.onnx", "at batch 1000", std::to_string(arena) + " bytes", "--max-memory test", "nothing was allocated"});
  spec.memory_cap.bytes = arena;  // exactly enough
  EXPECT_NE(make_session(plan, spec), nullptr);
  spec.memory_cap = MemoryCap();  // no cap
  EXPECT_NE(make_session(plan, spec), nullptr);
}

TEST(PlanLimits, FoldedValueTotalAndWorkAreCapped) {
  const Graph g = small_graph(64);  // a folded MatMul: 64^3 MACs, a 16 KiB result
  EXPECT_NO_THROW(Plan(g, bind_batch(g, 1)));

  PlanLimits value;
  value.max_folded_value_bytes = 1024;
  std::string m = message_of([&] { Plan(g, bind_batch(g, 1), value); });
  EXPECT_NE(m.find("node 'const_matmul' (MatMul)"), std::string::npos) << m;
  EXPECT_NE(m.find("at most 1 KiB per value at plan time"), std::string::npos) << m;

  PlanLimits total;
  total.max_folded_total_bytes = 8192;
  m = message_of([&] { Plan(g, bind_batch(g, 1), total); });
  EXPECT_NE(m.find("at most 8 KiB in all at plan time"), std::string::npos) << m;

  PlanLimits work;
  work.max_folded_flops = 1000;
  m = message_of([&] { Plan(g, bind_batch(g, 1), work); });
  EXPECT_NE(m.find("node 'const_matmul' (MatMul)"), std::string::npos) << m;
  EXPECT_NE(m.find("262144 MACs"), std::string::npos) << m;
  EXPECT_NE(m.find("at most 1000 MACs + FLOPs per node"), std::string::npos) << m;

  PlanLimits one_value;
  one_value.max_value_bytes = 1000;
  m = message_of([&] { Plan(g, bind_batch(g, 8), one_value); });
  EXPECT_NE(m.find("graph input 'X'"), std::string::npos) << m;
  EXPECT_NE(m.find("more than the 1000 bytes dnncost plans for one value"), std::string::npos) << m;
}

TEST(PlanStructure, NodeWithoutFirstOutputIsRefusedNamingIt) {
  Graph g = small_graph();
  g.nodes[0].outputs = {};
  g.outputs.clear();
  std::string m = message_of([&] { Plan(g, bind_batch(g, 1)); });
  EXPECT_NE(m.find("node 'relu' (Relu)"), std::string::npos) << m;
  EXPECT_NE(m.find("output 0"), std::string::npos) << m;
  g.nodes[0].outputs = {""};
  m = message_of([&] { Plan(g, bind_batch(g, 1)); });
  EXPECT_NE(m.find("output 0"), std::string::npos) << m;
}

TEST(Errors, OnlyModelErrorsStayModelErrors) {
  auto wrapped = [](auto thrower) -> std::exception_ptr {
    try {
      try {
        thrower();
      } catch (...) {
        rethrow_with_node_context("m.onnx", "n1", "Op");
      }
    } catch (...) {
      return std::current_exception();
    }
    return nullptr;
  };
  try {
    std::rethrow_exception(wrapped([] { throw ModelError("bad attribute"); }));
  } catch (const ModelError& e) {
    EXPECT_STREQ(e.what(), "m.onnx: node 'n1' (Op): bad attribute");
  }
  try {  // a bug (here std::out_of_range) must not pass for a problem of the model
    std::rethrow_exception(wrapped([] { throw std::out_of_range("vector::_M_range_check"); }));
  } catch (const ModelError&) {
    FAIL() << "a std::out_of_range became a ModelError";
  } catch (const InternalError& e) {
    EXPECT_STREQ(e.what(), "m.onnx: node 'n1' (Op): vector::_M_range_check");
  }
  EXPECT_THROW(std::rethrow_exception(wrapped([] { throw std::bad_alloc(); })), std::bad_alloc);
}

TEST(Tensor, EmptyTensorsHaveStorageSoZeroByteCopiesAreDefined) {
  Tensor empty(DType::kFloat32, {3, 0});
  EXPECT_EQ(empty.bytes(), 0u);
  EXPECT_NE(empty.raw(), nullptr);
  Tensor copy(empty);
  EXPECT_NE(copy.raw(), nullptr);
  EXPECT_NE(Tensor::view(DType::kInt64, {0}, nullptr).raw(), nullptr);
  std::memcpy(copy.raw(), empty.raw(), 0);
  EXPECT_EQ(Tensor().raw(), nullptr);  // default-constructed: no type, no storage
}

TEST(ConvTapRanges, ExactWithoutOverflowAtTheExtremes) {
  using conv_detail::ceil_div;
  using conv_detail::floor_div;
  using conv_detail::range_end;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(floor_div(-7, 2), -4);
  EXPECT_EQ(ceil_div(-7, 2), -3);
  EXPECT_EQ(floor_div(7, 2), 3);
  EXPECT_EQ(ceil_div(7, 2), 4);
  EXPECT_EQ(ceil_div(kMax, kMax - 1), 2);
  EXPECT_EQ(floor_div(-kMax, kMax), -1);
  // b = 5, shift = -kMax (a huge pad): (4 + kMax) / stride exceeds int64 for stride 1 -> the limit.
  EXPECT_EQ(range_end(5, -kMax, 1, 10), 10);
  // ... and is 2 for stride 2^62 ((4 + kMax) / 2^62 = 2, so the end is 2 + 1 = 3, capped at limit 10).
  EXPECT_EQ(range_end(5, -kMax, int64_t{1} << 62, 10), 3);
  EXPECT_EQ(range_end(5, 0, 1, 10), 5);
  EXPECT_LE(range_end(5, 7, 1, 10), 0);  // every position is past the end: an empty range
  EXPECT_EQ(range_end(5, 2, 2, 10), 2);  // a = 0, 1 give b = 2, 4
}

TEST(ConvPlanning, AHugeConvolutionPlansAtOnce) {
  // A 7x7 convolution with 2^20 padding: its output would need 64 TiB. Planning (dnncost info) only infers
  // shapes and cost; the tap plan is built on the first run, so this returns at once.
  SingleOp op;
  op.op = "Conv";
  op.attrs["pads"] = attr_ints({1 << 20, 1 << 20, 1 << 20, 1 << 20});
  Graph g;
  g.path = "huge.onnx";
  g.opset = 17;
  ValueInfo x;
  x.name = "X";
  x.dtype = DType::kFloat32;
  x.has_shape = true;
  x.dims = {Dim{1, ""}, Dim{3, ""}, Dim{8, ""}, Dim{8, ""}};
  g.inputs.push_back(x);
  g.initializers["W"] = std::make_shared<const Tensor>(DType::kFloat32, Shape{4, 3, 7, 7});
  Node n;
  n.name = "conv";
  n.op_type = "Conv";
  n.inputs = {"X", "W"};
  n.outputs = {"Y"};
  n.attributes = op.attrs;
  g.nodes.push_back(n);
  ValueInfo y;
  y.name = "Y";
  g.outputs.push_back(y);
  const Plan plan(g, bind_batch(g, 1));
  const int64_t side = 8 + 2 * (1 << 20) - 6;
  EXPECT_EQ(plan.values()[plan.output_ids()[0]].shape, (Shape{1, 4, side, side}));
  EXPECT_EQ(plan.totals().macs, 4 * side * side * 3 * 49);
}

}  // namespace
}  // namespace dnncost::testing
