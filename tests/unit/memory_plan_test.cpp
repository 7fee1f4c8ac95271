// Unit tests of the memory plan: no two live values share bytes, in-place reuse, and the ref session's
// allocation equals the plan.
#include <gtest/gtest.h>

#include "engine/memory_plan.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

Node make_node(const std::string& name, const std::string& op, std::vector<std::string> ins,
               std::vector<std::string> outs) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  return n;
}

// x -> relu a -> sigmoid b -> add(b, a) c -> tanh d ; a is read twice, so b cannot overwrite it.
Graph diamond_graph() {
  Graph g;
  g.path = "diamond.onnx";
  g.opset = 13;
  ValueInfo in;
  in.name = "x";
  in.dtype = DType::kFloat32;
  in.has_shape = true;
  in.dims = {Dim{-1, "N"}, Dim{64, ""}};
  g.inputs.push_back(in);
  g.nodes = {make_node("r", "Relu", {"x"}, {"a"}), make_node("s", "Sigmoid", {"a"}, {"b"}),
             make_node("p", "Add", {"b", "a"}, {"c"}), make_node("t", "Tanh", {"c"}, {"d"})};
  ValueInfo out;
  out.name = "d";
  g.outputs.push_back(out);
  return g;
}

// Every pair of values whose lifetimes overlap must occupy disjoint bytes (aliases excepted).
void expect_no_overlap(const Plan& plan, const MemoryPlan& mp) {
  const auto& steps = plan.steps();
  const int n = static_cast<int>(plan.values().size());
  std::vector<int> first(n, 1 << 30), last(n, -2);
  for (int id : plan.input_ids()) first[id] = last[id] = -1;
  for (int s = 0; s < static_cast<int>(steps.size()); ++s) {
    for (int id : steps[s].inputs)
      if (id >= 0 && mp.offset[id] >= 0) last[id] = std::max(last[id], s);
    for (int id : steps[s].outputs)
      if (id >= 0) first[id] = std::min(first[id], s), last[id] = std::max(last[id], s);
  }
  for (int id : plan.output_ids()) last[id] = static_cast<int>(steps.size());
  for (int id : plan.input_ids()) last[id] = static_cast<int>(steps.size());
  auto root = [&](int id) {
    while (mp.alias_of[id] >= 0) id = mp.alias_of[id];
    return id;
  };
  for (int a = 0; a < n; ++a) {
    if (mp.offset[a] < 0) continue;
    EXPECT_LE(mp.offset[a] + mp.bytes[a], mp.arena_bytes);
    EXPECT_EQ(mp.offset[a] % kArenaAlignment, 0);
    for (int b = a + 1; b < n; ++b) {
      if (mp.offset[b] < 0 || root(a) == root(b)) continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      const bool disjoint = mp.offset[a] + mp.bytes[a] <= mp.offset[b] || mp.offset[b] + mp.bytes[b] <= mp.offset[a];
      EXPECT_TRUE(!live_together || disjoint) << plan.values()[a].name << " and " << plan.values()[b].name;
    }
  }
}

TEST(MemoryPlan, DiamondReusesOnlyWhereSafe) {
  Graph g = diamond_graph();
  Plan plan(g, bind_batch(g, 4));
  const MemoryPlan mp = plan_memory(plan);
  expect_no_overlap(plan, mp);
  const int a = plan.value_id("a"), b = plan.value_id("b"), c = plan.value_id("c"), d = plan.value_id("d");
  EXPECT_EQ(mp.alias_of[a], -1);  // x is a graph input: never overwritten
  EXPECT_EQ(mp.alias_of[b], -1);  // a is still needed by the Add
  EXPECT_EQ(mp.alias_of[c], b);   // the Add writes into b, which dies there
  EXPECT_EQ(mp.alias_of[d], c);   // Tanh in place
  EXPECT_EQ(mp.in_place, 2);
  const int64_t slot = 4 * 64 * 4;  // 1 KiB, a multiple of the alignment
  EXPECT_EQ(mp.naive_bytes, 3 * slot);  // x, a, and the b/c/d slot
  EXPECT_EQ(mp.arena_bytes, 3 * slot);  // x lives throughout (set once, read by every run); a and b meet at the Add
}

TEST(MemoryPlan, SessionAllocatesExactlyThePlanAndComputesTheSame) {
  Graph g = diamond_graph();
  Plan plan(g, bind_batch(g, 3));
  RefSession s(plan);
  const SessionMemory m = s.memory();
  EXPECT_EQ(m.arena_planned, m.arena_allocated);
  EXPECT_EQ(m.arena_planned, plan_memory(plan).arena_bytes);
  auto x = std::make_shared<const Tensor>(random_tensor({3, 64}, 7));
  const Tensor y = s.run({x})[0];
  for (int i = 0; i < 3 * 64; ++i) {
    const float a = std::max(x->data<float>()[i], 0.f);
    const float expect = std::tanh(1.f / (1.f + std::exp(-a)) + a);
    EXPECT_NEAR(y.data<float>()[i], expect, 1e-6f);
  }
  // A second run over the reused buffers gives the same result.
  EXPECT_EQ(rel_l2(s.run({x})[0], y), 0.0);
}

