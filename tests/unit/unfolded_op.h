// run_single_op_unfolded: a one-node graph planned without its graph inputs' values (as `info` plans, from shapes
// only), so that an op on integer or bool inputs, whose values `run` would know at plan time and fold, runs as a step
// with its cost. Used by the tests of the comparison, logic, math and index ops.
#pragma once

#include "engine/input_binder.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {

inline SingleOpResult run_single_op_unfolded(const SingleOp& op) {
  Graph g;
  const std::vector<std::shared_ptr<const Tensor>> feeds = build_single_op_graph(op, g);
  Plan plan(g, bind_batch(g, 0));
  RefSession session(plan);
  SingleOpResult r;
  r.outputs = session.run(feeds);
  r.folded = plan.steps().empty();
  if (!plan.steps().empty()) r.cost = plan.steps()[0].cost;
  return r;
}

}  // namespace dnncost::testing
