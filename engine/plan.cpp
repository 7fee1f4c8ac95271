// Plan construction: binding input shapes, creating layers, shape inference, folding and cost.
#include "engine/plan.h"

#include <iomanip>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

std::string approx_bytes(long double bytes) {
  std::ostringstream os;
  os << std::setprecision(3) << static_cast<double>(bytes) << " bytes";
  return os.str();
}

// A limit in bytes for messages: "2 GiB", "256 TiB", or the byte count when not a whole power-of-1024 unit.
std::string limit_str(int64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (u < 5 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return std::to_string(bytes) + " " + units[u];
}

// Checks that a value of this type and shape can be planned; `what` starts the message ("file: graph input 'X'").
void check_value_size(const Shape& shape, DType dtype, const std::string& what, int64_t max_bytes) {
  long double bytes = static_cast<long double>(dtype_size(dtype));
  for (int64_t d : shape) {
    if (d < 0) throw ModelError(what + " has a negative dimension in shape " + shape_str(shape));
    bytes *= static_cast<long double>(d);
  }
  try {
    shape_numel(shape);
  } catch (const ModelError&) {
    throw ModelError(what + " has shape " + shape_str(shape) + " whose element count overflows int64");
  }
  if (bytes > static_cast<long double>(max_bytes)) {
    throw ModelError(what + " (" + dtype_name(dtype) + " " + shape_str(shape) + ") needs " + approx_bytes(bytes) +
                     ", more than the " + limit_str(max_bytes) + " dnncost plans for one value");
  }
}

// True when every graph input declares fixed dims only and is bound to exactly those: then the declared output
// shapes must be what the plan computes.
bool inputs_bound_as_declared(const Graph& g, const InputBinding& binding) {
  for (const auto& in : g.inputs) {
    auto it = binding.shapes.find(in.name);
    if (!in.has_shape || it == binding.shapes.end() || it->second.size() != in.dims.size()) return false;
    for (size_t i = 0; i < in.dims.size(); ++i)
      if (!in.dims[i].fixed() || in.dims[i].value != it->second[i]) return false;
  }
  return true;
}

}  // namespace

void check_supported(const Graph& g) {
  const auto& reg = LayerRegistry::instance();
  std::vector<std::string> bad;
  std::set<std::string> bad_types;
  for (const auto& n : g.nodes) {
    if (!n.domain.empty()) {
      bad.push_back("'" + n.name + "' (" + n.domain + "::" + n.op_type + ")");
      bad_types.insert(n.domain + "::" + n.op_type);
    } else if (!reg.has(n.op_type)) {
      bad.push_back("'" + n.name + "' (" + n.op_type + ")");
      bad_types.insert(n.op_type);
    }
  }
  if (bad.empty()) return;
  std::ostringstream os;
  os << g.path << ": " << bad.size() << " node(s) use ops dnncost does not support (";
  bool first = true;
  for (const auto& t : bad_types) {
    os << (first ? "" : ", ") << t;
    first = false;
  }
  os << "):";
  const size_t show = 20;
  for (size_t i = 0; i < bad.size() && i < show; ++i) os << "\n  node " << bad[i];
  if (bad.size() > show) os << "\n  ... and " << bad.size() - show << " more";
  os << "\nSupported ops: " << reg.known_ops_list();
  throw ModelError(os.str());
}

int Plan::add_value(PlanValue v) {
  const int id = static_cast<int>(values_.size());
  ids_[v.name] = id;
  values_.push_back(std::move(v));
  return id;
}

int Plan::value_id(const std::string& name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? -1 : it->second;
}

ValueDesc Plan::describe(int id) const {
  ValueDesc d;
  if (id < 0) return d;
  const PlanValue& v = values_[id];
  d.present = true;
  d.dtype = v.dtype;
  d.shape = v.shape;
  d.constant = v.constant.get();
  d.from_initializer = v.from_initializer;
  return d;
}

int64_t Plan::input_bytes() const {
  int64_t n = 0;
  for (int id : input_ids_)
    n += shape_numel(values_[id].shape) * static_cast<int64_t>(dtype_size(values_[id].dtype));
  return n;
}

