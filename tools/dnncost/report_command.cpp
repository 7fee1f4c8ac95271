// `dnncost report`: reads record files and the zoo manifest, writes the HTML report; `dnncost devices`.
#include "tools/dnncost/report_command.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/cuda/cuda_device.h"
#include "core/errors.h"
#include "engine/session.h"
#include "core/host_info.h"
#include "report/report_html.h"
#include "tools/dnncost/records_csv.h"

#ifndef DNNCOST_SOURCE_DIR
#define DNNCOST_SOURCE_DIR "."
#endif

namespace dnncost {
namespace {

bool is_record(const nlohmann::json& j) {
  return j.is_object() && j.contains("schema") && j["schema"].is_string() &&
         j["schema"].get<std::string>().rfind("dnncost.", 0) == 0;
}

// A file of one JSON document (a record or an array of records) or of JSON Lines; unparsable lines (e.g. a
// last line cut by a kill) are skipped with a warning.
void read_records(const std::string& path, std::vector<nlohmann::json>& records, std::vector<std::string>& warnings) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw ModelError(path + ": no such file");
  if (!S_ISREG(st.st_mode)) throw ModelError(path + ": not a regular file");
  std::ifstream f(path);
  if (!f) throw ModelError(path + ": cannot open the file");
  std::stringstream buf;
  buf << f.rdbuf();
  const std::string text = buf.str();
  size_t before = records.size();
  const nlohmann::json whole = nlohmann::json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    if (whole.is_array()) {
      for (const auto& r : whole)
        if (is_record(r)) records.push_back(r);
    } else if (is_record(whole)) {
      records.push_back(whole);
    }
  } else {
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        warnings.push_back(path + " line " + std::to_string(number) + ": not valid JSON, skipped");
      } else if (!is_record(j)) {
        warnings.push_back(path + " line " + std::to_string(number) + ": not a dnncost record, skipped");
      } else {
        records.push_back(j);
      }
    }
  }
  if (records.size() == before) warnings.push_back(path + ": no dnncost records in this file");
}

std::string manifest_path(const std::string& option) {
  if (!option.empty()) return option;
  const char* env = std::getenv("DNNCOST_ZOO_MANIFEST");
  if (env && *env) return env;
  return std::string(DNNCOST_SOURCE_DIR) + "/tools/zoo/manifest.json";
}

}  // namespace

int report_command(const ReportOptions& opt) {
  DNNCOST_EXPECT(!opt.records.empty(), "report: expected at least one record file");
  report::ReportInputs in;
  in.files = opt.records;
  for (const auto& path : opt.records) read_records(path, in.records, in.warnings);
  DNNCOST_EXPECT(!in.records.empty(),
                 "report: no dnncost records in " << opt.records.front() << (opt.records.size() > 1 ? " ..." : ""));
  in.manifest_path = manifest_path(opt.zoo_manifest);
  std::ifstream mf(in.manifest_path);
  if (!mf) {
    in.manifest_problem = "no zoo manifest at " + in.manifest_path;
  } else {
    std::stringstream buf;
    buf << mf.rdbuf();
    in.manifest = nlohmann::json::parse(buf.str(), nullptr, false);
    if (in.manifest.is_discarded() || !in.manifest.is_object()) {
      in.manifest = nullptr;
      in.manifest_problem = "the zoo manifest " + in.manifest_path + " is not a JSON object";
    } else if (!in.manifest.contains("models") || !in.manifest["models"].is_array()) {
      in.manifest_problem = "the zoo manifest " + in.manifest_path + " has no \"models\" list";
    }
  }
  if (!opt.zoo_manifest.empty() && !in.manifest_problem.empty()) {
    throw ModelError("--zoo-manifest: " + in.manifest_problem);
  }
  in.device = opt.device;
  in.trace_path = opt.trace;
  in.generated_at = utc_timestamp();
  report::ReportSummary summary;
  const std::string html = report::build_report_html(in, &summary);
  write_text_file(opt.out, html, "--out");
  if (!opt.quiet) {
    std::cout << "report: " << opt.out << " (" << summary.figures << " figures drawn, " << summary.missing_figures
              << " marked as without data; device " << (summary.device.empty() ? "none" : summary.device) << ")\n";
    for (const auto& w : in.warnings) std::cout << "  warning: " << w << "\n";
    std::cout << "findings:\n";
    for (const auto& f : summary.findings) std::cout << "  " << f << "\n";
  }
  return 0;
}

int devices_command() {
  const auto& reg = DeviceRegistry::instance();
  for (const auto& kv : reg.descriptions()) {
    std::string status = "available";
    if (kv.first == "cuda") {
      std::string why;
      if (cuda_devices(&why).empty()) status = "unavailable: " + why;
    }
    std::cout << kv.first << "\t" << status << "\t" << kv.second << "\n";
  }
  for (const char* kind : {"cpu", "cuda"}) {
    if (!reg.has(kind)) std::cout << kind << "\tunavailable: not in this build\t-\n";
  }
  return 0;
}

}  // namespace dnncost
