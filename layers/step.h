// One layer as a plan places it: the values it reads and writes (type, shape, and the value itself when it is
// known at plan time), and a read-only view of one step that the device kernels are built from. The engine's Plan
// (engine/plan.h) holds these; the kernels (kernels/cpu, kernels/cuda) see a step only through StepView, so they
// need nothing of the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/graph.h"
#include "core/tensor.h"
#include "layers/layer.h"

namespace dnncost {

struct PlanValue {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  std::shared_ptr<const Tensor> constant;  // known at plan time
  bool from_initializer = false;
  bool graph_input = false;
  // Params behind a value folded at plan time (engine/plan.cpp): for a value from initializers only, the elements of
  // the float model initializers it was computed from (a Gather of a bias table counts the table, not the gathered
  // copy); for a value folded from initializers and shapes (ViT's class token expanded over the batch), the params
  // its folded node took in, charged to the first layer that reads it.
  int64_t source_elements = 0;
  int64_t carried_params = 0;
};

struct PlanStep {
  const Node* node = nullptr;
  std::unique_ptr<Layer> layer;
  std::vector<int> inputs;   // value ids, -1 for absent
  std::vector<int> outputs;  // value ids, -1 for absent
  Cost cost;
};

// Read-only view of one plan step: its node, its layer (whose typed attributes the kernels use), and its operands.
// It offers no attribute reader: a kernel reads the layer's parsed attributes, never the node's.
struct StepView {
  const Graph& graph;
  const std::vector<PlanValue>& values;
  const PlanStep& step;

  const Node& node() const { return *step.node; }
  const Layer& layer() const { return *step.layer; }
  // The layer's typed attributes (e.g. parsed<PoolParams>(), layers/pool.h), or nullptr when it has none of that type.
  template <typename Params>
  const Params* parsed() const {
    return parsed_attributes<Params>(*step.layer);
  }
  int64_t opset() const { return graph.opset; }
  size_t input_count() const { return step.inputs.size(); }
  bool present(size_t i) const { return i < step.inputs.size() && step.inputs[i] >= 0; }
  const PlanValue& input(size_t i) const { return values[step.inputs[i]]; }
  const PlanValue& output(size_t i) const { return values[step.outputs[i]]; }
  // The value of input i when it is known at plan time (weights, folded shapes), else nullptr.
  const Tensor* constant(size_t i) const { return present(i) ? input(i).constant.get() : nullptr; }
  bool has_output(size_t i) const { return i < step.outputs.size() && step.outputs[i] >= 0; }
  // Every output after the first is absent (ops whose optional extra outputs the kernels do not produce).
  bool only_first_output() const {
    for (size_t i = 1; i < step.outputs.size(); ++i)
      if (step.outputs[i] >= 0) return false;
    return has_output(0);
  }
};

}  // namespace dnncost
