// What both fuzz targets do with a graph once they have one: plan it with small limits, run it once on `ref` when
// it is small, then run the graph passes and check that the executed graph still plans, runs and has the same
// output shapes. A ModelError from the imported graph is the expected outcome for a broken model (the caller
// catches it); anything else reaching the caller, or a call to finding(), is a bug.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "engine/memory_plan.h"
#include "engine/passes.h"
#include "engine/plan.h"
#include "engine/session.h"

namespace dnncost::fuzzing {

// Small limits so that one input stays fast and small (the defaults allow gigabytes, by design).
constexpr int64_t kMaxFoldedValueBytes = int64_t{16} << 20;
constexpr int64_t kMaxFoldedTotalBytes = int64_t{64} << 20;
constexpr int64_t kMaxFoldedFlops = int64_t{20} << 20;
// A planned model is run once on zero inputs when it is this small.
constexpr int64_t kMaxRunBytes = int64_t{16} << 20;  // arena + bytes read and written by all layers
constexpr int64_t kMaxRunWork = int64_t{4} << 20;    // MACs + FLOPs of all layers

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "dnncost fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline bool verbose() {
  static const bool v = std::getenv("DNNCOST_FUZZ_VERBOSE") != nullptr;
  return v;
}

// Plans `g` for its own batch and, when small, runs it once on zero inputs. Returns the output shapes.
inline std::vector<Shape> plan_and_run(const Graph& g) {
  PlanLimits limits;
  limits.max_folded_value_bytes = kMaxFoldedValueBytes;
  limits.max_folded_total_bytes = kMaxFoldedTotalBytes;
  limits.max_folded_flops = kMaxFoldedFlops;
  const Plan plan(g, bind_batch(g, 0), limits);
  std::vector<Shape> shapes;
  for (int id : plan.output_ids()) shapes.push_back(plan.values()[id].shape);
  const MemoryPlan mem = plan_memory(plan);
  const Cost& c = plan.totals();
  const long double bytes = static_cast<long double>(mem.arena_bytes) + static_cast<long double>(c.bytes_read) +
                            static_cast<long double>(c.bytes_written);
  const long double work = static_cast<long double>(c.macs) + static_cast<long double>(c.flops);
  if (bytes > kMaxRunBytes || work > kMaxRunWork) return shapes;
  RefSession session(plan);
  std::vector<std::shared_ptr<const Tensor>> inputs;
  for (int id : plan.input_ids()) {
    const PlanValue& v = plan.values()[id];
    inputs.push_back(v.constant ? v.constant : std::make_shared<const Tensor>(v.dtype, v.shape));
  }
  const std::vector<Tensor> outputs = session.run(inputs);
  if (outputs.size() != plan.output_ids().size()) finding("the run returned the wrong number of outputs");
  if (verbose()) std::fprintf(stderr, "ran %zu layers\n", plan.steps().size());
  return shapes;
}

// plan_and_run on the graph as imported (a ModelError here is the caller's expected outcome), then on the graph
// every pass made of it: that graph must plan and run too, with the same output shapes.
inline void plan_run_and_check_passes(const Graph& g) {
  const std::vector<Shape> imported = plan_and_run(g);
  std::vector<Shape> executed;
  try {
    const OptimizedGraph optimized = optimize(g, PassOptions::all());
    executed = plan_and_run(*optimized.graph);
  } catch (const ModelError& e) {
    finding(std::string("the graph plans as imported but not after the passes: ") + e.what());
  }
  if (executed != imported) finding("the passes changed the shapes of the graph's outputs");
}

}  // namespace dnncost::fuzzing
