// The model zoo as the CLI sees it: the manifest (tools/zoo/manifest.json), the models folder, the state of an
// export, and resolve_model(), which every command taking a MODEL argument calls to turn a zoo name into a file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dnncost {

// Suffix of the BatchNorm-preserved export form's folder and name ("resnet50-bn").
inline constexpr const char* kZooBnSuffix = "-bn";
// File the exporter writes last into a form's folder; a folder without it is an interrupted export.
inline constexpr const char* kZooStamp = "EXPORT_COMPLETE";

struct ZooModel {
  std::string name;            // "resnet50": the folder name of the eval form, NAME-bn the BatchNorm-preserved one
  std::string title;           // "ResNet-50"
  std::string builder;         // "torchvision.resnet50" or "zoo_models.enet"
  std::string builder_call;    // the Python call that builds it: "torchvision.models.googlenet(weights=None, ...)"
  std::string definition;      // where a zoo_models definition comes from
  std::vector<int64_t> input;  // the input's shape after the batch at `dims`: C, H, W, or seq for token models
  std::vector<std::string> input_symbols;  // per axis of `input`: the symbolic dimension's name, "" for a fixed one
  std::map<std::string, int64_t> dims;     // sizes of the symbolic dimensions the counts are made at ({"seq": 128})
  std::string input_name = "input";        // the graph input's name (input_ids for token models)
  int64_t vocab = 0;                       // token models: ids are in [0, vocab); 0 for images
  std::string set = "core";    // core (the default set), torchvision (the other classifiers), token
  std::string family;          // "ResNet", "ViT", ... ("" when not given)
  int64_t params = 0;          // PyTorch's trainable parameter count
  int64_t macs = 0;            // MACs of PyTorch's convolutions and matrix products at batch 1 and `dims`
  bool has_top1 = false;
  double top1 = 0;          // published single-centre-crop ImageNet top-1, percent
  std::string top1_source;  // where top1 comes from
  std::string top1_note;    // why there is none, when there is none
  std::string params_note;  // why params differs from a documented count, when it does
  bool in_study = false;    // one of the networks of Canziani et al. (2016)
};

struct ZooManifest {
  std::string path;
  std::vector<ZooModel> models;

  const ZooModel* find(const std::string& name) const;  // nullptr when unknown
  std::string names() const;                            // "alexnet, bn_alexnet, ..."
  std::vector<std::string> sets() const;                // the sets, in order of first appearance: "core", ...
};

// The manifest's path: $DNNCOST_ZOO_MANIFEST when set, else tools/zoo/manifest.json of the source tree this
// executable was built from.
std::string zoo_manifest_path();
// Reads and checks a manifest; throws ModelError naming the file and what is wrong.
ZooManifest load_zoo_manifest(const std::string& path);
// The exporter: $DNNCOST_ZOO_EXPORTER when set, else tools/zoo/export_zoo.py of the source tree.
std::string zoo_exporter_path();

// The models folder: `option` (--models) when given, else $DNNCOST_MODELS, else "models".
std::string zoo_models_dir(const std::string& option);

enum class ZooExportState { kMissing, kIncomplete, kComplete };
// State of one form's folder (MODELS_DIR/resnet50 or MODELS_DIR/resnet50-bn): complete when it holds model.onnx
// and the export stamp.
ZooExportState zoo_export_state(const std::string& form_dir);

// Resolves a MODEL argument to an ONNX file:
//  - an existing file is used as is; an existing folder holding model.onnx resolves to that file;
//  - a zoo name (NAME, or NAME-bn for the BatchNorm-preserved form) resolves to MODELS_DIR/<arg>/model.onnx once
//    exported; a name that is not exported, or whose export is incomplete, is an error that says how to export it;
//  - anything else that looks like a path (has a '/' or ends in .onnx) is returned unchanged, for the loader to
//    report; any other word is an error listing the zoo's names.
// models_dir_option is the command's --models value ("" when not given).
std::string resolve_model(const std::string& arg, const std::string& models_dir_option);

}  // namespace dnncost
