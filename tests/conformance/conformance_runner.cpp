// Runs the regenerated ONNX node conformance tests through the code path of `dnncost run` and compares
// every output with the expected one (|got - want| <= atol + rtol * |want|, same type and shape).
//
// usage: dnncost_conformance DATA_DIR [DATA_DIR ...] [--op OP] [--excluded FILE] [--rtol R] [--atol A] [--device D]
//                            [--verbose]
// Each DATA_DIR is one set written by generate_node_tests.py (Debian's onnx, or the venv's current onnx); its cases
// are named TAG/case in the output, and an exclusion pattern matches either the case or TAG/case. A set whose
// generator had no venv (a file UNAVAILABLE in DATA_DIR) is reported and left out; when no case at all is left,
// the run is skipped (exit 77). Cases cases.json marks not_runnable (not expressible at dnncost's newest opset)
// are listed as skipped with the generator's reason.
// --device runs the cases on another device than ref (e.g. cpu, cuda); exit 77 (skipped) when this build or machine
// does not have it.
// Tolerances default to each case's own (ONNX: rtol 1e-3, atol 1e-7), never looser than rtol 1e-3, atol 1e-5.
// Prints one line per case (PASS / FAIL / EXCLUDED / NOT RUN) and a closing "N passed, N failed, N skipped" line;
// exits 1 when a case that is not excluded fails.
#include <fnmatch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.h"
#include "engine/session.h"
#include "importers/onnx/onnx_import.h"
#include "tools/dnncost/commands.h"

namespace fs = std::filesystem;
using namespace dnncost;

namespace {

struct Exclusion {
  std::string pattern;
  std::string reason;
};

std::vector<Exclusion> read_exclusions(const std::string& path) {
  std::vector<Exclusion> out;
  if (path.empty()) return out;
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read exclusion file " + path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    Exclusion e;
    ss >> e.pattern;
    std::getline(ss, e.reason);
    const auto p = e.reason.find_first_not_of(" \t");
    e.reason = p == std::string::npos ? "" : e.reason.substr(p);
    if (!e.pattern.empty()) out.push_back(e);
  }
  return out;
}