// Creates the node's layer, infers its outputs, and either folds it (evaluates it now) or appends a step
// with its cost. Errors propagate to the caller, which adds the node's context.
void Plan::add_node(const Node& node, const OpContext& ctx, std::set<int>& charged) {
  DNNCOST_EXPECT(!node.outputs.empty() && !node.outputs[0].empty(),
                 "has no first output; expected output 0 to be named (every op produces it)");
  std::unique_ptr<Layer> layer = LayerRegistry::instance().create(node, ctx);
  std::vector<int> in_ids;
  std::vector<ValueDesc> in_desc;
  bool all_const = true;
  bool all_init = true;
  for (const auto& name : node.inputs) {
    const int id = name.empty() ? -1 : value_id(name);
    DNNCOST_EXPECT(name.empty() || id >= 0, "input '" << name << "' is not defined");
    in_ids.push_back(id);
    in_desc.push_back(describe(id));
    if (id >= 0) {
      all_const = all_const && values_[id].constant != nullptr;
      all_init = all_init && values_[id].from_initializer;
    }
  }
  const std::vector<OutputDesc> outs = layer->infer(in_desc);
  DNNCOST_EXPECT(outs.size() >= node.outputs.size(), "has " << node.outputs.size()
                                                             << " outputs, but the op produces at most "
                                                             << outs.size());
  std::vector<int> out_ids;
  std::vector<ValueDesc> out_desc;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].empty()) {
      out_ids.push_back(-1);
      out_desc.emplace_back();
      continue;
    }
    DNNCOST_EXPECT(value_id(node.outputs[i]) < 0, "output '" << node.outputs[i] << "' is already defined");
    DNNCOST_EXPECT(dtype_supported(outs[i].dtype),
                   "output '" << node.outputs[i] << "' would have element type " << dtype_name(outs[i].dtype));
    check_value_size(outs[i].shape, outs[i].dtype, "output '" + node.outputs[i] + "'", limits_.max_value_bytes);
    PlanValue v;
    v.name = node.outputs[i];
    v.dtype = outs[i].dtype;
    v.shape = outs[i].shape;
    out_ids.push_back(add_value(std::move(v)));
    out_desc.push_back(describe(out_ids.back()));
  }
  // Outputs the op has but the node leaves out are absent optional outputs for count() and forward_ref().
  out_ids.resize(outs.size(), -1);
  out_desc.resize(outs.size());

  if (layer->shape_only() || all_const) {
    // Evaluate now: shape subgraphs and constants become plan-time values. Bounded in memory (per value and in
    // total) and in work, so that a small file cannot make planning allocate or compute without end.
    for (int id : out_ids) {
      if (id < 0) continue;
      const PlanValue& v = values_[id];
      const int64_t bytes = shape_numel(v.shape) * static_cast<int64_t>(dtype_size(v.dtype));
      DNNCOST_EXPECT(bytes <= limits_.max_folded_value_bytes,
                     "output '" << v.name << "' (" << dtype_name(v.dtype) << " " << shape_str(v.shape)
                                << ") is computed from constants only, so it is evaluated at plan time, and needs "
                                << approx_bytes(bytes) << "; dnncost evaluates at most "
                                << limit_str(limits_.max_folded_value_bytes) << " per value at plan time");
      folded_bytes_ += bytes;
      DNNCOST_EXPECT(folded_bytes_ <= limits_.max_folded_total_bytes,
                     "output '" << v.name << "' (" << dtype_name(v.dtype) << " " << shape_str(v.shape)
                                << ") is evaluated at plan time and brings the values evaluated at plan time to "
                                << approx_bytes(folded_bytes_) << "; dnncost evaluates at most "
                                << limit_str(limits_.max_folded_total_bytes) << " in all at plan time");
    }
    if (!layer->shape_only()) {
      const OpCount oc = layer->count(in_desc, out_desc);
      const long double work = static_cast<long double>(oc.macs) + static_cast<long double>(oc.flops);
      DNNCOST_EXPECT(work <= static_cast<long double>(limits_.max_folded_flops),
                     "is computed from constants only, so it is evaluated at plan time, and needs "
                         << oc.macs << " MACs and " << oc.flops << " FLOPs; dnncost evaluates at most "
                         << limits_.max_folded_flops << " MACs + FLOPs per node at plan time");
    }
    std::vector<const Tensor*> ins;
    for (int id : in_ids) ins.push_back(id < 0 ? nullptr : values_[id].constant.get());
    std::vector<std::shared_ptr<Tensor>> results(out_ids.size());
    std::vector<Tensor*> outp(out_ids.size(), nullptr);
    for (size_t i = 0; i < out_ids.size(); ++i) {
      if (out_ids[i] < 0) continue;
      results[i] = std::make_shared<Tensor>(values_[out_ids[i]].dtype, values_[out_ids[i]].shape);
      outp[i] = results[i].get();
    }
    layer->forward_ref(ins, outp);
    // Params of the initializers folded here move to the first output (docs/COSTS.md, "Folded nodes"): from
    // initializers only, the elements of its float, non-scalar ones (scalars and integer tables are data); from
    // initializers and shapes, those of the inputs the layer counts as params, charged to the output's first reader.
    int64_t source = 0, carried = 0;
    if (!layer->shape_only()) {
      for (size_t i = 0; i < in_ids.size(); ++i) {
        const int id = in_ids[i];
        if (id < 0 || params_counted_.count(id)) continue;
        const PlanValue& v = values_[id];
        if (all_init && v.from_initializer && dtype_is_float(v.dtype) && shape_numel(v.shape) > 1) {
          source += v.source_elements;
          params_counted_.insert(id);
        } else if (!all_init && v.from_initializer && layer->input_role(i, in_desc[i]) == InputRole::kParam) {
          carried += v.source_elements;
          params_counted_.insert(id);
        } else if (!all_init && v.carried_params > 0) {
          carried += v.carried_params;
          params_counted_.insert(id);
        }
      }
    }
    for (size_t i = 0; i < out_ids.size(); ++i) {
      if (out_ids[i] < 0) continue;
      values_[out_ids[i]].constant = results[i];
      values_[out_ids[i]].from_initializer = all_init && !layer->shape_only();
    }
    for (int id : out_ids) {
      if (id < 0) continue;
      values_[id].source_elements = source;
      values_[id].carried_params = carried;
      break;
    }
    folded_.push_back(&node);
    return;
  }

  PlanStep step;
  step.node = &node;
  const OpCount oc = layer->count(in_desc, out_desc);
  step.cost.macs = oc.macs;
  step.cost.flops = oc.flops;
  for (size_t i = 0; i < in_ids.size(); ++i) {
    const int id = in_ids[i];
    if (id < 0) continue;
    step.cost.bytes_read += in_desc[i].bytes();
    if (values_[id].from_initializer && !charged.count(id)) {
      charged.insert(id);
      step.cost.weight_bytes += in_desc[i].bytes();
    }
    if (params_counted_.count(id)) continue;
    if (values_[id].from_initializer && layer->input_role(i, in_desc[i]) == InputRole::kParam) {
      params_counted_.insert(id);
      step.cost.params += values_[id].source_elements;
    } else if (values_[id].carried_params > 0) {
      params_counted_.insert(id);
      step.cost.params += values_[id].carried_params;
    }
  }
  for (const auto& od : out_desc) {
    if (!od.present) continue;
    step.cost.bytes_written += od.bytes();
    step.cost.activation_bytes += od.bytes();
  }
  totals_ += step.cost;
  step.layer = std::move(layer);
  step.inputs = std::move(in_ids);
  step.outputs = std::move(out_ids);
  steps_.push_back(std::move(step));
}

