// The memory plan over a buffer schedule (engine/memory_plan.h): liveness, in-place reuse rules, and that
// buffers live at the same time never overlap.
#include <gtest/gtest.h>

#include "engine/memory_plan.h"

namespace dnncost::testing {
namespace {

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
