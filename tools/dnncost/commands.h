// The dnncost subcommands, as functions the CLI (main.cpp) and the tests call.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/plan.h"

namespace dnncost {

struct InfoOptions {
  std::string model;
  int64_t batch = 0;      // <= 0: the model's own batch (symbolic -> 1)
  std::string json_path;  // write the JSON document here ("-" for stdout)
  bool quiet = false;     // no terminal table
};

struct RunOptions {
  std::string model;
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

}  // namespace dnncost