Plan::Plan(const Graph& g, const InputBinding& binding, const PlanLimits& limits) : graph_(g), limits_(limits) {
  check_supported(g);
  for (const auto& kv : g.initializers) {
    PlanValue v;
    v.name = kv.first;
    v.dtype = kv.second->dtype();
    v.shape = kv.second->shape();
    v.constant = kv.second;
    v.from_initializer = true;
    v.source_elements = kv.second->numel();
    add_value(std::move(v));
  }
  for (const auto& in : g.inputs) {
    auto it = binding.shapes.find(in.name);
    if (it == binding.shapes.end()) throw ModelError(g.path + ": no shape bound for graph input '" + in.name + "'");
    if (!dtype_supported(in.dtype)) {
      throw ModelError(g.path + ": graph input '" + in.name + "' has element type " + dtype_name(in.dtype) +
                       ", which dnncost cannot run");
    }
    PlanValue v;
    v.name = in.name;
    v.dtype = in.dtype;
    v.shape = it->second;
    check_value_size(v.shape, v.dtype, g.path + ": graph input '" + in.name + "'", limits_.max_value_bytes);
    v.graph_input = true;
    auto val = binding.values.find(in.name);
    if (val != binding.values.end()) v.constant = val->second;
    input_ids_.push_back(add_value(std::move(v)));
  }

  const OpContext ctx{g.path, g.opset};
  std::set<int> charged;  // initializer-derived values already charged to a layer
  for (const Node& node : g.nodes) {
    try {
      add_node(node, ctx, charged);
    } catch (...) {
      rethrow_with_node_context(g.path, node.name, node.op_type);
    }
  }
  for (const auto& o : g.outputs) {
    const int id = value_id(o.name);
    if (id < 0) throw ModelError(g.path + ": graph output '" + o.name + "' is not produced");
    output_ids_.push_back(id);
  }
  // A declared output that disagrees with the computed one means the model or a layer's shape inference is
  // wrong: refuse, rather than report costs for the wrong shapes. Checked only when the inputs are bound exactly
  // as declared, since another batch size legitimately changes the outputs.
  if (inputs_bound_as_declared(g, binding)) {
    for (size_t k = 0; k < g.outputs.size(); ++k) {
      const ValueInfo& decl = g.outputs[k];
      const PlanValue& v = values_[output_ids_[k]];
      bool agree = !decl.has_shape || decl.dims.size() == v.shape.size();
      for (size_t i = 0; agree && decl.has_shape && i < decl.dims.size(); ++i)
        if (decl.dims[i].fixed() && decl.dims[i].value != v.shape[i]) agree = false;
      const bool type_agrees = decl.dtype == DType::kUndefined || decl.dtype == v.dtype;
      if (agree && type_agrees) continue;
      std::string producer;
      for (const auto& n : g.nodes)
        for (const auto& o : n.outputs)
          if (o == decl.name) producer = " (produced by node '" + n.name + "' (" + n.op_type + "))";
      const std::string declared = (decl.dtype == DType::kUndefined ? "" : dtype_name(decl.dtype) + " ") +
                                   (decl.has_shape ? declared_dims_str(decl) : "(no shape)");
      throw ModelError(g.path + ": graph output '" + decl.name + "' is declared " + declared + " but computes to " +
                       dtype_name(v.dtype) + " " + shape_str(v.shape) + producer +
                       "; the model's declaration and the shape inference disagree");
    }
  }
}

}  // namespace dnncost
