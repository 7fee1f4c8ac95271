// Plan: the graph resolved for concrete input shapes (one batch size): layers in order, shapes, folded
// constants and per-layer cost.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/graph.h"
#include "engine/input_binder.h"
#include "layers/layer.h"
#include "layers/step.h"

namespace dnncost {

// Throws one ModelError listing every node whose op is not supported.
void check_supported(const Graph& g);

// Resource limits of planning: what one value may need, and what plan-time evaluation (folding) may allocate and
// compute. A model beyond them is refused with a ModelError naming the node, before anything is allocated.
struct PlanLimits {
  int64_t max_value_bytes = int64_t{1} << 48;         // any one value (256 TiB): beyond any device
  int64_t max_folded_value_bytes = int64_t{1} << 31;  // one value evaluated at plan time (2 GiB)
  int64_t max_folded_total_bytes = int64_t{1} << 33;  // all values evaluated at plan time together (8 GiB)
  int64_t max_folded_flops = int64_t{1} << 36;        // MACs + FLOPs of one node evaluated at plan time (~69 G)
};

class Plan {
 public:
  // The graph must outlive the plan.
  Plan(const Graph& g, const InputBinding& binding, const PlanLimits& limits = PlanLimits());

  const Graph& graph() const { return graph_; }
  const std::vector<PlanStep>& steps() const { return steps_; }
  const std::vector<PlanValue>& values() const { return values_; }
  const std::vector<const Node*>& folded() const { return folded_; }  // evaluated at plan time
  const std::vector<int>& input_ids() const { return input_ids_; }    // graph inputs, declared order
  const std::vector<int>& output_ids() const { return output_ids_; }  // graph outputs, declared order
  int value_id(const std::string& name) const;  // -1 when unknown
  const Cost& totals() const { return totals_; }
  int64_t input_bytes() const;
  // A read-only view of step i (what the device kernels are built from).
  StepView view(size_t i) const { return StepView{graph_, values_, steps_[i]}; }

 private:
  int add_value(PlanValue v);
  void add_node(const Node& node, const OpContext& ctx, std::set<int>& charged);
  ValueDesc describe(int id) const;

  const Graph& graph_;
  std::vector<PlanValue> values_;
  std::map<std::string, int> ids_;
  std::vector<PlanStep> steps_;
  std::vector<const Node*> folded_;
  std::vector<int> input_ids_, output_ids_;
  Cost totals_;
  PlanLimits limits_;
  int64_t folded_bytes_ = 0;  // bytes of the values evaluated at plan time so far
  std::set<int> params_counted_;  // values whose params are counted (in a layer or moved into a folded value)
};

}  // namespace dnncost
