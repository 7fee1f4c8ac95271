// The report's page: the document (head, inline CSS, the scripts the browser test reads), the Page the sections
// write into, the records-and-method section, and build_report_html() (report/report_html.h), which puts the
// sections together: the study's figures, the findings, the per-network sections and the records.
#include "report/report_html.h"

#include <cmath>
#include <sstream>

#include "report/report_parts.h"
#include "report/svg_chart.h"

namespace dnncost::report {
namespace detail {

void Page::figure(const std::string& id, const std::string& title, const std::string& svg, bool is_missing,
                  const std::string& caption) {
  ++number;
  if (is_missing)
    ++missing;
  else
    ++figures;
  html << "<figure class=\"figure\" id=\"" << esc(id) << "\" data-missing=\"" << (is_missing ? "true" : "false")
       << "\"><h3>" << esc(title) << "</h3>" << svg;
  if (!caption.empty()) html << "<figcaption>" << caption << "</figcaption>";
  html << "</figure>\n";
}

void Page::missing_figure(const std::string& id, const std::string& title, const std::string& reason,
                          const std::string& caption) {
  figure(id, title, render_missing(title, reason), true,
         "<span class=\"missing\">No data: " + esc(reason) + "</span>" + (caption.empty() ? "" : " " + caption));
}

namespace {

const char* const kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222;
       max-width: 1080px; margin: 0 auto; padding: 16px 24px 48px; line-height: 1.45; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
h3 { margin: 0.2em 0 0.4em; font-size: 1.08em; }
figure.figure { margin: 18px 0; padding: 10px 12px; border: 1px solid #e3e3e3; border-radius: 6px; }
figure.figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #444; margin-top: 6px; }
.missing { color: #8a4b00; font-weight: 600; }
table { border-collapse: collapse; font-size: 0.88em; margin: 8px 0 12px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; } th { background: #f4f4f4; }
td.l, th.l { text-align: left; }
.finding { margin-bottom: 12px; } .verdict { font-weight: 700; padding: 1px 6px; border-radius: 4px; }
.verdict.supported { background: #d9f2e3; }
.verdict.partly-supported, .verdict.weakly-supported { background: #fff1c7; }
.verdict.contradicted { background: #fbd9d3; } .verdict.not-testable-here { background: #e8e8e8; }
nav ul { columns: 2; } .meta { color: #555; font-size: 0.9em; }
section.model { border-top: 1px dashed #ccc; margin-top: 24px; }
)";

const char* const kErrorCapture =
    "<script>window.addEventListener('error',function(e){var d=document.documentElement;"
    "d.setAttribute('data-js-errors',(d.getAttribute('data-js-errors')||'')+(e.message||'error')+';');});</script>";
// After loading: how many charts have a non-empty drawing box (read by the headless-browser test).
const char* const kDrawCheck =
    "<script>(function(){var s=document.querySelectorAll('svg.chart'),n=0;for(var i=0;i<s.length;i++){"
    "var b=s[i].getBBox();if(b.width>0&&b.height>0)n++;}"
    "document.documentElement.setAttribute('data-charts-drawn',String(n));"
    "document.documentElement.setAttribute('data-charts',String(s.length));})();</script>";

std::string device_text(const ReportInputs& in, const Study& st) {
  for (const json* r : st.device_records) {
    const json& d = (*r)["device"];
    std::string s = str_at(d, {"name"});
    if (s.empty()) s = str_at(d, {"kind"});
    for (const char* k : {"onednn", "isa", "cuda", "cudnn", "driver", "gpu"}) {
      const std::string v = str_at(d, {k});
      if (!v.empty()) s += ", " + std::string(k) + " " + v;
    }
    const double threads = num_at(d, {"threads"});
    if (std::isfinite(threads)) s += ", " + fmt("%.0f", threads) + " thread(s)";
    return s;
  }
  return st.device.empty() ? "none" : st.device;
}

// The head, the title and the table of contents.
void page_head(Page& p, const ReportInputs& in, const Study& st) {
  std::ostringstream& h = p.html;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>dnncost report: " << esc(device_text(in, st)) << "</title><style>" << kStyle << "</style>"
    << kErrorCapture << "</head>\n<body>\n";
  h << "<h1>dnncost report</h1>\n<p class=\"meta\">An analysis of deep neural network models for practical "
       "applications (Canziani, Paszke &amp; Culurciello, 2016), regenerated from dnncost records. Device: <b>"
    << esc(device_text(in, st)) << "</b>";
  if (!st.device_records.empty()) {
    const json& r = *st.device_records.front();
    h << "; host: " << esc(str_at(r, {"host", "cpu"})) << " (" << esc(fmt("%.0f", num_at(r, {"host", "logical_cpus"})))
      << " logical CPUs)";
  }
  h << ". " << st.models.size() << " network(s), " << st.device_records.size() << " measured configuration(s)";
  if (!in.generated_at.empty()) h << "; generated " << esc(in.generated_at);
  h << ".</p>\n";
  h << "<nav><b>Contents</b><ul><li><a href=\"#study\">The study's figures</a></li><li><a href=\"#findings\">The "
       "four findings, measured here</a></li>";
  if (!swept_dim(st).empty()) h << "<li><a href=\"#sequence\">Token models: cost and time vs sequence length</a></li>";
  h << "<li><a href=\"#models\">Per network: layers and roofline</a></li>"
       "<li><a href=\"#records\">Records and method</a></li></ul></nav>\n";
}

// The record files, the device, the method, failed configurations and warnings.
void records_section(Page& p, const ReportInputs& in, const Study& st) {
  std::ostringstream& h = p.html;
  h << "<section id=\"records\"><h2>Records and method</h2>\n<table><tr><th class=\"l\">what</th>"
       "<th class=\"l\">value</th></tr>";
  std::string files;
  for (const auto& f : in.files) files += (files.empty() ? "" : ", ") + f;
  int n_profile = 0, n_eval = 0, n_info = 0;
  for (const json& r : in.records) {
    n_profile += has_schema(r, "dnncost.profile/");
    n_eval += has_schema(r, "dnncost.eval/");
    n_info += has_schema(r, "dnncost.info/");
  }
  auto row = [&](const std::string& k, const std::string& v) {
    h << "<tr><td class=\"l\">" << esc(k) << "</td><td class=\"l\">" << v << "</td></tr>";
  };
  row("record files", esc(files));
  row("records",
      std::to_string(n_profile) + " profile, " + std::to_string(n_eval) + " eval, " + std::to_string(n_info) + " info");
  row("device plotted", esc(device_text(in, st)));
  if (!st.other_devices.empty()) {
    std::string o;
    for (const auto& d : st.other_devices) o += (o.empty() ? "" : ", ") + d;
    row("other devices (not plotted; choose with --device)", esc(o));
  }
  if (!st.device_records.empty()) {
    const json& r = *st.device_records.front();
    row("timing policy", "warm-up " + esc(fmt("%.0f", num_at(r, {"policy", "warmup"}))) + " runs, then at least " +
                             esc(fmt("%.0f", num_at(r, {"policy", "min_iters"}))) + " runs and " +
                             esc(fmt("%.3g", num_at(r, {"policy", "min_time_s"}))) + " s; median reported");
    row("tool", esc(str_at(r, {"tool", "name"}) + " " + str_at(r, {"tool", "version"})));
  }
  if (num_at(st.peaks, {"gflops"}) > 0) {
    row("device peaks", esc(fmt("%.3g", num_at(st.peaks, {"gflops"}))) + " GFLOP/s (" +
                            esc(str_at(st.peaks, {"compute_op"})) + "; MatMul " +
                            esc(fmt("%.0f", num_at(st.peaks, {"matmul", "n"}))) +
                            "\u00b3: " + esc(fmt("%.3g", num_at(st.peaks, {"matmul", "gflops"}))) +
                            ", 3\u00d73 Conv: " + esc(fmt("%.3g", num_at(st.peaks, {"conv", "gflops"}))) + "), " +
                            esc(fmt("%.3g", num_at(st.peaks, {"gbs"}))) + " GB/s (Add of " +
                            esc(compact_number(num_at(st.peaks, {"bandwidth", "elements"}))) + " floats)");
  } else {
    row("device peaks", "not measured");
  }
  row("accuracy", in.manifest_problem.empty() ? "eval records first, else published top-1 from " + esc(in.manifest_path)
                                              : "eval records only; zoo manifest: " + esc(in.manifest_problem));
  row("power", esc(st.any_power ? "sensor " + st.power_sensor +
                                      (std::isfinite(st.idle_w) ? ", idle " + fmt("%.1f", st.idle_w) + " W" : "") +
                                      "; power.avg_w and power.energy_per_image_j of the records"
                                : "no power data: " + no_power(st)));
  if (!in.trace_path.empty())
    row("execution trace", esc(in.trace_path) + " (open in ui.perfetto.dev or chrome://tracing)");
  for (const auto& f : st.failures) row("failed configuration", esc(f));
  for (const auto& w : in.warnings) row("warning", esc(w));
  h << "</table>\n<p class=\"meta\">Operations are exact counts from the plan (1 MAC = 2 FLOPs; rules in "
       "docs/COSTS.md). Times are medians of repeated runs; per-layer times come from a separate pass that "
       "synchronises after every layer. Memory is what the session allocated for weights, activations (one arena "
       "with liveness-based reuse) and workspace. Records format: docs/RESULTS.md.</p></section>\n";
}

}  // namespace
}  // namespace detail

std::string build_report_html(const ReportInputs& in, ReportSummary* summary) {
  const detail::Study st = detail::build_study(in);
  detail::Page p;
  detail::page_head(p, in, st);
  // Findings are computed with the figures and written right after them.
  const detail::StudyFits fits = detail::study_figures(p, in, st);
  const std::vector<detail::Finding> fs = detail::findings(st, fits);
  detail::findings_section(p, fs);
  detail::sequence_figures(p, st);
  detail::network_sections(p, st);
  detail::records_section(p, in, st);
  p.html << detail::kDrawCheck << "\n</body></html>\n";

  if (summary) {
    summary->figures = p.figures;
    summary->missing_figures = p.missing;
    summary->device = st.device;
    summary->findings.clear();
    for (size_t i = 0; i < fs.size(); ++i) {
      summary->findings.push_back(std::to_string(i + 1) + ". " + fs[i].claim + " [" + fs[i].verdict + "] " +
                                  fs[i].evidence);
    }
  }
  return p.html.str();
}

}  // namespace dnncost::report
