// The input binder (engine/input_binder.h): requested batch and symbolic dimensions, or given tensors, to shapes.
#include "engine/input_binder.h"

#include "core/errors.h"

namespace dnncost {

std::string declared_dims_str(const ValueInfo& vi) {
  std::string s = "[";
  for (size_t i = 0; i < vi.dims.size(); ++i) {
    const Dim& d = vi.dims[i];
    s += (i ? ", " : "") + (d.fixed() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol));
  }
  return s + "]";
}

BoundInputs bind_inputs(const Graph& g, const InputRequest& request) {
  BoundInputs bound;
  for (const auto& in : g.inputs) {
    if (!in.has_shape) {
      throw ModelError(g.path + ": graph input '" + in.name +
                       "' declares no shape; dnncost needs the input shape to plan the model");
    }
    const auto given = request.shapes.find(in.name);
    Shape s;
    for (size_t i = 0; i < in.dims.size(); ++i) {
      const Dim& d = in.dims[i];
      const auto named = d.symbol.empty() ? request.dims.end() : request.dims.find(d.symbol);
      if (i == 0 && request.batch > 0) {
        if (d.fixed() && d.value != request.batch) {
          bound.notes.push_back("input '" + in.name + "' has a fixed batch dimension " + std::to_string(d.value) +
                                "; planned with batch " + std::to_string(request.batch) + " instead");
        }
        s.push_back(request.batch);
      } else if (i > 0 && given != request.shapes.end() && i < given->second.size()) {
        s.push_back(given->second[i]);
      } else if (d.fixed()) {
        s.push_back(d.value);
      } else if (i == 0) {
        s.push_back(1);
      } else if (named != request.dims.end()) {
        s.push_back(named->second);
      } else {
        throw ModelError(g.path + ": graph input '" + in.name + "' dimension " + std::to_string(i) + " is " +
                         (d.symbol.empty() ? std::string("unknown") : "symbolic ('" + d.symbol + "')") +
                         "; only the batch dimension (0) may be symbolic");
      }
    }
    bound.binding.shapes[in.name] = s;
  }
  if (!g.inputs.empty() && !bound.binding.shapes[g.inputs[0].name].empty())
    bound.batch = bound.binding.shapes[g.inputs[0].name][0];
  return bound;
}

InputBinding bind_batch(const Graph& g, int64_t batch, std::vector<std::string>* notes) {
  InputRequest request;
  request.batch = batch;
  BoundInputs bound = bind_inputs(g, request);
  if (notes) notes->insert(notes->end(), bound.notes.begin(), bound.notes.end());
  return std::move(bound.binding);
}

InputBinding bind_tensors(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  if (inputs.size() != g.inputs.size()) {
    std::string names;
    for (const auto& in : g.inputs) names += (names.empty() ? "" : ", ") + in.name;
    throw ModelError(g.path + ": the model has " + std::to_string(g.inputs.size()) + " input(s) (" + names + "), got " +
                     std::to_string(inputs.size()) + " tensor(s)");
  }
  InputBinding b;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const ValueInfo& vi = g.inputs[k];
    const Tensor& t = *inputs[k];
    if (vi.dtype != DType::kUndefined && vi.dtype != t.dtype()) {
      throw ModelError(g.path + ": input '" + vi.name + "' expects element type " + dtype_name(vi.dtype) + ", got " +
                       dtype_name(t.dtype()));
    }
    if (vi.has_shape) {
      bool ok = vi.dims.size() == t.shape().size();
      for (size_t i = 0; ok && i < vi.dims.size(); ++i)
        if (vi.dims[i].fixed() && vi.dims[i].value != t.shape()[i]) ok = false;
      if (!ok) {
        throw ModelError(g.path + ": input '" + vi.name + "' expects shape " + declared_dims_str(vi) + ", got " +
                         shape_str(t.shape()));
      }
    }
    b.shapes[vi.name] = t.shape();
    if (!dtype_is_float(t.dtype())) b.values[vi.name] = inputs[k];
  }
  return b;
}

}  // namespace dnncost
