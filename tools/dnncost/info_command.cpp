// `dnncost info`: per-layer cost table and JSON document for one model at one batch size.
#include <fstream>
#include <iostream>
#include <sstream>

#include "importers/onnx/onnx_import.h"
#include "tools/dnncost/commands.h"
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

}  // namespace

nlohmann::json info_json(const Plan& plan, int64_t batch, const std::vector<std::string>& notes) {
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
  j["inputs"] = nlohmann::json::array();
  for (int id : plan.input_ids()) j["inputs"].push_back(value_json(plan.values()[id]));
  j["outputs"] = nlohmann::json::array();
  for (int id : plan.output_ids()) j["outputs"].push_back(value_json(plan.values()[id]));
  nlohmann::json totals = cost_json(t);
  totals["input_bytes"] = plan.input_bytes();
  totals["layers"] = plan.steps().size();
  totals["folded_nodes"] = plan.folded().size();
  totals["imported_nodes"] = g.nodes.size();
  j["totals"] = totals;
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
    j["layers"].push_back(l);
  }
  return j;
}

std::string info_table(const Plan& plan, int64_t batch, const std::vector<std::string>& notes) {
  const Graph& g = plan.graph();
  const Cost& t = plan.totals();
  std::ostringstream os;
  os << g.path << "  (" << (g.producer.empty() ? "unknown producer" : g.producer) << ", opset " << g.opset
     << ", batch " << batch << ")\n";
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
  TextTable table({"#", "layer", "op", "output shape", "params", "MACs", "FLOPs", "bytes r+w", "FLOPs %"},
                  {false, true, true, true, false, false, false, false, false});
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& s = plan.steps()[i];
    std::string name = s.node->name;
    if (name.size() > 40) name = name.substr(0, 18) + "..." + name.substr(name.size() - 19);
    table.add({std::to_string(i), name, s.node->op_type, output_shapes(plan, s), si(s.cost.params), si(s.cost.macs),
               si(s.cost.flops), bytes_str(s.cost.bytes_read + s.cost.bytes_written),
               percent(t.flops ? static_cast<double>(s.cost.flops) / static_cast<double>(t.flops) : 0.0)});
  }
  table.add_rule();
  table.add({"", "total", std::to_string(plan.steps().size()) + " layers", "", si(t.params), si(t.macs), si(t.flops),
             bytes_str(t.bytes_read + t.bytes_written), "100.0%"});
  os << table.str() << "\n";
  os << "params            " << grouped(t.params) << "\n";
  os << "MACs              " << grouped(t.macs) << "  (" << si(t.macs) << ")\n";
  os << "FLOPs             " << grouped(t.flops) << "  (" << si(t.flops) << ", 1 MAC = 2 FLOPs)\n";
  os << "weight bytes      " << grouped(t.weight_bytes) << "  (" << bytes_str(t.weight_bytes) << ")\n";
  os << "activation bytes  " << grouped(t.activation_bytes) << "  (" << bytes_str(t.activation_bytes)
     << ", sum of all layer outputs, no reuse)\n";
  os << "input bytes       " << grouped(plan.input_bytes()) << "\n";
  os << "nodes             " << g.nodes.size() << " imported, " << plan.folded().size()
     << " folded at plan time (shape subgraphs, constants), " << plan.steps().size() << " layers run\n";
  return os.str();
}

int info_command(const InfoOptions& opt) {
  const Graph g = load_onnx(resolve_model(opt.model, opt.models_dir));
  std::vector<std::string> notes;
  const InputBinding b = bind_batch(g, opt.batch, &notes);
  const Plan plan(g, b);
  int64_t batch = opt.batch;
  if (batch <= 0) {
    batch = 1;
    if (!plan.input_ids().empty() && !plan.values()[plan.input_ids()[0]].shape.empty())
      batch = plan.values()[plan.input_ids()[0]].shape[0];
  }
  // Open the JSON file before printing anything, so a bad --json path fails without a half-printed result.
  std::ofstream json_file;
  if (!opt.json_path.empty() && opt.json_path != "-") {
    json_file.open(opt.json_path);
    if (!json_file) throw ModelError("--json " + opt.json_path + ": cannot create the file");
  }
  if (!opt.quiet && opt.json_path != "-") std::cout << info_table(plan, batch, notes);
  if (!opt.json_path.empty()) {
    const std::string doc = info_json(plan, batch, notes).dump(2) + "\n";
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
