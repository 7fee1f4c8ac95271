// `dnncost info`: per-layer cost table and JSON document for one model at one batch size.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "engine/memory_plan.h"
#include "importers/onnx/onnx_import.h"
#include "metrics/cost_roles.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/dim_option.h"
#include "tools/dnncost/format.h"
#include "tools/dnncost/zoo.h"

namespace dnncost {
namespace {

nlohmann::json cost_json(const Cost& c) {
  return {{"params", c.params},           {"macs", c.macs},
          {"flops", c.flops},             {"bytes_read", c.bytes_read},
          {"bytes_written", c.bytes_written}, {"weight_bytes", c.weight_bytes},
          {"activation_bytes", c.activation_bytes}};
}

// Totals of a plan with its MACs and FLOPs summed by cost role (metrics/cost_roles.h).
nlohmann::json totals_json(const Plan& plan, const RoleTotals& by_role) {
  nlohmann::json j = cost_json(plan.totals());
  j["macs_by_role"] = macs_by_role_json(by_role);
  j["flops_by_role"] = flops_by_role_json(by_role);
  j["input_bytes"] = plan.input_bytes();
  j["layers"] = plan.steps().size();
  j["folded_nodes"] = plan.folded().size();
  return j;
}

// "MACs and FLOPs by role": one row per role that has layers, with its share of the totals.
std::string role_table(const Plan& plan, const RoleTotals& by_role) {
  const Cost& t = plan.totals();
  TextTable table({"role", "layers", "MACs", "MACs %", "FLOPs", "FLOPs %"}, {true, false, false, false, false, false});
  for (CostRole r : all_cost_roles()) {
    const size_t k = static_cast<size_t>(r);
    if (by_role.layers[k] == 0) continue;
    table.add({cost_role_label(r), grouped(by_role.layers[k]), grouped(by_role.macs[k]),
               percent(t.macs ? static_cast<double>(by_role.macs[k]) / static_cast<double>(t.macs) : 0.0),
               grouped(by_role.flops[k]),
               percent(t.flops ? static_cast<double>(by_role.flops[k]) / static_cast<double>(t.flops) : 0.0)});
  }
  return table.str();
}

nlohmann::json value_json(const PlanValue& v) {
  return {{"name", v.name}, {"dtype", dtype_name(v.dtype)}, {"shape", v.shape}};
}

std::string output_shapes(const Plan& plan, const PlanStep& step) {
  std::string s;
  for (int id : step.outputs) {
    if (id < 0) continue;
    s += (s.empty() ? "" : " ") + shape_str(plan.values()[id].shape);
  }
  return s;
}

// Names of the nodes the passes merged into `node` (records whose target it is).
std::vector<std::string> absorbed_nodes(const InfoPasses* passes, const Node& node) {
  std::vector<std::string> names;
  if (!passes || node.name.empty()) return names;
  for (const PassRecord& r : passes->log)
    if (r.target_node == node.name) names.insert(names.end(), r.removed_nodes.begin(), r.removed_nodes.end());
  return names;
}

nlohmann::json pass_record_json(const PassRecord& r) {
  return {{"pass", r.pass}, {"removed_nodes", r.removed_nodes}, {"target_node", r.target_node},
          {"description", r.description}};
}

// "  BatchNormalization folded 20, Add fused 8, ..." counts per pass, in the order the passes run.
std::string pass_counts(const std::vector<PassRecord>& log) {
  const std::pair<const char*, const char*> passes[] = {{"drop_identity", "Identity/Dropout dropped"},
                                                        {"fold_batchnorm", "BatchNormalization folded"},
                                                        {"fuse_sum", "Add fused"},
                                                        {"fuse_activation", "activations fused"}};
  std::string s;
  for (const auto& p : passes) {
    int64_t n = 0;
    for (const PassRecord& r : log) n += r.pass == p.first;
    s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + p.second;
  }
  return s;
}

// Change from `before` to `after` as "-12,345 (-1.2%)", or "=" when equal.
std::string change_str(int64_t before, int64_t after) {
  if (before == after) return "=";
  const int64_t d = after - before;
  std::string s = (d > 0 ? "+" : "-") + grouped(d > 0 ? d : -d);
  if (before != 0) {
    const double f = static_cast<double>(d) / static_cast<double>(before);
    s += " (" + std::string(f > 0 ? "+" : "") + percent(f) + ")";
  }
  return s;
}

// How each layer runs on the session's device: implementation, workspace, layouts and the other details.
std::string device_steps_table(const Plan& plan, const Session& session) {
  std::ostringstream os;
  os << "on " << session.device_name() << ":\n";
  TextTable table({"#", "layer", "implementation", "workspace", "details"}, {false, true, true, false, true});
  int fallbacks = 0;
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    std::string name = plan.steps()[i].node->name;
    if (name.size() > 32) name = name.substr(0, 14) + "..." + name.substr(name.size() - 15);
    const nlohmann::json step = session.step_json(i);
    std::string workspace, details;
    if (!step.is_null()) {
      workspace = bytes_str(step.value("workspace_bytes", int64_t{0}));
      if (step.value("host_fallback", false)) {
        ++fallbacks;
        details = "host: " + step.value("fallback_reason", std::string());
      }
      if (const auto d = step.find("details"); d != step.end() && d->is_object()) {
        for (const auto& kv : d->items()) {
          if (kv.key() == "workspace") continue;
          details += (details.empty() ? "" : "; ") + kv.key() + " " +
                     (kv.value().is_string() ? kv.value().get<std::string>() : kv.value().dump());
        }
      }
    }
    table.add({std::to_string(i), name, session.step_algorithm(i), workspace, details});
  }
  os << table.str();
  const SessionMemory mem = session.memory();
  os << "device memory     weights " << bytes_str(mem.weight_bytes) << " + arena " << bytes_str(mem.arena_planned)
     << " + workspace " << bytes_str(mem.workspace_planned) << " = " << bytes_str(mem.planned() + mem.weight_bytes)
     << " planned, " << bytes_str(mem.allocated() + mem.weight_bytes) << " allocated";
  const nlohmann::json device = session.device_json();
  if (device.contains("memory") && device["memory"].contains("baseline"))
    os << "; fixed baseline (context, handles) " << bytes_str(device["memory"]["baseline"].get<int64_t>());
  os << "\n";
  if (fallbacks) os << fallbacks << " layer(s) run on the host (forward_ref)\n";
  return os.str();
}

}  // namespace

