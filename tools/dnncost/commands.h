// The dnncost subcommands, as functions the CLI (main.cpp) and the tests call.
#pragma once

#include <nlohmann/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"
#include "engine/passes.h"
#include "engine/plan.h"
#include "engine/session.h"
#include "metrics/power_meter.h"

namespace CLI {
class App;
}

namespace dnncost {

// Options of the cuda device (--math, --workspace-mb, --include-transfers); ignored by the other devices.
struct CudaOptions {
  std::string math = "fp32";
  std::string workspace_mb = "auto";  // MiB, or auto (cuda_geometry::auto_workspace_bytes)
  bool include_transfers = false;
};

// parse_device plus the cuda options, checked (a ModelError naming --math / --workspace-mb when out of range).
DeviceSpec device_spec(const std::string& device, int threads, const CudaOptions& cuda);

struct InfoOptions {
  std::string model;              // a file, or a zoo model name (resolve_model in tools/dnncost/zoo.h)
  std::string models_dir;         // --models: where zoo names are looked up ("" = $DNNCOST_MODELS, else ./models)
  int64_t batch = 0;              // <= 0: the model's own batch (symbolic -> 1)
  std::vector<std::string> dims;  // --dim NAME=V: sizes of symbolic dimensions (tools/dnncost/dim_option.h)
  std::string json_path;          // write the JSON document here ("-" for stdout)
  bool quiet = false;             // no terminal table
  std::string passes = "all";     // graph passes for the executed graph: "none" or "all"
  std::string device;             // --device: also build a session and show how each layer runs there ("" = none)
  CudaOptions cuda;
};

struct RunOptions {
  std::string model;       // a file, or a zoo model name
  std::string models_dir;  // --models
  std::string device = "ref";
  int threads = 0;                  // cpu device: worker threads, 0 = the library's default
  std::vector<std::string> inputs;  // TensorProto files, graph-input order
  std::vector<std::string> dims;    // --dim NAME=V: checked against the tensors' shapes, which decide them
  std::string out_dir;
  std::string passes;               // "" (what the device runs), "none" or "all"
  std::string max_memory;           // --max-memory: a size, "none", or "" for the device's free memory
  CudaOptions cuda;
};

struct EvalOptions {
  std::string model;
  std::string models_dir;  // --models
  std::string images;                    // image root: class folders, or the base of --labels paths
  std::string labels;                    // file of "relative/path label" lines; empty: class folders
  std::string class_names;               // optional file, one class name per line (for printing)
  int64_t resize = 256;                  // shorter side after resizing; 0: no resizing
  int64_t crop = 224;                    // centre crop side; must match the model's input H and W
  std::string mean = "0.485,0.456,0.406";
  std::string std = "0.229,0.224,0.225";
  std::string device = "ref";
  std::string passes;                    // "" (what the device runs), "none" or "all"
  int64_t batch = 0;                     // <= 0: the model's own batch (symbolic -> 1)
  int64_t limit = 0;                     // > 0: stop after this many evaluated images
  std::string json_path;                 // write the record here ("-" for stdout)
  std::string csv_path;                  // also write the record flattened to CSV (docs/RESULTS.md)
  bool per_image = false;                // add per-image path, label, prediction to the record
  bool quiet = false;                    // no progress and no summary on the terminal
  int64_t debug_interrupt_after = 0;     // hidden, for tests: raise SIGINT after this many batches
  std::string max_memory;                // --max-memory: a size, "none", or "" for the device's free memory
};

// Single-centre-crop top-1/top-5 accuracy of a classifier on labelled images; returns the exit status (0, or
// 130 when interrupted by Ctrl-C, after printing and writing the partial result). Record: docs/RESULTS.md.
int eval_command(const EvalOptions& opt);

struct ProfileOptions {
  std::vector<std::string> models;
  std::string models_dir;  // --models
  std::string device = "ref";
  std::string passes;  // "" (what the device runs), "none" or "all"
  int threads = 0;
  std::vector<int64_t> batches = {1};
  std::vector<std::string>
      dims;  // --dim NAME=V[,V...]: every combination is swept, inside the models, outside the batches
  int warmup = 3;
  int min_iters = 10;
  double min_time = 1.0;  // seconds
  bool per_layer = false;
  std::string json_path;  // JSON Lines: one record appended per (model, dims, batch)
  bool quiet = false;
  unsigned seed = 1;
  PowerOptions power;     // --power, --power-hz, --idle-seconds, --power-window
  std::string trace_path;      // Chrome trace event JSON of the per-layer pass and network runs
  std::string csv_path;        // the records flattened, one row per record (rewritten after each record)
  std::string layer_csv_path;  // the per-layer entries, one row per layer
  bool peaks = true;           // measure the device's peak GFLOP/s and GB/s once (device.peaks)
  double peaks_time = 1.0;     // seconds spent on the peaks
  std::string max_memory;      // --max-memory: a size, "none", or "" for the device's free memory
  CudaOptions cuda;            // --math, --workspace-mb, --include-transfers
};

// Exit status: 0 all measured, 1 some configuration failed (recorded), 130 interrupted by SIGINT, 143 by SIGTERM.
int profile_command(const ProfileOptions& opt);

// The graph passes for a command: `option` "" means what the device runs (PassOptions::for_device), else
// "none" or "all" (a ModelError naming --passes otherwise).
PassOptions passes_for(const std::string& option, const std::string& device_kind);

// What `info` shows of the passes: the plan of the graph as imported (same binding) and the pass log.
struct InfoPasses {
  std::string mode;                // "none" or "all"
  const Plan* imported = nullptr;  // the imported graph's plan
  std::vector<PassRecord> log;
  std::vector<std::string> notes;  // passes that could not run
};

// The JSON document of `info` for a plan (schema in docs/RESULTS.md). With `passes`, `plan` is the executed
// graph's, and the document also has "passes" and "imported_totals".
// With `session` (info --device), also "device" and per layer "device_step": how each layer runs there.
// `dims` are the --dim values the plan was made for (the document's "dims").
nlohmann::json info_json(const Plan& plan, int64_t batch, const std::vector<std::string>& notes,
                         const InfoPasses* passes = nullptr, const Session* session = nullptr,
                         const std::map<std::string, int64_t>& dims = {});
// The terminal table of `info` (with `passes`: also the pass log and the imported vs executed totals; with
// `session`: the device's implementation, workspace and layouts per layer; `dims` next to the batch).
std::string info_table(const Plan& plan, int64_t batch, const std::vector<std::string>& notes,
                       const InfoPasses* passes = nullptr, const Session* session = nullptr,
                       const std::map<std::string, int64_t>& dims = {});

int info_command(const InfoOptions& opt);

// Loads the model, plans it for the given input tensors and runs it on `device`; returns the outputs in
// graph-output order with their names. This is the code path of `dnncost run` (and of the conformance tests).
// The graph passes are `passes` (see passes_for): by default what the device runs. max_memory is --max-memory's
// text ("none": no cap, "": the device's free memory). `dims` (--dim) are checked against the tensors' shapes
// (bind_tensors), which decide every dimension.
std::vector<std::pair<std::string, Tensor>> run_model(const Graph& graph,
                                                      const std::vector<std::shared_ptr<const Tensor>>& inputs,
                                                      const std::string& device, const std::string& passes = "",
                                                      const std::string& max_memory = "none", int threads = 0,
                                                      const CudaOptions& cuda = CudaOptions(),
                                                      const std::map<std::string, int64_t>& dims = {});
int run_command(const RunOptions& opt);

struct ZooOptions {
  std::string action;              // list, export, table
  std::vector<std::string> names;  // export: zoo model names
  bool all = false;                // export: every model
  std::string sets;                // --set: comma-separated manifest sets (export: these models; list, table: only
                                   // these; table's default: core)
  int opset = 0;                   // export: ONNX opset (0 = the exporter's default, 13)
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


}  // namespace dnncost
