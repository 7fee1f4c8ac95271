// dnncost command line: info, run, eval. Errors are printed as one message and a non-zero exit.
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
  info_cmd->add_option("model", info.model, "ONNX model file")->required();
  info_cmd->add_option("--batch,-b", info.batch,
                       "batch size bound to the inputs' first dimension (default: the model's own; symbolic -> 1)")
      ->check(CLI::PositiveNumber);
  info_cmd->add_option("--json", info.json_path, "also write the table as one JSON document to FILE ('-': stdout)");
  info_cmd->add_flag("--quiet,-q", info.quiet, "no terminal table");

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run a model on input tensors (ONNX TensorProto .pb files, graph-input order) and write\n"
             "DIR/output_0.pb, ... Example: dnncost run model.onnx --in input_0.pb --out out/");
  run_cmd->add_option("model", run.model, "ONNX model file")->required();
  run_cmd->add_option("--device,-d", run.device, "device to run on: ref (plain loops, the oracle)")
      ->capture_default_str();
  run_cmd->add_option("--in,-i", run.inputs, "input tensors (.pb), one per graph input, in order")->required();
  run_cmd->add_option("--out,-o", run.out_dir, "folder for the output tensors")->required();

  EvalOptions eval;
  CLI::App* eval_cmd = app.add_subcommand(
      "eval", "Single-centre-crop top-1/top-5 accuracy of an image classifier on labelled JPEG/PNG images:\n"
              "resize the shorter side (bilinear, antialiased as torchvision/PIL), centre crop, /255, normalise.\n"
              "Example: dnncost eval resnet50.onnx --images imagenet/val --batch 16 --json resnet50-eval.json");
  eval_cmd->add_option("model", eval.model, "ONNX model file (one input [N, 3, H, W], class scores [N, C] out)")
      ->required();
  eval_cmd->add_option("--images", eval.images,
                       "image folder: one sub-folder per class (sorted names = class indices, as torchvision's "
                       "ImageFolder), or the base of the --labels paths")
      ->required();
  eval_cmd->add_option("--labels", eval.labels, "file of 'relative/path label' lines (instead of class folders)");
  eval_cmd->add_option("--class-names", eval.class_names, "file with one class name per line, for printing");
  eval_cmd->add_option("--resize", eval.resize, "shorter side after resizing (0: no resizing)")
      ->capture_default_str();
  eval_cmd->add_option("--crop", eval.crop, "side of the centre crop (the model's input H and W)")
      ->capture_default_str();
  eval_cmd->add_option("--mean", eval.mean, "per-channel mean R,G,B subtracted after scaling to [0, 1]")
      ->capture_default_str();
  eval_cmd->add_option("--std", eval.std, "per-channel standard deviation R,G,B divided by")->capture_default_str();
  eval_cmd->add_option("--device,-d", eval.device, "device to run on: ref (plain loops, the oracle)")
      ->capture_default_str();
  eval_cmd->add_option("--batch,-b", eval.batch, "images per batch (default: the model's own; symbolic -> 1)")
      ->check(CLI::PositiveNumber);
  eval_cmd->add_option("--limit", eval.limit, "stop after this many evaluated images")->check(CLI::PositiveNumber);
  eval_cmd->add_option("--json", eval.json_path, "write the result record to FILE ('-': stdout)");
  eval_cmd->add_flag("--per-image", eval.per_image, "add each image's path, label and prediction to the record");
  eval_cmd->add_flag("--quiet,-q", eval.quiet, "no progress and no summary on the terminal");
  eval_cmd->add_option("--debug-interrupt-after", eval.debug_interrupt_after,
                       "raise SIGINT after this many batches (tests the Ctrl-C path)")
      ->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*info_cmd) return info_command(info);
    if (*run_cmd) return run_command(run);
    if (*eval_cmd) return eval_command(eval);
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
