// The model zoo as the CLI sees it: reading the manifest, locating the models folder and the exporter, the state of
// an export, and resolving a MODEL argument (file, folder or zoo name) to an ONNX file.
#include "tools/dnncost/zoo.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.h"

#ifndef DNNCOST_SOURCE_DIR
#define DNNCOST_SOURCE_DIR "."
#endif

namespace dnncost {
namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "torchvision.googlenet" with {"aux_logits": false} -> "torchvision.models.googlenet(weights=None, aux_logits=False)";
// "zoo_models.enet" -> "zoo_models.enet()".
std::string python_call(const std::string& builder, const nlohmann::json& args) {
  const bool torchvision = builder.rfind("torchvision.", 0) == 0;
  std::string call = torchvision ? "torchvision.models." + builder.substr(12) + "(weights=None" : builder + "(";
  bool first = !torchvision;
  if (args.is_object()) {
    for (const auto& [key, value] : args.items()) {
      std::string v = value.dump();
      if (value.is_boolean()) v = value.get<bool>() ? "True" : "False";
      if (value.is_string()) v = "'" + value.get<std::string>() + "'";
      call += (first ? "" : ", ") + key + "=" + v;
      first = false;
    }
  }
  return call + ")";
}

// Reads one model entry; `where` names it in error messages.
ZooModel parse_model(const nlohmann::json& j, const std::string& where, const std::string& default_set) {
  auto fail = [&](const std::string& what) { throw ModelError(where + ": " + what); };
  if (!j.is_object()) fail("expected an object");
  ZooModel m;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
    fail("'name' must be a non-empty string");
  m.name = j["name"].get<std::string>();
  if (ends_with(m.name, kZooBnSuffix)) fail("name '" + m.name + "' must not end in '" + kZooBnSuffix + "'");
  m.title = j.value("title", m.name);
  m.builder = j.value("builder", "");
  m.definition = j.value("definition", "");
  m.builder_call = python_call(m.builder, j.value("builder_args", nlohmann::json::object()));
  if (j.contains("dims")) {
    if (!j["dims"].is_object()) fail("'dims' must be an object of positive sizes: {\"seq\": 128}");
    for (const auto& [key, value] : j["dims"].items()) {
      if (!value.is_number_integer() || value.get<int64_t>() <= 0) fail("'dims' must hold positive integers");
      m.dims[key] = value.get<int64_t>();
    }
  }
  // [C, H, W] for images; for token models the symbolic axes by name (["seq"]), sized by "dims".
  const bool symbolic = j.contains("input") && j["input"].is_array() && !j["input"].empty() &&
                        std::any_of(j["input"].begin(), j["input"].end(), [](const auto& d) { return d.is_string(); });
  if (!j.contains("input") || !j["input"].is_array() || (!symbolic && j["input"].size() != 3))
    fail("'input' must be [C, H, W], or the axes after the batch with symbolic ones named ([\"seq\"])");
  for (const auto& d : j["input"]) {
    if (d.is_string()) {
      const std::string name = d.get<std::string>();
      if (!m.dims.count(name)) fail("'input' names '" + name + "', which 'dims' does not size");
      m.input.push_back(m.dims.at(name));
      m.input_symbols.push_back(name);
      continue;
    }
    if (!d.is_number_integer() || d.get<int64_t>() <= 0)
      fail(symbolic ? "'input' must hold positive integers and names" : "'input' must hold three positive integers");
    m.input.push_back(d.get<int64_t>());
    m.input_symbols.emplace_back();
  }
  m.input_name = j.value("input_name", std::string("input"));
  if (j.contains("vocab")) {
    if (!j["vocab"].is_number_integer() || j["vocab"].get<int64_t>() <= 0) fail("'vocab' must be a positive integer");
    m.vocab = j["vocab"].get<int64_t>();
  }
  m.set = j.value("set", default_set);
  m.family = j.value("family", "");
  for (const char* key : {"params", "macs"}) {
    if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() < 0)
      fail(std::string("'") + key + "' must be a non-negative integer (tools/zoo/export_zoo.py --update-manifest)");
  }
  m.params = j["params"].get<int64_t>();
  m.macs = j["macs"].get<int64_t>();
  if (j.contains("top1") && !j["top1"].is_null()) {
    const auto& t = j["top1"];
    if (!t.is_object() || !t.contains("value") || !t["value"].is_number() || !t.contains("source") ||
        !t["source"].is_string())
      fail("'top1' must be null or {\"value\": number, \"source\": string}");
    m.has_top1 = true;
    m.top1 = t["value"].get<double>();
    m.top1_source = t["source"].get<std::string>();
  }
  m.top1_note = j.value("top1_note", "");
  m.params_note = j.value("params_note", "");
  m.in_study = j.value("in_study", false);
  return m;
}

std::string export_hint(const std::string& name, const std::string& models_dir_option) {
  std::string cmd = "dnncost zoo export " + name;
  if (!models_dir_option.empty()) cmd += " --models " + models_dir_option;
  return cmd;
}

}  // namespace