nlohmann::json info_json(const Plan& plan, int64_t batch, const std::vector<std::string>& notes,
                         const InfoPasses* passes, const Session* session, const std::map<std::string, int64_t>& dims) {
  const Graph& g = plan.graph();
  const Cost& t = plan.totals();
  nlohmann::json j;
  j["schema"] = "dnncost.info/1";
  j["tool"] = {{"name", "dnncost"}, {"version", DNNCOST_VERSION}};
  j["model"] = g.path;
  j["graph_name"] = g.name;
  j["producer"] = g.producer;
  j["opset"] = g.opset;
  j["batch"] = batch;
  j["dims"] = dims_json(dims);
  j["inputs"] = nlohmann::json::array();
  for (int id : plan.input_ids()) j["inputs"].push_back(value_json(plan.values()[id]));
  j["outputs"] = nlohmann::json::array();
  for (int id : plan.output_ids()) j["outputs"].push_back(value_json(plan.values()[id]));
  const std::vector<CostRole> roles = cost_roles(plan);
  nlohmann::json totals = totals_json(plan, role_totals(plan, roles));
  totals["imported_nodes"] = passes && passes->imported ? passes->imported->graph().nodes.size() : g.nodes.size();
  totals["executed_nodes"] = g.nodes.size();
  j["totals"] = totals;
  const MemoryPlan mp = plan_memory(plan);
  j["memory_plan"] = {{"layout", "plain row-major (the ref device; other devices plan their own layouts)"},
                      {"arena_bytes", mp.arena_bytes},
                      {"without_reuse_bytes", mp.naive_bytes},
                      {"in_place_layers", mp.in_place},
                      {"weight_bytes", plan.totals().weight_bytes},
                      {"alignment", kArenaAlignment}};
  j["passes_mode"] = passes ? passes->mode : "none";
  j["passes"] = nlohmann::json::array();
  if (passes) {
    for (const PassRecord& r : passes->log) j["passes"].push_back(pass_record_json(r));
  }
  j["pass_notes"] = passes ? passes->notes : std::vector<std::string>{};
  const Plan& imported = passes && passes->imported ? *passes->imported : plan;
  j["imported_totals"] = totals_json(imported, role_totals(imported, cost_roles(imported)));
  j["notes"] = notes;
  j["folded"] = nlohmann::json::array();
  for (const Node* n : plan.folded()) j["folded"].push_back({{"name", n->name}, {"op", n->op_type}});
  j["layers"] = nlohmann::json::array();
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& s = plan.steps()[i];
    nlohmann::json l = cost_json(s.cost);
    l["index"] = i;
    l["name"] = s.node->name;
    l["op"] = s.node->op_type;
    l["executed_op"] = executed_op_label(*s.node);
    l["role"] = cost_role_name(roles[i]);
    l["absorbed_nodes"] = absorbed_nodes(passes, *s.node);
    l["inputs"] = nlohmann::json::array();
    for (int id : s.inputs) {
      if (id < 0) continue;
      nlohmann::json v = value_json(plan.values()[id]);
      v["constant"] = plan.values()[id].constant != nullptr;
      l["inputs"].push_back(v);
    }
    l["outputs"] = nlohmann::json::array();
    for (int id : s.outputs)
      if (id >= 0) l["outputs"].push_back(value_json(plan.values()[id]));
    l["flops_share"] = t.flops ? static_cast<double>(s.cost.flops) / static_cast<double>(t.flops) : 0.0;
    l["macs_share"] = t.macs ? static_cast<double>(s.cost.macs) / static_cast<double>(t.macs) : 0.0;
    if (session) {
      nlohmann::json step = session->step_json(i);
      if (step.is_null()) step = {{"implementation", session->step_algorithm(i)}};
      l["device_step"] = step;
    }
    j["layers"].push_back(l);
  }
  if (session) {
    j["device"] = session->device_json();
    const SessionMemory mem = session->memory();
    j["device"]["planned_memory"] = {{"weights", mem.weight_bytes},
                                     {"arena", mem.arena_planned},
                                     {"workspace", mem.workspace_planned},
                                     {"allocated", mem.allocated() + mem.weight_bytes}};
  }
  return j;
}

