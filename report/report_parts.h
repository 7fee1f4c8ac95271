// What the report's files share: the records of the plotted device grouped per network and batch (Study, made by
// report/study_records.cpp), the helpers that read records and format numbers, and the Page every section writes
// into (report/report_html.cpp). Internal to report/: the tools and the tests use report/report_html.h.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "metrics/fit.h"
#include "report/report_html.h"
#include "report/svg_chart.h"

namespace dnncost::report::detail {

using nlohmann::json;

// ---- reading records -----------------------------------------------------------------------------------

// The number at a path of keys ("latency", "median_ms"), NaN when absent or not a number.
double num_at(const json& j, std::initializer_list<const char*> path);
// The text at a path of keys (a number as JSON writes it), "" when absent.
std::string str_at(const json& j, std::initializer_list<const char*> path);
// Whether a record's "schema" starts with `prefix` ("dnncost.profile/").
bool has_schema(const json& r, const std::string& prefix);

inline std::string fmt(const char* f, double v) { return format_number(f, v); }
inline std::string esc(const std::string& s) { return xml_escape(s); }

// ---- the records grouped: one Study of the plotted device ---------------------------------------------

struct Accuracy {
  double top1 = NAN;  // percent
  bool measured = false;
  std::string source;
};

// One measured configuration (an ok profile record).
struct Config {
  int64_t batch = 0;
  const json* record = nullptr;
  double median_ms = NAN, per_image_ms = NAN, images_per_s = NAN, flops = NAN, macs = NAN, params = NAN;
  double memory = NAN;
  double power_w = NAN, dynamic_w = NAN, energy_per_image_j = NAN;  // power.avg_w etc. when a sensor measured
};

// One network at one binding of its symbolic dimensions (profile --dim): records that differ in `dims` are different
// configurations. `key` is the network's name followed by the binding ("bert_base seq=128"), `network` the name alone
// (what the manifest and eval records are looked up by).
struct Model {
  std::string key, network, path, title;
  std::map<std::string, int64_t> dims;  // the record's "dims" ({} without --dim)
  std::string dims_text;                // "seq=128" ("" without --dim)
  std::map<int64_t, Config> by_batch;
  double params = NAN, flops_per_image = NAN;
  std::optional<Accuracy> accuracy;
  bool in_study = false;  // the manifest marks it as one of the networks Canziani et al. compared
  std::string color;
  const Config* per_layer = nullptr;  // the smallest batch with a per-layer pass
};

struct Study {
  std::string device;
  std::vector<std::string> other_devices;
  std::vector<Model> models;  // ordered by operations per image
  std::vector<std::string> failures;
  std::vector<const json*> device_records;  // ok profile records of the plotted device
  json peaks;                               // device.peaks of the latest record with numbers
  bool any_power = false;
  double idle_w = NAN;          // power.idle_w of the latest record that has it
  std::string power_sensor;     // power.sensor of the records with numbers
  std::string no_power_reason;  // power.reason of a record without numbers ("" when none says)
  int64_t ref_batch = 0;        // largest batch measured for every model (0: none in common)
};

// The records of the plotted device (in.device, else the one with the most ok profile records), grouped.
Study build_study(const ReportInputs& in);

// A record's dims as "seq=128 heads=4" (names in order), "" when it has none; `dims` receives them.
std::string record_dims(const json& r, std::map<std::string, int64_t>* dims = nullptr);
// `text` made fit for an HTML id: every character outside [A-Za-z0-9_-] becomes '-'.
std::string html_id(const std::string& text);

// The configuration of a model at the reference batch (or its largest batch when there is no common one).
const Config* at_ref(const Study& st, const Model& m);
// The reference batch in words ("batch 4"), for captions and findings.
std::string ref_batch_text(const Study& st);
// Why there is no power: the sensor's reason from the records, else that they have no power object.
std::string no_power(const Study& st);

// ---- the page ------------------------------------------------------------------------------------------

// The HTML being written and its figures counted (for the summary); each section appends to `html`.
struct Page {
  std::ostringstream html;
  int figures = 0, missing = 0, number = 0;

  void figure(const std::string& id, const std::string& title, const std::string& svg, bool is_missing,
              const std::string& caption);
  void missing_figure(const std::string& id, const std::string& title, const std::string& reason,
                      const std::string& caption = "");
};

// ---- what the sections pass on -------------------------------------------------------------------------

// Time vs operations per layer: the pooled fit of the per-layer figure, and each network's own R² from its record.
struct LayerFitSummary {
  std::optional<LinearFit> pooled;
  std::vector<std::pair<std::string, double>> per_model_r2;
};

// The fits the study's figures draw, which the findings quote.
struct StudyFits {
  std::optional<LinearFit> hyper, hyper_study;  // top-1 vs images/s: every network; the study's own networks
  std::optional<LinearFit> net_all, net_ref;    // time vs operations: every run; the networks at the reference batch
  LayerFitSummary layer;                        // time vs operations per layer
};

// The section of the study's figures, in the order of study_figure_titles() (report/study_figures.cpp);
// returns the fits the findings quote.
StudyFits study_figures(Page& p, const ReportInputs& in, const Study& st);

// One of the study's findings checked against these records: its verdict ("supported", "partly supported",
// "weakly supported", "contradicted" or "not testable here") and the numbers behind it.
struct Finding {
  std::string claim, verdict, evidence;
};

// The four findings, from the study's records and the fits of its figures (report/findings.cpp).
std::vector<Finding> findings(const Study& st, const StudyFits& fits);
// The section of the four findings, each with its verdict and evidence.
void findings_section(Page& p, const std::vector<Finding>& fs);

// The section of the token models' figures (report/sequence_figures.cpp): operations (attention products and the
// rest) and time against a swept symbolic dimension, one series per network. Writes nothing when no network was
// measured at two or more values of one dimension; returns whether it wrote the section.
bool sequence_figures(Page& p, const Study& st);
// The symbolic dimension swept for the most networks (two or more sizes each, the other dimensions fixed), "" when
// none is.
std::string swept_dim(const Study& st);

// The section of the per-network breakdowns, one per network (report/network_sections.cpp).
void network_sections(Page& p, const Study& st);

}  // namespace dnncost::report::detail
