// libFuzzer target over the whole front half of dnncost: ONNX bytes -> import (parse_onnx) -> batch binding ->
// Plan (shape inference, folding, cost) -> memory plan -> one reference run when the model is small -> the graph
// passes, whose graph must plan and run too, with the same output shapes (tests/fuzz/fuzz_common.h).
//
// Expected outcome for any input: success, or a ModelError (a clean error message). A crash, a sanitizer report,
// any other exception, a hang (-timeout) or a huge allocation (-rss_limit_mb / -malloc_limit_mb) is a finding.
// The model's folder is a fresh temporary folder holding a small weights file, a symlink that points out of it
// and, next to the folder, a file of secret bytes: a tensor holding secret bytes means the importer read outside
// the model's folder, which is reported as a finding too.
//
// Built by the DNNCOST_FUZZ CMake option (clang, -fsanitize=fuzzer,address,undefined); the same file is linked
// with replay_main.cpp into dnncost_fuzz_import_replay in every build, which runs saved inputs once.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/errors.h"
#include "importers/onnx/onnx_import.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/outside_bytes.h"

namespace {

namespace fs = std::filesystem;
using namespace dnncost;

// The folder the fuzzed model "lives" in: <tmp>/model/ with w.bin (1 KiB of weights), link_out.bin (a symlink to
// ../outside.bin) and up (a symlink to ..); <tmp>/outside.bin holds the secret bytes.
struct ModelFolder {
  std::string root, model_dir;
  ModelFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/dnncost-fuzz-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) {
      std::perror("dnncost fuzz: mkdtemp");
      std::abort();
    }
    root = buf.data();
    model_dir = root + "/model";
    fs::create_directory(model_dir);
    std::ofstream(root + "/outside.bin", std::ios::binary) << fuzzing::outside_bytes();
    std::string weights(1024, '\0');
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<char>(i * 7 + 3);
    std::ofstream(model_dir + "/w.bin", std::ios::binary) << weights;
    fs::create_symlink("../outside.bin", model_dir + "/link_out.bin");
    fs::create_directory_symlink("..", model_dir + "/up");
  }
  ~ModelFolder() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

void check_no_outside_bytes(const Tensor& t, const std::string& where) {
  if (fuzzing::holds_outside_bytes(t.raw(), t.bytes())) {
    fuzzing::finding("tensor " + where + " holds bytes of a file outside the model's folder");
  }
}

void check_graph_bytes(const Graph& g) {
  for (const auto& kv : g.initializers) check_no_outside_bytes(*kv.second, "'" + kv.first + "'");
  for (const auto& n : g.nodes)
    for (const auto& a : n.attributes)
      if (a.second.t) check_no_outside_bytes(*a.second.t, "attribute '" + a.first + "' of node '" + n.name + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ModelFolder folder;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const Graph g = parse_onnx(bytes, "fuzz.onnx", folder.model_dir);
    check_graph_bytes(g);
    fuzzing::plan_run_and_check_passes(g);
  } catch (const ModelError& e) {  // the expected outcome for a broken model: a clean error
    if (fuzzing::verbose()) std::fprintf(stderr, "ModelError: %s\n", e.what());
  } catch (const std::exception& e) {
    fuzzing::finding(std::string("exception other than ModelError: ") + e.what());
  }
  return 0;
}
