// Trace of `dnncost profile`: configurations as processes, per-layer spans, network runs and memory counters.
#include "tools/dnncost/profile_trace.h"

#include <algorithm>
#include <map>

#include "engine/memory_plan.h"
#include "core/host_info.h"
#include "metrics/power_sampler.h"

namespace dnncost {
namespace {

std::string shapes_text(const Plan& plan, const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) {
    if (id < 0) continue;
    if (!s.empty()) s += ", ";
    s += shape_str(plan.values()[id].shape);
  }
  return s;
}

}  // namespace

std::vector<int64_t> live_activation_bytes(const Plan& plan) {
  const MemoryPlan mp = plan_memory(plan);
  const auto& steps = plan.steps();
  const int end = static_cast<int>(steps.size());
  const int n = static_cast<int>(plan.values().size());
  std::vector<int> first(n, end + 1), last(n, -2);
  for (int id : plan.input_ids()) {
    first[id] = -1;
    last[id] = end;
  }
  for (int s = 0; s < end; ++s) {
    for (int id : steps[s].inputs)
      if (id >= 0) last[id] = std::max(last[id], s);
    for (int id : steps[s].outputs)
      if (id >= 0) {
        first[id] = std::min(first[id], s);
        last[id] = std::max(last[id], s);
      }
  }
  for (int id : plan.output_ids()) last[id] = end;
  // One slot per root value (in-place outputs share their input's slot); a slot lives over all its values.
  std::map<int, std::pair<int, int>> life;
  for (int id = 0; id < n; ++id) {
    if (id >= static_cast<int>(mp.offset.size()) || mp.offset[id] < 0 || last[id] < -1) continue;
    int root = id;
    for (int guard = 0; mp.alias_of[root] >= 0 && guard < n; ++guard) root = mp.alias_of[root];
    auto it = life.find(root);
    if (it == life.end())
      life[root] = {first[id], last[id]};
    else
      it->second = {std::min(it->second.first, first[id]), std::max(it->second.second, last[id])};
  }
  std::vector<int64_t> live(steps.size(), 0);
  for (const auto& kv : life) {
    for (int s = std::max(kv.second.first, 0); s <= std::min(kv.second.second, end - 1); ++s) {
      live[s] += mp.bytes[kv.first];
    }
  }
  return live;
}

ProfileTrace::ProfileTrace(std::string path) : path_(std::move(path)) {
  if (!enabled()) return;
  trace_.note("tool", "dnncost profile");
  trace_.note("clock", "microseconds on the steady (monotonic) clock of dnncost's timing, now_s()");
  trace_.note(
      "layout",
      "one process per configuration (model, --dim values, batch); track 1: per-layer pass (one span per layer per "
      "timed iteration, synchronised after each layer; 'iteration k' markers); track 2: whole-network "
      "runs of the headline latency; counters: memory (weights + planned live activations per layer), "
      "process RSS per iteration; power (W) over each configuration's power window when a sensor measures, "
      "and the idle measurement in a process of its own");
  trace_.note("power", "no power samples (no sensor, or power windows disabled)");
}

void ProfileTrace::idle_power(const std::vector<PowerSample>& samples) {
  if (!enabled() || idle_written_ || samples.empty()) return;
  idle_written_ = true;
  trace_.process_name(kIdlePid, "idle power (before the first configuration)", 0);
  add_power_counter_track(trace_, kIdlePid, samples);
}

void ProfileTrace::power_window(const std::vector<PowerSample>& samples) {
  if (!enabled() || pid_ == 0) return;
  add_power_counter_track(trace_, pid_, samples);
}

void ProfileTrace::begin_configuration(const std::string& model, int64_t batch, const Session& session) {
  if (!enabled()) return;
  ++pid_;
  const Plan& plan = session.plan();
  trace_.process_name(pid_, model + " batch " + std::to_string(batch) + " on " + session.device_name(), pid_);
  trace_.thread_name(pid_, kLayerTrack, "layers (per-layer pass, synchronised)", 1);
  trace_.thread_name(pid_, kNetworkTrack, "network runs (headline latency)", 2);
  step_args_.clear();
  step_names_.clear();
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& s = plan.steps()[i];
    step_names_.push_back(s.node->name.empty() ? s.node->op_type + " #" + std::to_string(i) : s.node->name);
    step_args_.push_back({{"layer", i},
                          {"op", s.node->op_type},
                          {"node", s.node->name},
                          {"inputs", shapes_text(plan, s.inputs)},
                          {"outputs", shapes_text(plan, s.outputs)},
                          {"macs", s.cost.macs},
                          {"flops", s.cost.flops},
                          {"bytes", s.cost.bytes_read + s.cost.bytes_written},
                          {"algorithm", session.step_algorithm(i)}});
  }
  live_bytes_ = live_activation_bytes(plan);
  weight_bytes_ = session.memory().weight_bytes;
}

void ProfileTrace::network_run(int k, double t0_s, double t1_s) {
  if (!enabled()) return;
  trace_.span(pid_, kNetworkTrack, "network run", "network", t0_s * 1e6, (t1_s - t0_s) * 1e6, {{"run", k}});
}

void ProfileTrace::layer_iteration(int k, double t_s) {
  if (!enabled()) return;
  trace_.instant(pid_, kLayerTrack, "iteration " + std::to_string(k), "iteration", t_s * 1e6, false,
                 {{"iteration", k}});
  trace_.counter(pid_, "process RSS (bytes)", t_s * 1e6, {{"rss", current_rss_bytes()}});
}

void ProfileTrace::layer_span(size_t i, int k, double t0_s, double t1_s) {
  if (!enabled() || i >= step_args_.size()) return;
  nlohmann::json args = step_args_[i];
  args["iteration"] = k;
  trace_.span(pid_, kLayerTrack, step_names_[i], "layer", t0_s * 1e6, (t1_s - t0_s) * 1e6, std::move(args));
  trace_.counter(pid_, "memory (bytes)", t0_s * 1e6,
                 {{"weights", weight_bytes_}, {"activations live (planned)", live_bytes_[i]}});
}

void ProfileTrace::flush() const {
  if (enabled()) trace_.write(path_);
}

}  // namespace dnncost