std::string info_table(const Plan& plan, int64_t batch, const std::vector<std::string>& notes, const InfoPasses* passes,
                       const Session* session, const std::map<std::string, int64_t>& dims) {
  const Graph& g = plan.graph();
  const Cost& t = plan.totals();
  std::ostringstream os;
  os << g.path << "  (" << (g.producer.empty() ? "unknown producer" : g.producer) << ", opset " << g.opset << ", batch "
     << batch << (dims.empty() ? "" : ", " + dims_label(dims)) << ")\n";
  for (int id : plan.input_ids()) {
    const auto& v = plan.values()[id];
    os << "  input  " << v.name << ": " << dtype_name(v.dtype) << " " << shape_str(v.shape) << "\n";
  }
  for (int id : plan.output_ids()) {
    const auto& v = plan.values()[id];
    os << "  output " << v.name << ": " << dtype_name(v.dtype) << " " << shape_str(v.shape) << "\n";
  }
  for (const auto& n : notes) os << "  note: " << n << "\n";
  os << "\n";
  const std::vector<CostRole> roles = cost_roles(plan);
  TextTable table({"#", "layer", "op", "role", "output shape", "params", "MACs", "FLOPs", "bytes r+w", "FLOPs %"},
                  {false, true, true, true, true, false, false, false, false, false});
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& s = plan.steps()[i];
    std::string name = s.node->name;
    if (name.size() > 40) name = name.substr(0, 18) + "..." + name.substr(name.size() - 19);
    table.add({std::to_string(i), name, executed_op_label(*s.node), cost_role_short(roles[i]), output_shapes(plan, s),
               si(s.cost.params), si(s.cost.macs), si(s.cost.flops),
               bytes_str(s.cost.bytes_read + s.cost.bytes_written),
               percent(t.flops ? static_cast<double>(s.cost.flops) / static_cast<double>(t.flops) : 0.0)});
  }
  table.add_rule();
  table.add({"", "total", std::to_string(plan.steps().size()) + " layers", "", "", si(t.params), si(t.macs),
             si(t.flops), bytes_str(t.bytes_read + t.bytes_written), "100.0%"});
  os << table.str() << "\n";
  if (passes) {
    os << "passes: " << passes->mode;
    if (passes->mode == "none") os << " (the graph as imported is executed)\n";
    os << "\n";
    if (passes->mode != "none") os << "  " << pass_counts(passes->log) << "\n";
    size_t width = 0;
    for (const PassRecord& r : passes->log) width = std::max(width, r.pass.size());
    for (const PassRecord& r : passes->log)
      os << "  " << r.pass << std::string(width - r.pass.size() + 2, ' ') << r.description << "\n";
    for (const auto& n : passes->notes) os << "  note: " << n << "\n";
    if (passes->imported && passes->mode != "none") {
      const Cost& before = passes->imported->totals();
      const int64_t layers_before = static_cast<int64_t>(passes->imported->steps().size());
      const int64_t layers_after = static_cast<int64_t>(plan.steps().size());
      TextTable diff({"", "as imported", "as executed", "change"}, {true, false, false, false});
      diff.add({"layers", grouped(layers_before), grouped(layers_after), change_str(layers_before, layers_after)});
      diff.add({"params", grouped(before.params), grouped(t.params), change_str(before.params, t.params)});
      diff.add({"MACs", grouped(before.macs), grouped(t.macs), change_str(before.macs, t.macs)});
      diff.add({"FLOPs", grouped(before.flops), grouped(t.flops), change_str(before.flops, t.flops)});
      diff.add({"weight bytes", grouped(before.weight_bytes), grouped(t.weight_bytes),
                change_str(before.weight_bytes, t.weight_bytes)});
      diff.add({"activation bytes", grouped(before.activation_bytes), grouped(t.activation_bytes),
                change_str(before.activation_bytes, t.activation_bytes)});
      os << "\n" << diff.str() << "\n";
    }
    if (passes->mode != "none") os << "totals below: the graph as executed\n";
  }
  os << "params            " << grouped(t.params) << "\n";
  os << "MACs              " << grouped(t.macs) << "  (" << si(t.macs) << ")\n";
  os << "FLOPs             " << grouped(t.flops) << "  (" << si(t.flops) << ", 1 MAC = 2 FLOPs)\n";
  os << "weight bytes      " << grouped(t.weight_bytes) << "  (" << bytes_str(t.weight_bytes) << ")\n";
  os << "activation bytes  " << grouped(t.activation_bytes) << "  (" << bytes_str(t.activation_bytes)
     << ", sum of all layer outputs, no reuse)\n";
  os << "input bytes       " << grouped(plan.input_bytes()) << "\n";
  const MemoryPlan mp = plan_memory(plan);
  os << "activation arena  " << grouped(mp.arena_bytes) << "  (" << bytes_str(mp.arena_bytes)
     << ", planned peak with buffer reuse, " << mp.in_place << " layers in place; " << bytes_str(mp.naive_bytes)
     << " without reuse; plain layout)\n";
  const size_t imported_nodes = passes && passes->imported ? passes->imported->graph().nodes.size() : g.nodes.size();
  os << "nodes             " << imported_nodes << " imported, ";
  if (imported_nodes != g.nodes.size()) os << g.nodes.size() << " after the passes, ";
  os << plan.folded().size() << " folded at plan time (shape subgraphs, constants), " << plan.steps().size()
     << " layers run\n";
  os << "\nMACs and FLOPs by role (attention: MatMul/Gemm/Einsum of two run-time operands; docs/COSTS.md):\n"
     << role_table(plan, role_totals(plan, roles));
  if (session) os << "\n" << device_steps_table(plan, *session);
  return os.str();
}

