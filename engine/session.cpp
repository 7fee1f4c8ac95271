// Reference executor: one host buffer per value, layers run in plan order.
#include "engine/session.h"

#include <cstring>

#include "engine/errors.h"

namespace dnncost {

RefSession::RefSession(const Plan& plan) : plan_(plan) {
  buffers_.resize(plan.values().size());
  for (const auto& step : plan.steps()) {
    for (int id : step.outputs) {
      if (id < 0) continue;
      const PlanValue& v = plan.values()[id];
      buffers_[id] = std::make_unique<Tensor>(v.dtype, v.shape);
    }
  }
}

std::vector<Tensor> RefSession::run(const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  const auto& values = plan_.values();
  const auto& in_ids = plan_.input_ids();
  const std::string& path = plan_.graph().path;
  if (inputs.size() != in_ids.size()) {
    throw ModelError(path + ": expected " + std::to_string(in_ids.size()) + " input tensor(s), got " +
                     std::to_string(inputs.size()));
  }
  std::vector<const Tensor*> view(values.size(), nullptr);
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].constant) view[i] = values[i].constant.get();
    if (buffers_[i]) view[i] = buffers_[i].get();
  }
  for (size_t k = 0; k < in_ids.size(); ++k) {
    const PlanValue& v = values[in_ids[k]];
    if (inputs[k]->dtype() != v.dtype || inputs[k]->shape() != v.shape) {
      throw ModelError(path + ": input '" + v.name + "' was planned as " + dtype_name(v.dtype) + " " +
                       shape_str(v.shape) + ", got " + dtype_name(inputs[k]->dtype()) + " " +
                       shape_str(inputs[k]->shape()));
    }
    view[in_ids[k]] = inputs[k].get();
  }
  const auto& steps = plan_.steps();
  for (size_t s = 0; s < steps.size(); ++s) {
    const PlanStep& step = steps[s];
    std::vector<const Tensor*> ins;
    for (int id : step.inputs) ins.push_back(id < 0 ? nullptr : view[id]);
    std::vector<Tensor*> outs;
    for (int id : step.outputs) outs.push_back(id < 0 ? nullptr : buffers_[id].get());
    try {
      step.layer->forward_ref(ins, outs);
    } catch (...) {
      rethrow_with_node_context(path, step.node->name, step.node->op_type);
    }
    if (after_layer_) after_layer_(s);
  }
  std::vector<Tensor> result;
  for (int id : plan_.output_ids()) {
    const Tensor* t = view[id];
    if (!t) throw ModelError(path + ": graph output '" + values[id].name + "' was not computed");
    result.push_back(t->reshaped(t->shape()));
  }
  return result;
}

}  // namespace dnncost
