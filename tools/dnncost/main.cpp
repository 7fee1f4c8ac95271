// dnncost command line: info, run, eval, profile, zoo. Errors are printed as one message and a non-zero exit.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>

#include "core/errors.h"
#include "engine/memory_cap.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/dim_option.h"
#include "tools/dnncost/report_command.h"

namespace {

// Exit statuses, documented in --help.
constexpr int kExitModelError = 2;
constexpr int kExitOutOfMemory = 3;
constexpr int kExitInternalError = 4;

int print_error(const std::string& message) {
  std::cerr << "dnncost: error: " << message << "\n";
  return kExitModelError;
}

// --batch: a positive integer that fits in int64 (CLI11's PositiveNumber would print its range as a 300-digit
// double and accept values that do not fit).
const CLI::Validator kPositiveInteger(
    [](std::string& text) -> std::string {
      int64_t v = 0;
      const char* end = text.data() + text.size();
      const auto r = std::from_chars(text.data(), end, v);
      if (text.empty() || r.ec != std::errc() || r.ptr != end || v < 1) {
        return "expected a positive integer, got '" + text + "'";
      }
      return "";
    },
    "POSITIVE INTEGER");

// --dim of info, run and profile: one NAME=V[,V...] per occurrence (so that a MODEL after it stays a MODEL).
void add_dim_option(CLI::App* cmd, std::vector<std::string>& dims, const std::string& help, bool lists) {
  cmd->add_option("--dim", dims, std::string(dnncost::kDimOptionHelp) + help)
      ->type_name(lists ? "NAME=V[,V...]" : "NAME=V")
      ->allow_extra_args(false);
}

// --passes of run, eval and profile.
constexpr const char* kDevicePassesHelp =
    "graph passes: none or all (default: what the device runs: none on ref, all on cpu and cuda)";

// --math and --workspace-mb (and for profile --include-transfers): the cuda device's options.
void add_cuda_options(CLI::App* cmd, dnncost::CudaOptions& cuda, bool timing) {
  cmd->add_option("--math", cuda.math,
                  "cuda: how convolutions and GEMMs may round: fp32 (no tensor-core rounding; compares with the CPU), "
                  "tf32 or fp16 (tensor cores; the record says which)")
      ->check(CLI::IsMember({"fp32", "tf32", "fp16"}))
      ->capture_default_str();
  cmd->add_option("--workspace-mb", cuda.workspace_mb,
                  "cuda: scratch one layer may use (MiB, or auto: the smallest of 4096 MiB, a quarter of the GPU "
                  "memory free after the context, and half of what the model's weights and activations leave free); "
                  "the convolution algorithm is the fastest measured within it")
      ->capture_default_str();
  if (timing) {
    cmd->add_flag("--include-transfers", cuda.include_transfers,
                  "cuda: the timed run also copies the inputs to the GPU and the outputs back (default: compute only; "
                  "the copies are timed on their own either way)");
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dnncost;
  CLI::App app{
      "dnncost: run ONNX models layer by layer and report what they cost.\n"
      "Per layer and per network: parameters, exact MACs and FLOPs (1 MAC = 2 FLOPs), bytes moved, weight and\n"
      "activation memory. Counting rules: docs/COSTS.md.",
      "dnncost"};
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success; 1 profile: some configuration failed (each is recorded with its status and error);\n"
      "2 error in the model, an input or the command line (one 'dnncost: error:' message on stderr naming the file,\n"
      "the node and what was expected); 3 out of memory (the plan needs more than --max-memory, or an allocation\n"
      "failed); 4 internal error (a bug); 130 / 143 interrupted by SIGINT / SIGTERM (profile and eval keep what was\n"
      "measured). See docs/RELIABILITY.md.");
  app.set_version_flag("--version", std::string("dnncost ") + DNNCOST_VERSION);

  InfoOptions info;
  CLI::App* info_cmd = app.add_subcommand(
      "info",
      "Per-layer table of a model's cost: output shapes, params, MACs, FLOPs, bytes.\n"
      "Example: dnncost info resnet50.onnx --batch 8 --json resnet50.json; dnncost info bert.onnx --dim seq=128");
  info_cmd->add_option("model", info.model, "ONNX model file, or a zoo model name (dnncost zoo list)")->required();
  info_cmd->add_option("--models", info.models_dir, kModelsOptionHelp);
  info_cmd->add_option("--batch,-b", info.batch,
                       "batch size bound to the inputs' first dimension (default: the model's own; symbolic -> 1)")
      ->check(kPositiveInteger);
  add_dim_option(info_cmd, info.dims,
                 "; one value each. A dimension after the batch that is symbolic must be given this way", false);
  info_cmd->add_option("--json", info.json_path, "also write the table as one JSON document to FILE ('-': stdout)");
  info_cmd->add_flag("--quiet,-q", info.quiet, "no terminal table");
  info_cmd->add_option("--passes", info.passes,
                       "graph passes before planning: all (the graph the cpu and cuda devices execute: BatchNorm "
                       "folded into Conv, Identity/Dropout dropped, decomposed GELU and LayerNorm fused, "
                       "Conv+Add+activation fused) or none (as imported); "
                       "the report shows both graphs' totals")
      ->check(CLI::IsMember({"none", "all"}))
      ->capture_default_str();
  info_cmd->add_option("--device,-d", info.device,
                       "also build a session on this device (ref, cpu, cuda[:N]) and show per layer how it runs there: "
                       "implementation, algorithm, workspace and tensor layouts");
  add_cuda_options(info_cmd, info.cuda, false);

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run a model on input tensors (ONNX TensorProto .pb files, graph-input order) and write\n"
             "DIR/output_0.pb, ... Example: dnncost run model.onnx --in input_0.pb --out out/");
  run_cmd->add_option("model", run.model, "ONNX model file, or a zoo model name (dnncost zoo list)")->required();
  run_cmd->add_option("--models", run.models_dir, kModelsOptionHelp);
  run_cmd->add_option("--device,-d", run.device,
                      "device to run on: ref (plain loops, the oracle), cpu (oneDNN, when built in), cuda[:N] "
                      "(cuDNN/cuBLAS, when built in)")
      ->capture_default_str();
  run_cmd->add_option("--threads", run.threads, "cpu device: worker threads (0: oneDNN's default, one per core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run_cmd->add_option("--in,-i", run.inputs, "input tensors (.pb), one per graph input, in order")->required();
  run_cmd->add_option("--out,-o", run.out_dir, "folder for the output tensors")->required();
  add_dim_option(run_cmd, run.dims,
                 ". run takes every size from the input tensors; --dim only checks them (an input whose dimension "
                 "NAME has another size is an error)",
                 false);
  run_cmd->add_option("--passes", run.passes, kDevicePassesHelp)->check(CLI::IsMember({"none", "all"}));
  const std::string max_memory_help =
      "refuse a plan needing more than SIZE bytes (weights + activation arena), e.g. 4G, 512M; 'none': no cap\n"
      "(default: the device's free memory: MemAvailable for ref/cpu, cudaMemGetInfo for cuda)";
  run_cmd->add_option("--max-memory", run.max_memory, max_memory_help);
  add_cuda_options(run_cmd, run.cuda, false);

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
  eval_cmd->add_option("--models", eval.models_dir, kModelsOptionHelp);
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
  eval_cmd->add_option("--passes", eval.passes,
                       kDevicePassesHelp)
      ->check(CLI::IsMember({"none", "all"}));
  eval_cmd->add_option("--batch,-b", eval.batch, "images per batch (default: the model's own; symbolic -> 1)")
      ->check(kPositiveInteger);
  eval_cmd->add_option("--limit", eval.limit, "stop after this many evaluated images")->check(kPositiveInteger);
  eval_cmd->add_option("--json", eval.json_path, "write the result record to FILE ('-': stdout)");
  eval_cmd->add_option("--csv", eval.csv_path, "also write the record flattened to CSV (one row, dotted columns)");
  eval_cmd->add_option("--max-memory", eval.max_memory, max_memory_help);
  eval_cmd->add_flag("--per-image", eval.per_image, "add each image's path, label and prediction to the record");
  eval_cmd->add_flag("--quiet,-q", eval.quiet, "no progress and no summary on the terminal");
  eval_cmd->add_option("--debug-interrupt-after", eval.debug_interrupt_after,
                       "raise SIGINT after this many batches (tests the Ctrl-C path)")
      ->group("");

  ProfileOptions profile;
  CLI::App* profile_cmd = app.add_subcommand(
      "profile",
      "Measure latency (warm-up, then repeat until --min-iters and --min-time; median and spread), memory and,\n"
      "with --per-layer, each layer's time in a separate pass, for every model and batch size; power and energy per\n"
      "image where a sensor exists (idle power first, then a --power-window of running per configuration). One JSON\n"
      "record per (model, --dim values, batch) is appended to --json FILE (JSON Lines) as soon as it is measured.\n"
      "Example: dnncost profile resnet18.onnx resnet50.onnx --batch 1,2,4,8 --per-layer --json results.jsonl");
  profile_cmd->add_option("models", profile.models, "ONNX model files, folders or zoo model names")->required();
  profile_cmd->add_option("--models", profile.models_dir, kModelsOptionHelp);
  profile_cmd->add_option("--device,-d", profile.device, "device: ref (plain loops), cpu, cuda[:N]")
      ->capture_default_str();
  profile_cmd->add_option("--passes", profile.passes,
                           kDevicePassesHelp)
      ->check(CLI::IsMember({"none", "all"}));
  profile_cmd->add_option("--threads", profile.threads, "CPU threads (0: the library's default)")
      ->capture_default_str();
  profile_cmd->add_option("--batch,-b", profile.batches, "batch sizes, comma-separated (e.g. 1,2,4,8,16,32,64)")
      ->delimiter(',')
      ->check(kPositiveInteger)
      ->capture_default_str();
  add_dim_option(profile_cmd, profile.dims,
                 ", each a list (--dim seq=128,256,512). Every combination of the --dim lists and the batch sizes "
                 "is measured: per model, the first --dim varies slowest, the batch fastest",
                 true);
  profile_cmd->add_option("--warmup", profile.warmup, "untimed runs before timing")->capture_default_str();
  profile_cmd->add_option("--min-iters", profile.min_iters, "timed runs at least")->capture_default_str();
  profile_cmd->add_option("--min-time", profile.min_time, "timed seconds at least")->capture_default_str();
  profile_cmd->add_flag("--per-layer", profile.per_layer,
                        "also time each layer (separate pass), with GFLOP/s, GB/s and a time-vs-FLOPs fit");
  profile_cmd->add_option("--json", profile.json_path, "append one JSON record per measurement to FILE (JSON Lines)");
  profile_cmd->add_flag("--quiet,-q", profile.quiet, "no progress line or per-layer summary");
  profile_cmd->add_option("--seed", profile.seed, "seed of the random inputs")->capture_default_str();
  profile_cmd->add_option("--max-memory", profile.max_memory,
                          max_memory_help + "; a batch above it is recorded as out_of_memory and the sweep goes on");
  profile_cmd->add_option("--power", profile.power.source,
                          "power sensor: auto (cuda: NVML of that GPU; cpu, ref: RAPL), nvml, rapl, none")
      ->check(CLI::IsMember({"auto", "nvml", "rapl", "none"}))
      ->capture_default_str();
  profile_cmd->add_option("--power-hz", profile.power.hz, "power sampling rate (Hz)")->capture_default_str();
  profile_cmd->add_option("--idle-seconds", profile.power.idle_seconds,
                          "idle power measured this long before the first configuration (0: not measured)")
      ->capture_default_str();
  profile_cmd->add_option("--power-window", profile.power.window_seconds,
                          "seconds each configuration keeps running while power is sampled (0: no power windows)")
      ->capture_default_str();

  profile_cmd->add_option("--trace", profile.trace_path,
                          "write an execution trace (Chrome trace event JSON; opens in ui.perfetto.dev): one span "
                          "per layer per iteration of the per-layer pass (run even without --per-layer), the "
                          "network runs, memory counters");
  profile_cmd->add_option("--csv", profile.csv_path, "also write the records flattened to CSV, one row per record");
  profile_cmd->add_option("--layer-csv", profile.layer_csv_path,
                          "write the per-layer entries as CSV, one row per layer");
  add_cuda_options(profile_cmd, profile.cuda, true);
  bool no_peaks = false;
  profile_cmd->add_flag("--no-peaks", no_peaks,
                        "do not measure the device's peak GFLOP/s and GB/s (device.peaks, used by rooflines)");

  ReportOptions report;
  CLI::App* report_cmd = app.add_subcommand(
      "report",
      "Write the study's figures and findings as one self-contained HTML page (inline SVG, works offline) from\n"
      "profile, eval and info records: accuracy, operations, time, memory and power vs batch size, fits, per-layer\n"
      "breakdowns and rooflines. Accuracy comes from eval records, else the zoo manifest's published top-1.\n"
      "Example: dnncost report results/profile.jsonl results/*.eval.json --out results/report.html");
  report_cmd->add_option("records", report.records, "record files (JSON or JSON Lines)")->required();
  report_cmd->add_option("--out,-o", report.out, "the HTML file to write")->required();
  report_cmd->add_option("--device,-d", report.device, "device kind to plot (default: the one with the most records)");
  report_cmd->add_option("--zoo-manifest", report.zoo_manifest,
                         "manifest with published top-1 (default: $DNNCOST_ZOO_MANIFEST, else tools/zoo/manifest.json "
                         "of the source tree)");
  report_cmd->add_option("--trace", report.trace, "an execution trace to name in the report");
  report_cmd->add_flag("--quiet,-q", report.quiet, "print nothing");

  CLI::App* devices_cmd = app.add_subcommand(
      "devices", "List the devices of this build, one per line: name, available or unavailable (why), description.");

  ZooOptions zoo;
  CLI::App* zoo_cmd = add_zoo_subcommand(app, zoo);

  std::string commands;
  bool known = false;
  for (const CLI::App* sub : app.get_subcommands({})) {
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
    known = known || (argc >= 2 && sub->get_name() == argv[1]);
  }
  if (argc < 2) return print_error("no command given; expected one of: " + commands + " (see --help)");
  if (argv[1][0] != '-' && !known) {
    return print_error(std::string("unknown command '") + argv[1] + "'; expected one of: " + commands + " (see --help)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return print_error(std::string(e.what()) + " (see --help)");
  }
  try {
    if (*info_cmd) return info_command(info);
    if (*run_cmd) return run_command(run);
    if (*eval_cmd) return eval_command(eval);
    if (*profile_cmd) {
      profile.peaks = !no_peaks;
      return profile_command(profile);
    }
    if (*report_cmd) return report_command(report);
    if (*devices_cmd) return devices_command();
    if (*zoo_cmd) return zoo_command(zoo);
  } catch (const MemoryCapError& e) {
    print_error(e.what());
    return kExitOutOfMemory;
  } catch (const ModelError& e) {
    return print_error(e.what());
  } catch (const std::bad_alloc&) {
    std::cerr << "dnncost: error: out of memory\n";
    return kExitOutOfMemory;
  } catch (const std::exception& e) {
    std::cerr << "dnncost: internal error: " << e.what() << "\n";
    return kExitInternalError;
  }
  return 0;
}
