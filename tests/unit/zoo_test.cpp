// Unit tests of the CLI's zoo support (tools/dnncost/zoo.h): manifest parsing and its errors, the models folder,
// and resolve_model() for files, folders, zoo names (both forms), unknown names and missing or half-written exports.
#include "tools/dnncost/zoo.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.h"
#include "tests/unit/expect_error.h"

namespace dnncost {
namespace {
using dnncost::testing::error_message;
using dnncost::testing::expect_error;
namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p);
  f << text;
}

// A scratch folder with a two-model manifest, DNNCOST_ZOO_MANIFEST pointing at it and DNNCOST_MODELS unset.
class ZooTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnncost_zoo_test_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    manifest_ = (dir_ / "manifest.json").string();
    write_file(manifest_, R"({"models": [
      {"name": "tiny", "title": "Tiny", "input": [3, 8, 8], "params": 10, "macs": 20,
       "top1": {"value": 50.5, "source": "a paper"}, "in_study": true},
      {"name": "other", "input": [3, 4, 4], "params": 1, "macs": 2, "top1": null, "top1_note": "none"}]})");
    setenv("DNNCOST_ZOO_MANIFEST", manifest_.c_str(), 1);
    unsetenv("DNNCOST_MODELS");
    models_ = (dir_ / "models").string();
  }
  void TearDown() override {
    unsetenv("DNNCOST_ZOO_MANIFEST");
    fs::remove_all(dir_);
  }
  // A complete export of folder `name` (model.onnx and the stamp).
  void export_complete(const std::string& name) {
    write_file(fs::path(models_) / name / "model.onnx", "not really onnx");
    write_file(fs::path(models_) / name / kZooStamp, "key\n");
  }
  std::string resolve_error(const std::string& arg) {
    return error_message([&] { resolve_model(arg, models_); }, "(no error)");
  }

  fs::path dir_;
  std::string manifest_, models_;
};

TEST_F(ZooTest, ManifestIsParsed) {
  const ZooManifest m = load_zoo_manifest(manifest_);
  ASSERT_EQ(m.models.size(), 2u);
  EXPECT_EQ(m.names(), "tiny, other");
  const ZooModel* tiny = m.find("tiny");
  ASSERT_NE(tiny, nullptr);
  EXPECT_EQ(tiny->title, "Tiny");
  EXPECT_EQ(tiny->input, (std::vector<int64_t>{3, 8, 8}));
  EXPECT_EQ(tiny->params, 10);
  EXPECT_EQ(tiny->macs, 20);
  EXPECT_TRUE(tiny->has_top1);
  EXPECT_DOUBLE_EQ(tiny->top1, 50.5);
  EXPECT_EQ(tiny->top1_source, "a paper");
  EXPECT_TRUE(tiny->in_study);
  const ZooModel* other = m.find("other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->title, "other");
  EXPECT_FALSE(other->has_top1);
  EXPECT_EQ(other->top1_note, "none");
  EXPECT_EQ(m.find("nothing"), nullptr);
}

TEST_F(ZooTest, BadManifestsAreReportedWithTheirPath) {
  auto error_of = [&](const std::string& text) {
    write_file(manifest_, text);
    return error_message([&] { load_zoo_manifest(manifest_); }, "(no error)");
  };
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"models": []})").find("non-empty 'models' array"), std::string::npos);
  EXPECT_NE(error_of(R"({"models": [{"name": "a", "input": [3, 8], "params": 1, "macs": 1}]})")
                .find("models[0]: 'input' must be [C, H, W]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"models": [{"name": "a", "input": [3, 8, 8], "params": null, "macs": 1}]})")
                .find("'params' must be a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"models": [{"name": "a-bn", "input": [3, 8, 8], "params": 1, "macs": 1}]})")
                .find("must not end in '-bn'"),
            std::string::npos);
  const std::string twice = R"({"name": "a", "input": [3, 8, 8], "params": 1, "macs": 1})";
  EXPECT_NE(error_of("{\"models\": [" + twice + ", " + twice + "]}").find("model 'a' appears twice"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"models": [{"name": "a", "input": [3, 8, 8], "params": 1, "macs": 1, "top1": 5}]})")
                .find("'top1' must be null or"),
            std::string::npos);
  EXPECT_NE(error_of("{}").find(manifest_), std::string::npos);
  fs::remove(manifest_);
  expect_error([&] { load_zoo_manifest(manifest_); }, {"cannot be read (set DNNCOST_ZOO_MANIFEST"},
               "a missing manifest must be an error");
}