int info_command(const InfoOptions& opt) {
  const PassOptions pass_options = PassOptions::parse(opt.passes, "--passes");
  // A bad --dim or --device fails before the model is read.
  const DimValues dims = single_dim_values(parse_dim_options(opt.dims), "info");
  std::optional<DeviceSpec> spec;
  if (!opt.device.empty()) spec = device_spec(opt.device, 0, opt.cuda);
  const Graph g = load_onnx(resolve_model(opt.model, opt.models_dir));
  InputRequest request;
  request.batch = opt.batch;
  request.dims = dims;
  const BoundInputs bound = bind_inputs(g, request);
  const std::vector<std::string>& notes = bound.notes;
  const InputBinding& b = bound.binding;
  // The graph as imported and as executed (after the passes), planned for the same inputs.
  const Plan imported(g, b);
  const OptimizedGraph executed = optimize(g, pass_options, dims);
  const Plan plan(*executed.graph, b);
  InfoPasses passes;
  passes.mode = pass_options.name();
  passes.imported = &imported;
  passes.log = executed.log;
  passes.notes = executed.notes;
  std::unique_ptr<Session> session;
  if (spec) session = make_session(plan, *spec);
  const int64_t batch = bound.batch;
  // Open the JSON file before printing anything, so a bad --json path fails without a half-printed result.
  std::ofstream json_file;
  if (!opt.json_path.empty() && opt.json_path != "-") {
    json_file.open(opt.json_path);
    if (!json_file) throw ModelError("--json " + opt.json_path + ": cannot create the file");
  }
  if (!opt.quiet && opt.json_path != "-") std::cout << info_table(plan, batch, notes, &passes, session.get(), dims);
  if (!opt.json_path.empty()) {
    const std::string doc = info_json(plan, batch, notes, &passes, session.get(), dims).dump(2) + "\n";
    if (opt.json_path == "-") {
      std::cout << doc;
    } else {
      if (!(json_file << doc) || !json_file.flush()) {
        throw ModelError("--json " + opt.json_path + ": cannot write the file");
      }
      if (!opt.quiet) std::cout << "wrote " << opt.json_path << "\n";
    }
  }
  return 0;
}

}  // namespace dnncost
