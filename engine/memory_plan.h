// Memory plan: liveness-based placement of a plan's run-time values in one arena, with in-place reuse.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/plan.h"

namespace dnncost {

constexpr int64_t kArenaAlignment = 64;  // bytes; every slot starts at a multiple of this

struct MemoryPlan {
  std::vector<int64_t> offset;   // per plan value id: byte offset in the arena, -1 when not in the arena
  std::vector<int64_t> bytes;    // per plan value id: bytes reserved (0 when not in the arena)
  std::vector<int> alias_of;     // per value id: the value whose slot it reuses in place, -1 otherwise
  int64_t arena_bytes = 0;       // planned activation peak: the arena size
  int64_t naive_bytes = 0;       // sum of every slot without reuse (aligned)
  int in_place = 0;              // outputs written into an input's slot
};

// Size in bytes of a value's buffer on a device (plain row-major by default; a device with padded or
// blocked layouts passes its own).
using ValueBytes = std::function<int64_t(int value_id)>;

// Places the graph inputs and every value computed by a step. A value is live from the step that writes it
// to its last reader; graph inputs (set once, read by every run) and graph outputs live from start to end. A step's output reuses an
// input's slot in place when the layer allows it (Layer::in_place_input), the input dies at that step, is not
// a graph input, and the sizes are equal. Slots are placed greedily by size (largest first) at the lowest
// offset that does not overlap a slot live at the same time.
MemoryPlan plan_memory(const Plan& plan, const ValueBytes& bytes_of);
MemoryPlan plan_memory(const Plan& plan);  // plain row-major sizes

}  // namespace dnncost
