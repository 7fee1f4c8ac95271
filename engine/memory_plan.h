// Memory plan: liveness-based placement of a plan's run-time values in one arena, with in-place reuse.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/plan.h"

namespace dnncost {

constexpr int64_t kArenaAlignment = 64;  // bytes; every slot starts at a multiple of this

struct MemoryPlan {
  std::vector<int64_t> offset;   // per plan value (buffer) id: byte offset in the arena, -1 when not in the arena
  std::vector<int64_t> bytes;    // per plan value id: bytes reserved (0 when not in the arena)
  std::vector<int> alias_of;     // per value id: the value whose slot it reuses in place, -1 otherwise
  int64_t arena_bytes = 0;       // planned activation peak: the arena size
  int64_t naive_bytes = 0;       // sum of every slot without reuse (aligned)
  int in_place = 0;              // outputs written into an input's slot
};

// Size in bytes of a value's buffer on a device (plain row-major by default; a device with padded or
// blocked layouts passes its own).
using ValueBytes = std::function<int64_t(int value_id)>;

// The execution order a memory plan is made for, in terms of buffers: a device that adds buffers of its own
// (layout conversions between its kernels) describes its run as a list of steps over buffer ids.
struct BufferSchedule {
  struct Step {
    std::vector<int> reads;   // buffer ids read (-1 entries are ignored)
    std::vector<int> writes;  // buffer ids written (-1 entries are ignored)
    int in_place_read = -1;   // index into `reads` of a buffer writes[0] may be written into, or -1
  };
  int buffer_count = 0;
  std::vector<int> inputs;   // buffers filled before step 0 (graph inputs): never overwritten in place
  std::vector<int> outputs;  // buffers read after the last step (graph outputs)
  std::vector<Step> steps;
};

// Places every buffer written before or by a step. A buffer is live from the step that writes it to its last
// reader; inputs (set once, read by every run) and outputs live from start to end. A step's writes[0] reuses the slot of reads[in_place_read]
// when that buffer dies at this step, is not an input (nor shares a slot with one), is not read by another
// operand of the same step, and both have the same size. Slots are placed greedily by size (largest first) at
// the lowest offset that does not overlap a slot live at the same time. Buffers never written get offset -1.
MemoryPlan plan_memory(const BufferSchedule& schedule, const ValueBytes& bytes_of);

// The schedule of a plan: buffers are the plan's values; graph inputs known at plan time and constants are not
// buffers. `in_place_input(step)` says which input a step may overwrite (default: Layer::in_place_input()).
BufferSchedule plan_schedule(const Plan& plan, const std::function<int(size_t step)>& in_place_input = {});

// Places the graph inputs and every value computed by a step. A value is live from the step that writes it
// to its last reader; graph inputs (set once, read by every run) and graph outputs live from start to end. A step's output reuses an
// input's slot in place when the layer allows it (Layer::in_place_input), the input dies at that step, is not
// a graph input, and the sizes are equal. Slots are placed greedily by size (largest first) at the lowest
// offset that does not overlap a slot live at the same time.
MemoryPlan plan_memory(const Plan& plan, const ValueBytes& bytes_of);
MemoryPlan plan_memory(const Plan& plan);  // plain row-major sizes

}  // namespace dnncost
