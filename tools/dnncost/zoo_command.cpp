// `dnncost zoo`: list the model zoo's manifest, export models with the Python exporter (tools/zoo/export_zoo.py),
// and compute the table of docs/MODELS.md from the exported models with dnncost's own plan.
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/errors.h"
#include "engine/input_binder.h"
#include "importers/onnx/onnx_import.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/format.h"
#include "tools/dnncost/zoo.h"

namespace dnncost {
namespace fs = std::filesystem;

namespace {

std::string form_dir(const std::string& models_dir, const std::string& folder_name) {
  return (fs::path(models_dir) / folder_name).string();
}

// "224x224" for images, "seq=128" for token models (the symbolic dimensions at the manifest's sizes).
std::string input_str(const ZooModel& m) {
  if (m.input.size() == 3 && m.input_symbols[1].empty() && m.input_symbols[2].empty())
    return std::to_string(m.input[1]) + "x" + std::to_string(m.input[2]);
  std::string s;
  for (size_t i = 0; i < m.input.size(); ++i) {
    s += (s.empty() ? "" : "x") + (m.input_symbols[i].empty() ? std::string() : m.input_symbols[i] + "=") +
         std::to_string(m.input[i]);
  }
  return s;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// The --set values, each checked against the manifest's sets; empty when --set was not given.
std::vector<std::string> parse_sets(const ZooManifest& manifest, const std::string& option) {
  std::vector<std::string> sets = split_commas(option);
  const std::vector<std::string> known = manifest.sets();
  for (const auto& s : sets) {
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw ModelError("zoo: --set " + s + ": the manifest has no such set; its sets: " + list);
    }
  }
  if (!option.empty() && sets.empty()) throw ModelError("zoo: --set: expected set names, e.g. --set core");
  return sets;
}

bool in_sets(const ZooModel& m, const std::vector<std::string>& sets) {
  return sets.empty() || std::find(sets.begin(), sets.end(), m.set) != sets.end();
}

std::string top1_str(const ZooModel& m) {
  if (!m.has_top1) return "-";
  std::ostringstream os;
  os << m.top1;  // shortest form: 56.522, 62.6
  return os.str();
}

std::string export_state_str(const std::string& models_dir, const ZooModel& m) {
  const ZooExportState eval = zoo_export_state(form_dir(models_dir, m.name));
  const ZooExportState bn = zoo_export_state(form_dir(models_dir, m.name + kZooBnSuffix));
  if (eval == ZooExportState::kIncomplete || bn == ZooExportState::kIncomplete) return "incomplete";
  if (eval == ZooExportState::kComplete && bn == ZooExportState::kComplete) return "yes";
  if (eval == ZooExportState::kComplete) return "eval only";
  if (bn == ZooExportState::kComplete) return "bn only";
  return "no";
}

// Expands the NAME arguments (NAME or NAME-bn) to manifest names; throws listing the known ones on an unknown name.
std::vector<std::string> select_models(const ZooManifest& manifest, const std::vector<std::string>& names, bool all,
                                       const std::vector<std::string>& sets = {}) {
  std::vector<std::string> selected;
  if (all || !sets.empty())
    for (const auto& m : manifest.models)
      if (all || in_sets(m, sets)) selected.push_back(m.name);
  std::vector<std::string> unknown;
  for (const auto& n : names) {
    std::string base = n;
    const std::string suffix = kZooBnSuffix;
    if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0)
      base.resize(base.size() - suffix.size());
    if (!manifest.find(base)) {
      unknown.push_back(n);
      continue;
    }
    if (std::find(selected.begin(), selected.end(), base) == selected.end()) selected.push_back(base);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    throw ModelError("unknown zoo model(s) " + list + "; known zoo models: " + manifest.names() +
                     " (each also as NAME" + kZooBnSuffix + ")");
  }
  return selected;
}

int zoo_list(const ZooManifest& manifest, const ZooOptions& opt, const std::string& models_dir) {
  const std::vector<std::string> sets = parse_sets(manifest, opt.sets);
  TextTable table({"name", "model", "set", "study", "input", "params", "MACs", "top-1 %", "exported"},
                  {true, true, true, true, false, false, false, false, true});
  for (const auto& m : manifest.models) {
    if (!in_sets(m, sets)) continue;
    table.add({m.name, m.title, m.set, m.in_study ? "yes" : "", input_str(m), grouped(m.params), grouped(m.macs),
               top1_str(m), export_state_str(models_dir, m)});
  }
  std::cout << table.str() << "\n"
            << "manifest: " << manifest.path << "\n"
            << "models folder: " << models_dir << "  (NAME: eval export, BatchNorm folded; NAME" << kZooBnSuffix
            << ": BatchNorm preserved)\n"
            << "export: dnncost zoo export NAME... | --set core[,torchvision,token] | --all [--models DIR] [--opset N]\n"
            << "MACs: PyTorch's convolutions and matrix products at batch 1 (token models at the input's seq), "
               "counted by tools/zoo/torch_macs.py\n";
  return 0;
}

// Runs the exporter with the given arguments, its output streaming to ours; returns its exit status.
int run_exporter(const std::vector<std::string>& argv) {
  std::cout << "running:";
  for (const auto& a : argv) std::cout << " " << a;
  std::cout << std::endl;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw ModelError(std::string("zoo export: cannot start the exporter: ") + std::strerror(errno));
  if (pid == 0) {
    execv(args[0], args.data());
    std::fprintf(stderr,
                 "dnncost: error: zoo export: cannot run %s: %s (set DNNCOST_PYTHON to a Python with "
                 "torch, torchvision and onnx)\n",
                 args[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw ModelError(std::string("zoo export: waiting for the exporter: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    std::cerr << "dnncost: error: zoo export: the exporter was killed by signal " << WTERMSIG(status)
              << "; what it had not finished is left incomplete and will be redone\n";
  }
  return 1;
}

int zoo_export(const ZooManifest& manifest, const ZooOptions& opt, const std::string& models_dir) {
  const std::vector<std::string> sets = parse_sets(manifest, opt.sets);
  if (opt.names.empty() && !opt.all && sets.empty())
    throw ModelError("zoo export: name at least one model, or --set SET (e.g. --set core, the default set), or --all");
  const std::vector<std::string> selected = select_models(manifest, opt.names, opt.all, sets);
  const char* python_env = std::getenv("DNNCOST_PYTHON");
  std::vector<std::string> argv = {python_env && *python_env ? python_env : "/usr/bin/python3", zoo_exporter_path(),
                                   models_dir};
  argv.insert(argv.end(), selected.begin(), selected.end());
  argv.push_back("--manifest");
  argv.push_back(manifest.path);
  if (!opt.forms.empty()) {
    argv.push_back("--forms");
    argv.push_back(opt.forms);
  }
  if (opt.opset > 0) {
    argv.push_back("--opset");
    argv.push_back(std::to_string(opt.opset));
  }
  const int status = run_exporter(argv);
  if (status != 0) std::cerr << "dnncost: error: zoo export: the exporter exited with status " << status << "\n";
  return status == 0 ? 0 : 1;
}

// Totals of one exported form at batch 1 (and the manifest's dims: seq=128), planned by dnncost.
std::optional<Cost> plan_totals(const std::string& dir, const ZooModel& m) {
  if (zoo_export_state(dir) != ZooExportState::kComplete) return std::nullopt;
  const Graph g = load_onnx((fs::path(dir) / "model.onnx").string());
  InputRequest request;
  request.batch = 1;
  request.dims = m.dims;
  const Plan plan(g, bind_inputs(g, request).binding);
  return plan.totals();
}

std::string md_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\";
    out += c;
  }
  return out;
}

int zoo_table(const ZooManifest& manifest, const ZooOptions& opt, const std::string& models_dir) {
  struct Row {
    const ZooModel* model;
    std::optional<Cost> eval, bn;
  };
  std::vector<Row> rows;
  std::vector<std::string> problems, missing;
  std::vector<std::string> sets = parse_sets(manifest, opt.sets);
  if (sets.empty()) sets = {"core"};
  for (const auto& m : manifest.models) {
    if (!in_sets(m, sets)) continue;
    Row r{&m, plan_totals(form_dir(models_dir, m.name), m), plan_totals(form_dir(models_dir, m.name + kZooBnSuffix), m)};
    if (!r.eval || !r.bn) missing.push_back(m.name);
    if (r.bn && r.bn->params != m.params)
      problems.push_back(m.name + kZooBnSuffix + ": dnncost counts " + grouped(r.bn->params) +
                         " params, PyTorch (manifest) " + grouped(m.params));
    for (const auto* c : {&r.eval, &r.bn}) {
      if (*c && (*c)->macs != m.macs)
        problems.push_back(m.name + ": dnncost counts " + grouped((*c)->macs) +
                           " MACs, PyTorch's convolutions and matrix products (tools/zoo/torch_macs.py) " +
                           grouped(m.macs));
    }
    rows.push_back(std::move(r));
  }
  auto opt_grouped = [](const std::optional<Cost>& c, int64_t Cost::*field) {
    return c ? grouped((*c).*field) : std::string("-");
  };
  auto opt_bytes = [](const std::optional<Cost>& c, int64_t Cost::*field) {
    return c ? bytes_str((*c).*field) : std::string("-");
  };

  if (!opt.markdown) {
    TextTable table({"name", "input", "params", "MACs", "FLOPs", "weight bytes", "activation bytes", "top-1 %"},
                    {true, false, false, false, false, false, false, false});
    for (const auto& r : rows) {
      table.add({r.model->name, input_str(*r.model), r.bn ? grouped(r.bn->params) : "-",
                 opt_grouped(r.eval, &Cost::macs), opt_grouped(r.eval, &Cost::flops),
                 opt_bytes(r.eval, &Cost::weight_bytes), opt_bytes(r.eval, &Cost::activation_bytes),
                 top1_str(*r.model)});
    }
    std::cout << table.str() << "\nbatch 1; params from NAME" << kZooBnSuffix
              << " (BatchNorm preserved), the rest from NAME (eval export, BatchNorm folded); models folder "
              << models_dir << "\n";
  } else {
    std::ostringstream md;
    md << "# Model zoo\n\n"
       << "Generated by dnncost itself: `dnncost zoo table --markdown --models " << models_dir
       << " > docs/MODELS.md`, after `dnncost zoo export --set core --models " << models_dir << "`. Do not edit by hand.\n\n"
       << "The networks compared by Canziani, Paszke & Culurciello (2016) (*study* ✓) and a few later ones, exported "
          "from PyTorch with seeded random weights by `dnncost zoo export` (`tools/zoo/export_zoo.py`; builders, "
          "sources and expected counts in `tools/zoo/manifest.json`). All numbers but top-1 are computed by dnncost's "
          "own plan at batch 1 from the ONNX files (counting rules: [COSTS.md](COSTS.md)):\n\n"
       << "- **Params**: trainable parameters of the BatchNorm-preserved export (`NAME" << kZooBnSuffix
       << "`); checked equal to PyTorch's count.\n"
       << "- **MACs**: multiply-accumulates of Conv, Gemm and MatMul; the same in both export forms and checked equal "
          "to the count of the convolutions and matrix products PyTorch executes (`tools/zoo/torch_macs.py`; for "
          "these CNNs, equal to forward hooks on Conv2d and Linear).\n"
       << "- **FLOPs**, **weight bytes**, **activation bytes**: the eval export (`NAME`, BatchNorm folded into the "
          "convolutions by torch.onnx), what an inference engine runs. FLOPs = 2 x MACs + every other floating-point "
          "operation; weight bytes = all initializers (float32); activation bytes = all layer outputs, no buffer "
          "reuse.\n"
       << "- **Top-1**: the published single-centre-crop ImageNet top-1 accuracy (%) of the trained network (the zoo's "
          "weights are random); sources below.\n\n"
       << "These are the zoo's core set (`dnncost zoo list --set core`). torchvision's 80 classifiers and the token "
          "models (BERT-base, GPT-2 small) are checked by `tools/zoo/check_classifiers.py`, whose table is the last "
          "section of docs/MODELS.md.\n\n";
    md << "| Model | Study | Input | Params | MACs | FLOPs | Weight bytes | Activation bytes | Top-1 % |\n"
       << "|---|:-:|---|--:|--:|--:|--:|--:|--:|\n";
    int note = 0;
    std::ostringstream sources;
    for (const auto& r : rows) {
      const ZooModel& m = *r.model;
      std::string top1 = top1_str(m);
      ++note;
      top1 += " [" + std::to_string(note) + "]";
      sources << note << ". `" << m.name
              << "`: " << md_escape(m.has_top1 ? m.top1_source : "none recorded: " + m.top1_note) << "\n";
      md << "| " << md_escape(m.title) << " (`" << m.name << "`) | " << (m.in_study ? "✓" : "") << " | " << input_str(m)
         << " | " << (r.bn ? grouped(r.bn->params) : "not exported") << " | " << opt_grouped(r.eval, &Cost::macs)
         << " | " << opt_grouped(r.eval, &Cost::flops) << " | " << opt_bytes(r.eval, &Cost::weight_bytes) << " | "
         << opt_bytes(r.eval, &Cost::activation_bytes) << " | " << top1 << " |\n";
    }
    md << "\n## Both export forms\n\n"
       << "`NAME`: torch.onnx eval export with constant folding (BatchNorm after a convolution folded into it); `NAME"
       << kZooBnSuffix
       << "`: BatchNorm preserved (TrainingMode.PRESERVE, no constant folding). dnncost runs BatchNormalization as its "
          "own layer, so the preserved form has more FLOPs and weight bytes (running mean and variance are state: "
          "weight bytes, not params).\n\n"
       << "| Model | Params | FLOPs | Weight bytes | Params (-bn) | FLOPs (-bn) | Weight bytes (-bn) | "
          "Activation bytes (-bn) |\n"
       << "|---|--:|--:|--:|--:|--:|--:|--:|\n";
    for (const auto& r : rows) {
      md << "| `" << r.model->name << "` | " << opt_grouped(r.eval, &Cost::params) << " | "
         << opt_grouped(r.eval, &Cost::flops) << " | " << opt_bytes(r.eval, &Cost::weight_bytes) << " | "
         << opt_grouped(r.bn, &Cost::params) << " | " << opt_grouped(r.bn, &Cost::flops) << " | "
         << opt_bytes(r.bn, &Cost::weight_bytes) << " | " << opt_bytes(r.bn, &Cost::activation_bytes) << " |\n";
    }
    md << "\n## Definitions\n\n"
       << "What each model is, as built by the exporter (`zoo_models.*` are defined in `tools/zoo/zoo_models.py`); "
          "weights are seeded random values, BatchNorm statistics non-trivial.\n\n";
    for (const auto& r : rows) {
      md << "- `" << r.model->name << "`: `" << r.model->builder_call << "`";
      if (!r.model->definition.empty()) md << ": " << md_escape(r.model->definition);
      md << "\n";
    }
    md << "\n## Top-1 sources\n\n" << sources.str();
    std::ostringstream notes;
    for (const auto& r : rows)
      if (!r.model->params_note.empty())
        notes << "- `" << r.model->name << "` params: " << md_escape(r.model->params_note) << "\n";
    if (!notes.str().empty()) md << "\n## Notes\n\n" << notes.str();
    std::cout << md.str();
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& n : missing) list += (list.empty() ? "" : " ") + n;
    std::cerr << "dnncost: warning: zoo table: not (completely) exported in " << models_dir << ": " << list
              << "; export with: dnncost zoo export " << list << "\n";
  }
  for (const auto& p : problems) std::cerr << "dnncost: error: zoo table: " << p << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace

CLI::App* add_zoo_subcommand(CLI::App& app, ZooOptions& opt) {
  CLI::App* zoo =
      app.add_subcommand("zoo",
                         "The model zoo (tools/zoo/manifest.json): list, export from PyTorch, tabulate the cost.\n"
                         "Exported models are found by name: dnncost info resnet50 (resnet50-bn: BatchNorm kept).");
  zoo->require_subcommand(1);
  auto models_option = [&opt](CLI::App* c) {
    c->add_option("--models", opt.models_dir, "models folder (default: $DNNCOST_MODELS, else ./models)");
  };
  CLI::App* list = zoo->add_subcommand("list", "Table of the zoo: input, params, MACs, published top-1, exported?");
  list->add_option("--set", opt.sets, "only the models of these sets (comma-separated; default: all)");
  models_option(list);
  list->callback([&opt] { opt.action = "list"; });
  CLI::App* exp = zoo->add_subcommand(
      "export",
      "Export models (both forms: NAME and NAME-bn) with Debian's PyTorch into the models folder.\n"
      "Up-to-date exports are kept; interrupted ones are redone. Example: dnncost zoo export resnet50");
  exp->add_option("names", opt.names, "zoo model names (see dnncost zoo list)");
  exp->add_flag("--all", opt.all, "every model of the zoo (all sets: the 80 torchvision classifiers too)");
  exp->add_option("--set", opt.sets,
                  "the models of these sets of the manifest (comma-separated): core (the default set), torchvision, "
                  "token");
  exp->add_option("--opset", opt.opset, "ONNX opset of the export (default: the exporter's, 13)");
  exp->add_option("--forms", opt.forms, "forms to write: eval, bn or eval,bn (default: both)");
  models_option(exp);
  exp->callback([&opt] { opt.action = "export"; });
  CLI::App* table = zoo->add_subcommand(
      "table",
      "Params, MACs, FLOPs, weight and activation bytes at batch 1 of every exported model, and top-1.\n"
      "docs/MODELS.md is: dnncost zoo table --markdown --models build/zoo/models");
  table->add_flag("--markdown", opt.markdown, "print the Markdown document of docs/MODELS.md");
  table->add_option("--set", opt.sets, "the models of these sets (comma-separated; default: core)");
  models_option(table);
  table->callback([&opt] { opt.action = "table"; });
  return zoo;
}

int zoo_command(const ZooOptions& opt) {
  const ZooManifest manifest = load_zoo_manifest(zoo_manifest_path());
  const std::string models_dir = zoo_models_dir(opt.models_dir);
  if (opt.action == "list") return zoo_list(manifest, opt, models_dir);
  if (opt.action == "export") return zoo_export(manifest, opt, models_dir);
  if (opt.action == "table") return zoo_table(manifest, opt, models_dir);
  throw ModelError("zoo: expected a subcommand: list, export or table");
}

}  // namespace dnncost