TEST_F(ZooTest, SetsAndTokenModelsAreParsed) {
  write_file(manifest_, R"({"defaults": {"set": "core"}, "models": [
      {"name": "cnn", "input": [3, 8, 8], "params": 1, "macs": 2},
      {"name": "tv", "input": [3, 8, 8], "params": 1, "macs": 2, "set": "torchvision", "family": "ViT"},
      {"name": "tok", "input": ["seq"], "input_name": "input_ids", "vocab": 100, "dims": {"seq": 16},
       "params": 5, "macs": 6, "set": "token"}]})");
  const ZooManifest m = load_zoo_manifest(manifest_);
  EXPECT_EQ(m.sets(), (std::vector<std::string>{"core", "torchvision", "token"}));
  EXPECT_EQ(m.find("cnn")->set, "core");
  EXPECT_EQ(m.find("cnn")->input_name, "input");
  EXPECT_EQ(m.find("tv")->family, "ViT");
  const ZooModel* tok = m.find("tok");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->input, (std::vector<int64_t>{16}));
  EXPECT_EQ(tok->input_symbols, (std::vector<std::string>{"seq"}));
  EXPECT_EQ(tok->dims.at("seq"), 16);
  EXPECT_EQ(tok->vocab, 100);
  EXPECT_EQ(tok->input_name, "input_ids");

  auto error_of = [&](const std::string& model) {
    write_file(manifest_, "{\"models\": [" + model + "]}");
    return error_message([&] { load_zoo_manifest(manifest_); }, "(no error)");
  };
  EXPECT_NE(error_of(R"({"name": "t", "input": ["seq"], "params": 1, "macs": 1})").find("which 'dims' does not size"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "t", "input": ["seq"], "dims": {"seq": 0}, "params": 1, "macs": 1})")
                .find("'dims' must hold positive integers"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "t", "input": [3, 8, 8], "vocab": -1, "params": 1, "macs": 1})")
                .find("'vocab' must be a positive integer"),
            std::string::npos);
}

TEST_F(ZooTest, ModelsFolderComesFromTheOptionThenTheEnvironment) {
  EXPECT_EQ(zoo_models_dir(""), "models");
  setenv("DNNCOST_MODELS", "/from/env", 1);
  EXPECT_EQ(zoo_models_dir(""), "/from/env");
  EXPECT_EQ(zoo_models_dir("given"), "given");
  unsetenv("DNNCOST_MODELS");
}

TEST_F(ZooTest, FilesAndFoldersResolveToThemselves) {
  const fs::path file = dir_ / "some.onnx";
  write_file(file, "x");
  EXPECT_EQ(resolve_model(file.string(), models_), file.string());
  write_file(dir_ / "folder" / "model.onnx", "x");
  EXPECT_EQ(resolve_model((dir_ / "folder").string(), models_), (dir_ / "folder" / "model.onnx").string());
  // Something that looks like a path is left for the loader to report, even when missing.
  EXPECT_EQ(resolve_model("missing/model.onnx", models_), "missing/model.onnx");
  EXPECT_EQ(resolve_model("missing.onnx", models_), "missing.onnx");
}

TEST_F(ZooTest, ExportedNamesResolveInBothForms) {
  export_complete("tiny");
  export_complete("tiny-bn");
  EXPECT_EQ(resolve_model("tiny", models_), (fs::path(models_) / "tiny" / "model.onnx").string());
  EXPECT_EQ(resolve_model("tiny-bn", models_), (fs::path(models_) / "tiny-bn" / "model.onnx").string());
  // Without --models, $DNNCOST_MODELS is used.
  setenv("DNNCOST_MODELS", models_.c_str(), 1);
  EXPECT_EQ(resolve_model("tiny", ""), (fs::path(models_) / "tiny" / "model.onnx").string());
  unsetenv("DNNCOST_MODELS");
}

TEST_F(ZooTest, UnknownNameListsTheKnownOnes) {
  const std::string e = resolve_error("tinyy");
  EXPECT_NE(e.find("MODEL 'tinyy' is not a file, and not a zoo model; known zoo models: tiny, other"),
            std::string::npos)
      << e;
  EXPECT_NE(resolve_error("nothing-bn").find("known zoo models: tiny, other"), std::string::npos);
}

TEST_F(ZooTest, MissingExportSaysHowToExport) {
  const std::string e = resolve_error("tiny");
  EXPECT_NE(e.find("zoo model 'tiny' (Tiny) is not exported in " + models_), std::string::npos) << e;
  EXPECT_NE(e.find("export it with: dnncost zoo export tiny --models " + models_), std::string::npos) << e;
  export_complete("tiny");  // the eval form alone does not make the -bn form available
  EXPECT_NE(resolve_error("tiny-bn").find("zoo model 'tiny-bn' (Tiny) is not exported"), std::string::npos);
  EXPECT_EQ(zoo_export_state((fs::path(models_) / "tiny-bn").string()), ZooExportState::kMissing);
}

TEST_F(ZooTest, HalfWrittenExportIsNotLoaded) {
  write_file(fs::path(models_) / "tiny" / "model.onnx", "truncated");  // no stamp: an interrupted export
  EXPECT_EQ(zoo_export_state((fs::path(models_) / "tiny").string()), ZooExportState::kIncomplete);
  const std::string e = resolve_error("tiny");
  EXPECT_NE(e.find("holds an incomplete export (no EXPORT_COMPLETE stamp"), std::string::npos) << e;
  EXPECT_NE(e.find("dnncost zoo export tiny --models " + models_), std::string::npos) << e;
  write_file(fs::path(models_) / "tiny" / kZooStamp, "key\n");
  EXPECT_EQ(zoo_export_state((fs::path(models_) / "tiny").string()), ZooExportState::kComplete);
  EXPECT_EQ(resolve_model("tiny", models_), (fs::path(models_) / "tiny" / "model.onnx").string());
}

TEST_F(ZooTest, UnreadableManifestIsExplainedWhenANameNeedsIt) {
  setenv("DNNCOST_ZOO_MANIFEST", (dir_ / "absent.json").c_str(), 1);
  const std::string e = resolve_error("tiny");
  EXPECT_NE(e.find("MODEL 'tiny' is neither a file nor a folder, and zoo names cannot be resolved"), std::string::npos)
      << e;
}

}  // namespace
}  // namespace dnncost
