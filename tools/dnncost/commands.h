// The dnncost subcommands, as functions the CLI (main.cpp) and the tests call.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/plan.h"

namespace CLI {
class App;
}

namespace dnncost {

struct InfoOptions {
  std::string model;       // a file, or a zoo model name (resolve_model in tools/dnncost/zoo.h)
  std::string models_dir;  // --models: where zoo names are looked up ("" = $DNNCOST_MODELS, else ./models)
  int64_t batch = 0;      // <= 0: the model's own batch (symbolic -> 1)
  std::string json_path;  // write the JSON document here ("-" for stdout)
  bool quiet = false;     // no terminal table
};

struct RunOptions {
  std::string model;       // a file, or a zoo model name
  std::string models_dir;  // --models
  std::string device = "ref";
  std::vector<std::string> inputs;  // TensorProto files, graph-input order
  std::string out_dir;
};

// The JSON document of `info` for a plan (schema in docs/RESULTS.md).
nlohmann::json info_json(const Plan& plan, int64_t batch, const std::vector<std::string>& notes);
// The terminal table of `info`.
std::string info_table(const Plan& plan, int64_t batch, const std::vector<std::string>& notes);

int info_command(const InfoOptions& opt);

// Loads the model, plans it for the given input tensors and runs it on `device`; returns the outputs in
// graph-output order with their names. This is the code path of `dnncost run` (and of the conformance tests).
std::vector<std::pair<std::string, Tensor>> run_model(const Graph& graph,
                                                      const std::vector<std::shared_ptr<const Tensor>>& inputs,
                                                      const std::string& device);
int run_command(const RunOptions& opt);

struct ZooOptions {
  std::string action;              // list, export, table
  std::vector<std::string> names;  // export: zoo model names
  bool all = false;                // export: every model
  std::string forms;               // export: "eval", "bn" or "eval,bn" ("" = both)
  bool markdown = false;           // table: the docs/MODELS.md document
  std::string models_dir;          // --models
};

// Adds `zoo list|export|table` to the CLI, filling `opt`; zoo_command(opt) runs it.
CLI::App* add_zoo_subcommand(CLI::App& app, ZooOptions& opt);
int zoo_command(const ZooOptions& opt);

// Help text of the --models option of the commands that take a MODEL.
inline constexpr const char* kModelsOptionHelp =
    "folder of exported zoo models, where a MODEL name is looked up (default: $DNNCOST_MODELS, else ./models)";

// Checks a device name; throws ModelError naming the option and the devices this build has.
void check_device(const std::string& device);

}  // namespace dnncost
