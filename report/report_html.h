// The study report: one self-contained HTML page (inline CSS and SVG, no network) regenerated from dnncost
// records: the figures of Canziani, Paszke & Culurciello (2016), a per-layer breakdown and roofline per model,
// and the study's four findings checked against the numbers measured here. Figure list and data rules:
// docs/RESULTS.md ("dnncost report").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dnncost::report {

struct ReportInputs {
  std::vector<std::string> files;       // the record files, as given (listed in the report)
  std::vector<nlohmann::json> records;  // profile, eval and info records, in file order
  std::vector<std::string> warnings;    // problems met while reading (lines skipped, unknown schemas)
  nlohmann::json manifest;              // the zoo manifest (published top-1); null when absent
  std::string manifest_path;            // where it was looked for
  std::string manifest_problem;         // why it is absent or unusable ("" when read)
  std::string device;                   // device kind to plot; "" = the one with the most measured records
  std::string trace_path;               // named in the report when given
  std::string generated_at;             // UTC time stamp written in the page
};

// What the report contains, for the command's summary and for tests.
struct ReportSummary {
  int figures = 0;                    // figures drawn with data
  int missing_figures = 0;            // figures replaced by a "no data" notice
  std::string device;                 // the device plotted
  std::vector<std::string> findings;  // one line per finding, with its number
};

// The titles of the study's figures, in order (each is an <h3> of the report, drawn or marked missing).
const std::vector<std::string>& study_figure_titles();

// The titles of the token models' figures (operations and time vs a swept symbolic dimension), drawn only when the
// records hold a network measured at several sizes of one dimension (profile --dim seq=128,256,...).
const std::vector<std::string>& sequence_figure_titles();

std::string build_report_html(const ReportInputs& in, ReportSummary* summary = nullptr);

// A record's model name: the folder of "…/<name>/model.onnx", else the file stem ("resnet50.onnx" ->
// "resnet50"), else the text as given (zoo names).
std::string model_key(const std::string& model_path);

}  // namespace dnncost::report
