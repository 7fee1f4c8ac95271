// Liveness analysis, in-place reuse and greedy-by-size placement of activations in one arena.
#include "engine/memory_plan.h"

#include <algorithm>
#include <map>

namespace dnncost {
namespace {

int64_t align_up(int64_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

MemoryPlan plan_memory(const Plan& plan) {
  return plan_memory(plan, [&plan](int id) {
    const PlanValue& v = plan.values()[id];
    return shape_numel(v.shape) * static_cast<int64_t>(dtype_size(v.dtype));
  });
}

BufferSchedule plan_schedule(const Plan& plan, const std::function<int(size_t step)>& in_place_input) {
  const auto& values = plan.values();
  BufferSchedule sch;
  sch.buffer_count = static_cast<int>(values.size());
  for (int id : plan.input_ids())
    if (!values[id].constant) sch.inputs.push_back(id);  // known at plan time: read from the plan, not the arena
  sch.outputs = plan.output_ids();
  for (size_t s = 0; s < plan.steps().size(); ++s) {
    const PlanStep& st = plan.steps()[s];
    BufferSchedule::Step step;
    step.reads = st.inputs;
    step.writes = st.outputs;
    step.in_place_read = in_place_input ? in_place_input(s) : st.layer->in_place_input();
    sch.steps.push_back(std::move(step));
  }
  return sch;
}

MemoryPlan plan_memory(const Plan& plan, const ValueBytes& bytes_of) {
  return plan_memory(plan_schedule(plan), bytes_of);
}

MemoryPlan plan_memory(const BufferSchedule& sch, const ValueBytes& bytes_of) {
  const int n = sch.buffer_count;
  const int end = static_cast<int>(sch.steps.size());
  MemoryPlan mp;
  mp.offset.assign(n, -1);
  mp.bytes.assign(n, 0);
  mp.alias_of.assign(n, -1);

  // Liveness: [first, last] in step indices; inputs are written before step 0 (index -1). Buffers that are
  // never written (constants) stay at -2 and are not placed.
  std::vector<int> first(n, -2), last(n, -2);
  std::vector<bool> is_input(n, false);
  for (int id : sch.inputs) {
    first[id] = -1;
    last[id] = -1;
    is_input[id] = true;
  }
  for (int s = 0; s < end; ++s) {
    for (int id : sch.steps[s].reads)
      if (id >= 0 && first[id] != -2) last[id] = std::max(last[id], s);
    for (int id : sch.steps[s].writes) {
      if (id < 0) continue;
      first[id] = s;
      last[id] = std::max(last[id], s);
    }
  }
  // Outputs are read after the run; inputs are set once and must survive every run (profiling repeats run()
  // after one set_inputs), so both live to the end.
  for (int id : sch.outputs)
    if (id >= 0 && first[id] != -2) last[id] = end;
  for (int id = 0; id < n; ++id)
    if (is_input[id]) last[id] = end;

  // In place: an output takes over an input's slot when the input dies here.
  std::vector<int> root(n);
  for (int i = 0; i < n; ++i) root[i] = i;
  for (int s = 0; s < end; ++s) {
    const BufferSchedule::Step& st = sch.steps[s];
    const int k = st.in_place_read;
    if (k < 0 || k >= static_cast<int>(st.reads.size()) || st.writes.empty() || st.writes[0] < 0) continue;
    const int in_id = st.reads[k];
    const int out_id = st.writes[0];
    if (in_id < 0 || first[in_id] == -2 || is_input[root[in_id]] || last[in_id] != s) continue;
    bool read_twice = false;  // the same value feeding another input of this step would be overwritten
    for (size_t j = 0; j < st.reads.size(); ++j)
      if (static_cast<int>(j) != k && st.reads[j] == in_id) read_twice = true;
    if (read_twice || bytes_of(in_id) != bytes_of(out_id)) continue;
    root[out_id] = root[in_id];
    mp.alias_of[out_id] = in_id;
    ++mp.in_place;
  }
  // A slot lives from its first writer to its last reader over every value sharing it.
  std::map<int, std::pair<int, int>> slot_life;
  for (int id = 0; id < n; ++id) {
    if (first[id] == -2) continue;
    auto it = slot_life.find(root[id]);
    if (it == slot_life.end()) slot_life[root[id]] = {first[id], last[id]};
    else it->second = {std::min(it->second.first, first[id]), std::max(it->second.second, last[id])};
  }
  struct Slot {
    int root;
    int64_t bytes;
    int first, last;
    int64_t offset = -1;
  };
  std::vector<Slot> slots;
  for (const auto& kv : slot_life) {
    const int64_t b = align_up(std::max<int64_t>(bytes_of(kv.first), 1));
    slots.push_back({kv.first, b, kv.second.first, kv.second.second});
    mp.naive_bytes += b;
  }
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.bytes > b.bytes; });
  std::vector<const Slot*> placed;
  for (Slot& sl : slots) {
    // Intervals of placed slots whose lifetime overlaps, sorted by offset; take the first gap that fits.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Slot* p : placed)
      if (p->first <= sl.last && sl.first <= p->last) busy.emplace_back(p->offset, p->offset + p->bytes);
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& b : busy) {
      if (b.first - at >= sl.bytes) break;
      at = std::max(at, b.second);
    }
    sl.offset = at;
    mp.arena_bytes = std::max(mp.arena_bytes, at + sl.bytes);
    placed.push_back(&sl);
  }
  std::map<int, const Slot*> by_root;
  for (const Slot& sl : slots) by_root[sl.root] = &sl;
  for (int id = 0; id < n; ++id) {
    if (first[id] == -2) continue;
    mp.offset[id] = by_root[root[id]]->offset;
    mp.bytes[id] = bytes_of(id);
  }
  return mp;
}

}  // namespace dnncost