// Empty when equal within tolerance, else a description of the first mismatch.
std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype()) return "type " + dtype_name(got.dtype()) + " != expected " + dtype_name(want.dtype());
  if (got.shape() != want.shape()) return "shape " + shape_str(got.shape()) + " != expected " + shape_str(want.shape());
  int64_t bad = 0, first = -1;
  double worst = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    const double g = got.value_as_double(i), w = want.value_as_double(i);
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok) {
      if (first < 0) first = i;
      ++bad;
      worst = std::max(worst, std::fabs(g - w));
    }
  }
  if (!bad) return "";
  std::ostringstream os;
  os << bad << " of " << got.numel() << " values differ (first at " << first << ": got "
     << got.value_as_double(first) << ", expected " << want.value_as_double(first) << "; max abs diff " << worst
     << ")";
  return os.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> data_dirs;
  std::string op_filter, excluded_path, device = "ref";
  double rtol_arg = -1, atol_arg = -1;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--op") op_filter = next();
    else if (a == "--excluded") excluded_path = next();
    else if (a == "--rtol") rtol_arg = std::stod(next());
    else if (a == "--atol") atol_arg = std::stod(next());
    else if (a == "--device") device = next();
    else if (a == "--verbose") verbose = true;
    else data_dirs.push_back(a);
  }
  if (data_dirs.empty()) {
    std::cerr << "usage: dnncost_conformance DATA_DIR [DATA_DIR ...] [--op OP] [--excluded FILE] [--rtol R] "
                 "[--atol A] [--device D]\n";
    return 2;
  }
  // A device this build or machine does not have: skipped (ctest SKIP_RETURN_CODE 77), saying why.
  if (device != "ref") {
    try {
      parse_device(device);
    } catch (const ModelError& e) {
      std::cout << "skipped: " << e.what() << "\n";
      return 77;
    }
  }
  const auto exclusions = read_exclusions(excluded_path);
  int passed = 0, failed = 0, skipped = 0, unavailable_sets = 0;
  for (const std::string& data_dir : data_dirs) {
    if (std::ifstream why{fs::path(data_dir) / "UNAVAILABLE"}) {
      std::string reason;
      std::getline(why, reason);
      std::cout << "NOT RUN  the cases of " << data_dir << ": " << reason << "\n";
      ++unavailable_sets;
      continue;
    }
    nlohmann::json manifest;
    {
      std::ifstream f(fs::path(data_dir) / "cases.json");
      if (!f) {
        std::cerr << "no cases.json in " << data_dir << ": run generate_node_tests.py first\n";
        return 2;
      }
      f >> manifest;
    }
    for (auto it = manifest.begin(); it != manifest.end(); ++it) {
      const nlohmann::json& entry = it.value();
      if (!op_filter.empty() && entry["op"] != op_filter) continue;
      const std::string tag = entry.value("tag", "");
      const std::string name = tag.empty() ? it.key() : tag + "/" + it.key();
      const std::string origin =
          entry.contains("onnx")
              ? " (onnx " + entry["onnx"].get<std::string>() +
                    (entry.contains("opset") ? ", opset " + std::to_string(entry["opset"].get<int>()) : std::string()) +
                    ")"
              : std::string();
      if (entry.contains("not_runnable")) {
        ++skipped;
        std::cout << "NOT RUN  " << name << origin << ": " << entry["not_runnable"].get<std::string>() << "\n";
        continue;
      }
      const Exclusion* ex = nullptr;
      for (const auto& e : exclusions)
        if (fnmatch(e.pattern.c_str(), it.key().c_str(), 0) == 0 || fnmatch(e.pattern.c_str(), name.c_str(), 0) == 0)
          ex = &e;
      const fs::path case_dir = fs::path(data_dir) / it.key();
      const double rtol = rtol_arg >= 0 ? rtol_arg : std::min(1e-3, entry.value("rtol", 1e-3));
      const double atol = atol_arg >= 0 ? atol_arg : std::min(1e-5, entry.value("atol", 1e-5));
      std::string failure;
      try {
        const Graph g = load_onnx((case_dir / "model.onnx").string());
        for (int ds = 0;; ++ds) {
          const fs::path dsd = case_dir / ("test_data_set_" + std::to_string(ds));
          if (!fs::exists(dsd)) break;
          std::vector<std::shared_ptr<const Tensor>> inputs;
          for (int k = 0; fs::exists(dsd / ("input_" + std::to_string(k) + ".pb")); ++k)
            inputs.push_back(std::make_shared<const Tensor>(
                read_tensor_file((dsd / ("input_" + std::to_string(k) + ".pb")).string())));
          auto outs = run_model(g, inputs, device);
          for (size_t k = 0; k < outs.size() && failure.empty(); ++k) {
            const fs::path want_path = dsd / ("output_" + std::to_string(k) + ".pb");
            if (!fs::exists(want_path)) continue;
            const Tensor want = read_tensor_file(want_path.string());
            const std::string diff = compare(outs[k].second, want, rtol, atol);
            if (!diff.empty()) failure = "output " + std::to_string(k) + " (" + outs[k].first + "): " + diff;
          }
        }
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (ex) {
        ++skipped;
        std::cout << "EXCLUDED " << name << origin << ": " << ex->reason
                  << (failure.empty() ? "  [note: now passes]" : "") << "\n";
        if (verbose && !failure.empty()) std::cout << "         (" << failure << ")\n";
      } else if (failure.empty()) {
        ++passed;
        std::cout << "PASS     " << name << origin << "\n";
      } else {
        ++failed;
        std::cout << "FAIL     " << name << origin << ": " << failure << "\n";
      }
    }
  }
  std::cout << "conformance" << (op_filter.empty() ? "" : " " + op_filter) << ": " << passed << " passed, " << failed
            << " failed, " << skipped << " skipped\n";
  if (passed + failed == 0 && unavailable_sets > 0) {
    std::cout << "skipped: no case" << (op_filter.empty() ? "" : " of " + op_filter)
              << " could run without the sets not generated (see NOT RUN above)\n";
    return 77;
  }
  if (passed + failed + skipped == 0) {
    std::cerr << "no test cases matched" << (op_filter.empty() ? "" : " op " + op_filter) << "\n";
    return 1;
  }
  return failed ? 1 : 0;
}