TEST(MemoryPlan, LongChainReusesTwoSlots) {
  Graph g;
  g.path = "chain.onnx";
  g.opset = 13;
  ValueInfo in;
  in.name = "v0";
  in.dtype = DType::kFloat32;
  in.has_shape = true;
  in.dims = {Dim{256, ""}};
  g.inputs.push_back(in);
  // Alternating Relu and Add(v, v0): each Add reads the input, so nothing is overwritten before its last use.
  for (int i = 0; i < 10; ++i) {
    const std::string from = "v" + std::to_string(i), to = "v" + std::to_string(i + 1);
    if (i % 2 == 0) g.nodes.push_back(make_node("n" + std::to_string(i), "Relu", {from}, {to}));
    else g.nodes.push_back(make_node("n" + std::to_string(i), "Add", {from, "v0"}, {to}));
  }
  ValueInfo out;
  out.name = "v10";
  g.outputs.push_back(out);
  Plan plan(g, bind_batch(g, 0));
  const MemoryPlan mp = plan_memory(plan);
  expect_no_overlap(plan, mp);
  EXPECT_EQ(mp.arena_bytes, 2 * 1024);  // the input and one slot reused in place by every layer
  EXPECT_EQ(mp.naive_bytes, 2 * 1024);
  EXPECT_EQ(mp.in_place, 9);
}

// --- the plan over a buffer schedule (what devices with their own buffers, such as cpu's reorders, use) -----

// Every pair of buffers whose lifetimes overlap occupies disjoint bytes (unless one reuses the other in place).
void expect_no_overlap(const BufferSchedule& sch, const MemoryPlan& mp) {
  const int n = sch.buffer_count;
  std::vector<int> first(n, 1 << 30), last(n, -2);
  for (int id : sch.inputs) first[id] = last[id] = -1;
  for (int s = 0; s < static_cast<int>(sch.steps.size()); ++s) {
    for (int id : sch.steps[s].reads) if (id >= 0) last[id] = std::max(last[id], s);
    for (int id : sch.steps[s].writes) if (id >= 0) first[id] = std::min(first[id], s), last[id] = std::max(last[id], s);
  }
  for (int id : sch.outputs) last[id] = static_cast<int>(sch.steps.size());
  for (int id : sch.inputs) last[id] = static_cast<int>(sch.steps.size());
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      if (mp.offset[a] < 0 || mp.offset[b] < 0 || mp.alias_of[a] == b || mp.alias_of[b] == a) continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      const bool bytes_overlap = mp.offset[a] < mp.offset[b] + mp.bytes[b] && mp.offset[b] < mp.offset[a] + mp.bytes[a];
      EXPECT_FALSE(live_together && bytes_overlap) << "buffers " << a << " and " << b;
    }
  }
}

// input 0 -> step 0 writes 1 -> step 1 writes 2 (may reuse 1) -> step 2 writes 3 (may reuse 2), output 3.
BufferSchedule chain(int in_place_read) {
  BufferSchedule sch;
  sch.buffer_count = 4;
  sch.inputs = {0};
  sch.outputs = {3};
  sch.steps = {{{0}, {1}, in_place_read}, {{1}, {2}, in_place_read}, {{2}, {3}, in_place_read}};
  return sch;
}

TEST(MemoryPlan, InPlaceWhenTheInputDiesHereButNeverOverAGraphInput) {
  const BufferSchedule sch = chain(0);
  const MemoryPlan mp = plan_memory(sch, [](int) { return int64_t{100}; });
  EXPECT_EQ(mp.alias_of[1], -1);  // buffer 0 is a graph input
  EXPECT_EQ(mp.alias_of[2], 1);
  EXPECT_EQ(mp.alias_of[3], 2);
  EXPECT_EQ(mp.in_place, 2);
  EXPECT_EQ(mp.offset[1], mp.offset[2]);
  EXPECT_EQ(mp.offset[2], mp.offset[3]);
  EXPECT_EQ(mp.arena_bytes, 2 * 128);  // the input and one shared slot, each rounded up to 64 bytes
  EXPECT_EQ(mp.naive_bytes, 2 * 128);
  expect_no_overlap(sch, mp);
}

TEST(MemoryPlan, NoInPlaceWhenNotAllowedOrSizesDiffer) {
  const MemoryPlan none = plan_memory(chain(-1), [](int) { return int64_t{64}; });
  EXPECT_EQ(none.in_place, 0);
  expect_no_overlap(chain(-1), none);
  const MemoryPlan sizes = plan_memory(chain(0), [](int id) { return int64_t{64} * (id + 1); });
  EXPECT_EQ(sizes.in_place, 0);
  expect_no_overlap(chain(0), sizes);
}

TEST(MemoryPlan, NoInPlaceWhenTheInputIsReadLaterOrTwice) {
  BufferSchedule sch;
  sch.buffer_count = 5;
  sch.inputs = {0};
  sch.outputs = {4};
  sch.steps = {{{0}, {1}, -1},
               {{1}, {2}, 0},         // 1 is read again by step 2: no reuse
               {{1, 2}, {3}, 1},      // 2 dies here: reused
               {{3, 3}, {4}, 0}};     // 3 feeds both operands: no reuse
  const MemoryPlan mp = plan_memory(sch, [](int) { return int64_t{64}; });
  EXPECT_EQ(mp.alias_of[2], -1);
  EXPECT_EQ(mp.alias_of[3], 2);
  EXPECT_EQ(mp.alias_of[4], -1);
  expect_no_overlap(sch, mp);
}

TEST(MemoryPlan, UnwrittenBuffersAreNotPlacedAndOutputsLiveToTheEnd) {
  BufferSchedule sch;
  sch.buffer_count = 5;  // buffer 4 is never written (a constant)
  sch.inputs = {0};
  sch.outputs = {1, 3};
  sch.steps = {{{0, 4}, {1}, -1}, {{1}, {2}, -1}, {{2}, {3}, 0}};
  const MemoryPlan mp = plan_memory(sch, [](int) { return int64_t{1000}; });
  EXPECT_EQ(mp.offset[4], -1);
  EXPECT_EQ(mp.bytes[4], 0);
  EXPECT_NE(mp.offset[1], mp.offset[3]);  // output 1 must survive until the end
  expect_no_overlap(sch, mp);
}

}  // namespace
}  // namespace dnncost::testing
