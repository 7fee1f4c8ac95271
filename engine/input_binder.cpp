// The input binder (engine/input_binder.h): requested batch and symbolic dimensions, or given tensors, to shapes.
#include "engine/input_binder.h"

#include <algorithm>

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

std::vector<SymbolicDim> symbolic_dims(const Graph& g, std::vector<SymbolicDim>* batch_only) {
  std::vector<SymbolicDim> after_batch, batch;
  auto listed = [](const std::vector<SymbolicDim>& list, const std::string& name) {
    return std::any_of(list.begin(), list.end(), [&](const SymbolicDim& d) { return d.name == name; });
  };
  for (const auto& in : g.inputs) {
    for (size_t i = 0; i < in.dims.size(); ++i) {
      const Dim& d = in.dims[i];
      if (d.fixed() || d.symbol.empty()) continue;
      std::vector<SymbolicDim>& list = i == 0 ? batch : after_batch;
      if (!listed(list, d.symbol)) list.push_back({d.symbol, in.name, i});
    }
  }
  if (batch_only) {
    batch_only->clear();
    for (const SymbolicDim& d : batch)
      if (!listed(after_batch, d.name)) batch_only->push_back(d);
  }
  return after_batch;
}

namespace {

std::string place_str(const SymbolicDim& d) {
  return d.name + " (input '" + d.input + "' dimension " + std::to_string(d.axis) + ")";
}

}  // namespace

void check_dim_names(const Graph& g, const std::map<std::string, int64_t>& dims) {
  std::vector<SymbolicDim> batch_only;
  const std::vector<SymbolicDim> named = symbolic_dims(g, &batch_only);
  for (const auto& dim : dims) {
    const std::string& name = dim.first;  // a named variable, not a structured binding: the lambda below captures it
    const int64_t value = dim.second;
    if (value < 1) {
      throw ModelError(g.path + ": --dim " + name + "=" + std::to_string(value) +
                       ": a dimension's size must be a positive integer");
    }
    const auto is = [&](const SymbolicDim& d) { return d.name == name; };
    if (std::any_of(named.begin(), named.end(), is)) continue;
    const auto batch = std::find_if(batch_only.begin(), batch_only.end(), is);
    if (batch != batch_only.end()) {
      throw ModelError(g.path + ": --dim " + name + ": '" + name + "' is the batch dimension (dimension 0 of input '" +
                       batch->input + "'); give it with --batch");
    }
    std::string known;
    for (const SymbolicDim& d : named) known += (known.empty() ? "" : ", ") + place_str(d);
    throw ModelError(g.path + ": --dim " + name + ": no input of the model has a dimension named '" + name + "'; " +
                     (known.empty() ? std::string("its inputs have no symbolic dimension after the batch")
                                    : "its symbolic dimensions: " + known));
  }
}

BoundInputs bind_inputs(const Graph& g, const InputRequest& request) {
  check_dim_names(g, request.dims);
  BoundInputs bound;
  std::vector<SymbolicDim> unbound;  // the first place of each symbolic dimension no one gave
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
      } else if (d.symbol.empty()) {
        throw ModelError(g.path + ": graph input '" + in.name + "' dimension " + std::to_string(i) +
                         " has neither a size nor a name, so no option can give it (--dim binds named dimensions); "
                         "dnncost needs every dimension after the batch fixed or named in the model");
      } else {
        if (std::none_of(unbound.begin(), unbound.end(), [&](const SymbolicDim& u) { return u.name == d.symbol; }))
          unbound.push_back({d.symbol, in.name, i});
        s.push_back(1);  // a stand-in: the error below is thrown before the shape is used
      }
    }
    bound.binding.shapes[in.name] = s;
  }
  if (!unbound.empty()) {
    std::string where, options;
    for (const SymbolicDim& u : unbound) {
      where += std::string(where.empty() ? "graph input '" : ", input '") + u.input + "' dimension " +
               std::to_string(u.axis) + " is symbolic ('" + u.name + "')";
      options += (options.empty() ? "--dim " : " --dim ") + u.name + "=N";
    }
    throw ModelError(g.path + ": " + where + ": give " + (unbound.size() > 1 ? "their sizes" : "its size") + " with " +
                     options);
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

namespace {

// True when `name` is read as the indices of a Gather: token ids into an embedding table. Such an input is data, not
// a shape: bound as a plan-time value it would fold the whole network into plan-time reference loops.
bool read_as_gather_indices(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.op_type == "Gather" && n.inputs.size() >= 2 && n.inputs[1] == name) return true;
  return false;
}

}  // namespace

InputBinding bind_tensors(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& inputs,
                          const std::map<std::string, int64_t>& dims) {
  if (inputs.size() != g.inputs.size()) {
    std::string names;
    for (const auto& in : g.inputs) names += (names.empty() ? "" : ", ") + in.name;
    throw ModelError(g.path + ": the model has " + std::to_string(g.inputs.size()) + " input(s) (" + names + "), got " +
                     std::to_string(inputs.size()) + " tensor(s)");
  }
  check_dim_names(g, dims);
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
      for (size_t i = 1; i < vi.dims.size(); ++i) {
        const auto named = vi.dims[i].symbol.empty() ? dims.end() : dims.find(vi.dims[i].symbol);
        if (named == dims.end() || vi.dims[i].fixed() || named->second == t.shape()[i]) continue;
        throw ModelError(g.path + ": input '" + vi.name + "' dimension " + std::to_string(i) + " ('" + named->first +
                         "') is " + std::to_string(t.shape()[i]) + " in the given tensor " + shape_str(t.shape()) +
                         ", but --dim " + named->first + "=" + std::to_string(named->second));
      }
    }
    b.shapes[vi.name] = t.shape();
    if (!dtype_is_float(t.dtype()) && !read_as_gather_indices(g, vi.name)) b.values[vi.name] = inputs[k];
  }
  return b;
}

std::map<std::string, int64_t> tensor_dims(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  std::map<std::string, int64_t> dims;
  for (size_t k = 0; k < inputs.size() && k < g.inputs.size(); ++k) {
    const ValueInfo& vi = g.inputs[k];
    if (!inputs[k] || !vi.has_shape || vi.dims.size() != inputs[k]->shape().size()) continue;
    for (size_t i = 1; i < vi.dims.size(); ++i)
      if (!vi.dims[i].fixed() && !vi.dims[i].symbol.empty()) dims.emplace(vi.dims[i].symbol, inputs[k]->shape()[i]);
  }
  return dims;
}

}  // namespace dnncost