const ZooModel* ZooManifest::find(const std::string& name) const {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

std::string ZooManifest::names() const {
  std::string s;
  for (const auto& m : models) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

std::vector<std::string> ZooManifest::sets() const {
  std::vector<std::string> s;
  for (const auto& m : models)
    if (std::find(s.begin(), s.end(), m.set) == s.end()) s.push_back(m.set);
  return s;
}

std::string zoo_manifest_path() {
  const std::string env = env_or_empty("DNNCOST_ZOO_MANIFEST");
  if (!env.empty()) return env;
  return (fs::path(DNNCOST_SOURCE_DIR) / "tools" / "zoo" / "manifest.json").string();
}

std::string zoo_exporter_path() {
  const std::string env = env_or_empty("DNNCOST_ZOO_EXPORTER");
  if (!env.empty()) return env;
  return (fs::path(DNNCOST_SOURCE_DIR) / "tools" / "zoo" / "export_zoo.py").string();
}

ZooManifest load_zoo_manifest(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    throw ModelError("zoo manifest " + path +
                     ": cannot be read (set DNNCOST_ZOO_MANIFEST to the path of "
                     "tools/zoo/manifest.json)");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("zoo manifest " + path + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("models") || !j["models"].is_array() || j["models"].empty())
    throw ModelError("zoo manifest " + path + ": expected an object with a non-empty 'models' array");
  ZooManifest manifest;
  manifest.path = path;
  std::string default_set = "core";
  if (j.contains("defaults") && j["defaults"].is_object() && j["defaults"].contains("set") &&
      j["defaults"]["set"].is_string())
    default_set = j["defaults"]["set"].get<std::string>();
  for (size_t i = 0; i < j["models"].size(); ++i) {
    ZooModel m =
        parse_model(j["models"][i], "zoo manifest " + path + ": models[" + std::to_string(i) + "]", default_set);
    if (manifest.find(m.name)) throw ModelError("zoo manifest " + path + ": model '" + m.name + "' appears twice");
    manifest.models.push_back(std::move(m));
  }
  return manifest;
}

std::string zoo_models_dir(const std::string& option) {
  if (!option.empty()) return option;
  const std::string env = env_or_empty("DNNCOST_MODELS");
  if (!env.empty()) return env;
  return "models";
}

ZooExportState zoo_export_state(const std::string& form_dir) {
  std::error_code ec;
  if (!fs::is_directory(form_dir, ec)) return ZooExportState::kMissing;
  if (fs::is_regular_file(fs::path(form_dir) / "model.onnx", ec) &&
      fs::is_regular_file(fs::path(form_dir) / kZooStamp, ec))
    return ZooExportState::kComplete;
  return ZooExportState::kIncomplete;
}

std::string resolve_model(const std::string& arg, const std::string& models_dir_option) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) return arg;
  if (fs::is_directory(arg, ec) && fs::is_regular_file(fs::path(arg) / "model.onnx", ec))
    return (fs::path(arg) / "model.onnx").string();
  const bool looks_like_path = arg.find('/') != std::string::npos || ends_with(arg, ".onnx");
  if (looks_like_path || arg.empty()) return arg;  // the loader reports the missing file

  const std::string manifest_path = zoo_manifest_path();
  ZooManifest manifest;
  try {
    manifest = load_zoo_manifest(manifest_path);
  } catch (const ModelError& e) {
    throw ModelError("MODEL '" + arg +
                     "' is neither a file nor a folder, and zoo names cannot be resolved: " + e.what());
  }
  std::string base = arg;
  if (ends_with(arg, kZooBnSuffix)) base = arg.substr(0, arg.size() - std::char_traits<char>::length(kZooBnSuffix));
  const ZooModel* m = manifest.find(base);
  if (!m) {
    throw ModelError("MODEL '" + arg + "' is not a file, and not a zoo model; known zoo models: " + manifest.names() +
                     " (each also as NAME" + kZooBnSuffix + ", BatchNorm preserved); see dnncost zoo list");
  }
  const std::string models_dir = zoo_models_dir(models_dir_option);
  const fs::path dir = fs::path(models_dir) / arg;
  switch (zoo_export_state(dir.string())) {
    case ZooExportState::kComplete:
      return (dir / "model.onnx").string();
    case ZooExportState::kIncomplete:
      throw ModelError(
          "zoo model '" + arg + "': " + dir.string() + " holds an incomplete export (no " + kZooStamp +
          " stamp: the export was interrupted); export it again with: " + export_hint(base, models_dir_option));
    case ZooExportState::kMissing:
      break;
  }
  throw ModelError("zoo model '" + arg + "' (" + m->title + ") is not exported in " + models_dir +
                   " (models folder: --models DIR, else $DNNCOST_MODELS, else ./models); export it with: " +
                   export_hint(base, models_dir_option));
}

}  // namespace dnncost
