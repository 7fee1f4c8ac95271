// dnncost command line: info, run, zoo. Errors are printed as one message and a non-zero exit.
#include <CLI/CLI.hpp>
#include <iostream>

#include "engine/errors.h"
#include "tools/dnncost/commands.h"

int main(int argc, char** argv) {
  using namespace dnncost;
  CLI::App app{
      "dnncost: run ONNX models layer by layer and report what they cost.\n"
      "Per layer and per network: parameters, exact MACs and FLOPs (1 MAC = 2 FLOPs), bytes moved, weight and\n"
      "activation memory. Counting rules: docs/COSTS.md.",
      "dnncost"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dnncost ") + DNNCOST_VERSION);

  InfoOptions info;
  CLI::App* info_cmd = app.add_subcommand(
      "info", "Per-layer table of a model's cost: output shapes, params, MACs, FLOPs, bytes.\n"
              "Example: dnncost info resnet50.onnx --batch 8 --json resnet50.json");
  info_cmd->add_option("model", info.model, "ONNX model file, or a zoo model name (dnncost zoo list)")->required();
  info_cmd->add_option("--models", info.models_dir, kModelsOptionHelp);
  info_cmd->add_option("--batch,-b", info.batch,
                       "batch size bound to the inputs' first dimension (default: the model's own; symbolic -> 1)")
      ->check(CLI::PositiveNumber);
  info_cmd->add_option("--json", info.json_path, "also write the table as one JSON document to FILE ('-': stdout)");
  info_cmd->add_flag("--quiet,-q", info.quiet, "no terminal table");

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run a model on input tensors (ONNX TensorProto .pb files, graph-input order) and write\n"
             "DIR/output_0.pb, ... Example: dnncost run model.onnx --in input_0.pb --out out/");
  run_cmd->add_option("model", run.model, "ONNX model file, or a zoo model name (dnncost zoo list)")->required();
  run_cmd->add_option("--models", run.models_dir, kModelsOptionHelp);
  run_cmd->add_option("--device,-d", run.device, "device to run on: ref (plain loops, the oracle)")
      ->capture_default_str();
  run_cmd->add_option("--in,-i", run.inputs, "input tensors (.pb), one per graph input, in order")->required();
  run_cmd->add_option("--out,-o", run.out_dir, "folder for the output tensors")->required();

  ZooOptions zoo;
  CLI::App* zoo_cmd = add_zoo_subcommand(app, zoo);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*info_cmd) return info_command(info);
    if (*run_cmd) return run_command(run);
    if (*zoo_cmd) return zoo_command(zoo);
  } catch (const ModelError& e) {
    std::cerr << "dnncost: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "dnncost: error: out of memory\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "dnncost: internal error: " << e.what() << "\n";
    return 4;
  }
  return 0;
}
