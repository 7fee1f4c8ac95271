// Session: runs a Plan's layers in order on a device. This is the `ref` (plain-loop) executor; devices
// added later plug in beside it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "engine/plan.h"

namespace dnncost {

// Called after each layer runs (index into plan.steps()); timing and tracing attach here.
using LayerHook = std::function<void(size_t step_index)>;

class RefSession {
 public:
  explicit RefSession(const Plan& plan);

  // Runs the plan on the given graph inputs (declared order; shapes and types must match the plan) and
  // returns the graph outputs in declared order.
  std::vector<Tensor> run(const std::vector<std::shared_ptr<const Tensor>>& inputs);

  void set_after_layer(LayerHook hook) { after_layer_ = std::move(hook); }

 private:
  const Plan& plan_;
  std::vector<std::unique_ptr<Tensor>> buffers_;  // one per plan value that is computed at run time
  LayerHook after_layer_;
};

}  // namespace dnncost
