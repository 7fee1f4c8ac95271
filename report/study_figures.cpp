// The study's figures, across the networks (Canziani, Paszke & Culurciello 2016): top-1 accuracy, against
// operations and against speed, and per parameter; time, power and memory vs batch size; memory vs parameters;
// operations vs inference time per network and per layer; and the fits they draw, which the findings quote.
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

#include "metrics/fit.h"
#include "report/report_parts.h"

namespace dnncost::report {
namespace detail {
namespace {

// Every batch size measured, as ticks for a batch axis.
std::vector<double> batch_ticks(const Study& st) {
  std::set<int64_t> b;
  for (const Model& m : st.models)
    for (const auto& bc : m.by_batch) b.insert(bc.first);
  return std::vector<double>(b.begin(), b.end());
}

// The smallest batch measured for every model (memory vs parameters), else 0.
int64_t smallest_common_batch(const Study& st) {
  if (st.models.empty()) return 0;
  for (const auto& bc : st.models[0].by_batch) {
    bool all = true;
    for (const Model& m : st.models) all = all && m.by_batch.count(bc.first);
    if (all) return bc.first;
  }
  return 0;
}

const char* const kTitleTop1 = "Top-1 accuracy per network";
const char* const kTitleTop1Ops = "Top-1 accuracy vs operations (bubble area = parameters)";
const char* const kTitleTimeBatch = "Time per image vs batch size";
const char* const kTitlePowerBatch = "Power vs batch size";
const char* const kTitleMemoryBatch = "Memory vs batch size";
const char* const kTitleMemoryParams = "Memory vs parameters";
const char* const kTitleOpsTimeNet = "Operations vs inference time, per network";
const char* const kTitleOpsTimeLayer = "Operations vs inference time, per layer";
const char* const kTitleTop1Speed = "Top-1 accuracy vs images per second";
const char* const kTitleDensity = "Top-1 accuracy per parameter (information density)";

std::string no_accuracy_reason(const ReportInputs& in) {
  std::string why = "no eval record for these networks, and ";
  if (!in.manifest_problem.empty()) return why + "no published top-1: " + in.manifest_problem;
  return why + "the zoo manifest (" + in.manifest_path + ") has no published top-1 for them";
}

void figure_top1(Page& p, const ReportInputs& in, const Study& st) {
  std::vector<const Model*> with;
  std::vector<std::string> without;
  for (const Model& m : st.models) (m.accuracy ? with.push_back(&m) : without.push_back(m.key));
  if (with.empty()) return p.missing_figure("fig-top1", kTitleTop1, no_accuracy_reason(in));
  std::sort(with.begin(), with.end(),
            [](const Model* a, const Model* b) { return a->accuracy->top1 > b->accuracy->top1; });
  BarChart c;
  c.title = kTitleTop1;
  c.horizontal = true;
  c.value_axis.title = "top-1 accuracy (%, single centre crop, ImageNet validation)";
  c.value_format = "%.1f";
  BarSeries measured{"measured (dnncost eval)", {}, "#009E73"}, published{"published (zoo manifest)", {}, "#0072B2"};
  std::ostringstream caption;
  caption << "Sources: ";
  for (const Model* m : with) {
    c.categories.push_back(m->key);
    measured.values.push_back(m->accuracy->measured ? m->accuracy->top1 : NAN);
    published.values.push_back(m->accuracy->measured ? NAN : m->accuracy->top1);
    caption << "<b>" << esc(m->key) << "</b> " << (m->accuracy->measured ? "measured" : "published") << ": "
            << esc(m->accuracy->source) << "; ";
  }
  c.series = {measured, published};
  if (!without.empty()) {
    std::string list;
    for (const auto& k : without) list += (list.empty() ? "" : ", ") + k;
    caption << "no accuracy data for " << esc(list) << ".";
  }
  p.figure("fig-top1", kTitleTop1, render(c), false, caption.str());
}

void figure_top1_ops(Page& p, const ReportInputs& in, const Study& st) {
  XYChart c;
  c.title = kTitleTop1Ops;
  c.x.title = "operations per image (GFLOPs, 1 MAC = 2 FLOPs)";
  c.y.title = "top-1 accuracy (%)";
  c.x.include_zero = true;
  const Model* largest = nullptr;
  for (const Model& m : st.models) {
    if (!m.accuracy) continue;
    Series s;
    s.name = m.key + " (" + compact_number(m.params) + " params)";
    s.color = m.color;
    s.bubbles = true;
    s.labels = true;
    s.points.push_back({m.flops_per_image / 1e9, m.accuracy->top1, m.params, m.key,
                        m.key + ": " + fmt("%.2f", m.flops_per_image / 1e9) + " GFLOPs, top-1 " +
                            fmt("%.1f", m.accuracy->top1) + " %, " + compact_number(m.params) + " parameters"});
    c.series.push_back(s);
    if (!largest || m.params > largest->params) largest = &m;
  }
  if (c.series.empty()) return p.missing_figure("fig-top1-ops", kTitleTop1Ops, no_accuracy_reason(in));
  c.notes.push_back("bubble area proportional to the parameter count (largest: " + largest->key + ", " +
                    compact_number(largest->params) + ")");
  p.figure("fig-top1-ops", kTitleTop1Ops, render(c), false,
           "Operations per image from the plan's exact count (batch " +
               std::to_string(st.models.front().by_batch.begin()->first) + " record / batch).");
}

// One point of a network's per-batch series: where it is drawn, and its tooltip after "<network> batch <b>: ".
struct BatchPoint {
  double x, y;
  std::string what;
};

// One series per network (named by its key, in its colour), one point per measured batch size, in batch order.
std::vector<Series> per_batch_series(const Study& st, bool line,
                                     const std::function<BatchPoint(const Config&)>& point_of) {
  std::vector<Series> out;
  for (const Model& m : st.models) {
    Series s;
    s.name = m.key;
    s.color = m.color;
    s.line = line;
    for (const auto& bc : m.by_batch) {
      const BatchPoint b = point_of(bc.second);
      s.points.push_back({b.x, b.y, 0, "", m.key + " batch " + std::to_string(bc.first) + ": " + b.what});
    }
    out.push_back(s);
  }
  return out;
}

void figure_time_batch(Page& p, const Study& st) {
  XYChart c;
  c.title = kTitleTimeBatch;
  c.x.title = "batch size (images)";
  c.y.title = "time per image (ms, median / batch)";
  c.x.log = c.y.log = true;
  c.x.ticks = batch_ticks(st);
  c.series = per_batch_series(st, true, [](const Config& cf) {
    return BatchPoint{static_cast<double>(cf.batch), cf.per_image_ms, fmt("%.3f", cf.per_image_ms) + " ms per image"};
  });
  if (c.series.empty()) return p.missing_figure("fig-time-batch", kTitleTimeBatch, "no measured profile records");
  p.figure("fig-time-batch", kTitleTimeBatch, render(c), false,
           "Whole-network latency without per-layer synchronisation (median of the timed runs) divided by the "
           "batch size; log-log axes.");
}

void figure_power_batch(Page& p, const Study& st) {
  if (!st.any_power) return p.missing_figure("fig-power-batch", kTitlePowerBatch, no_power(st));
  XYChart c;
  c.title = kTitlePowerBatch;
  c.x.title = "batch size (images)";
  c.y.title = "average power (W, " + st.power_sensor + ")";
  c.x.log = true;
  c.x.ticks = batch_ticks(st);
  c.y.include_zero = true;
  c.series = per_batch_series(st, true, [](const Config& cf) {
    return BatchPoint{static_cast<double>(cf.batch), cf.power_w,
                      fmt("%.1f", cf.power_w) + " W, " + fmt("%.4g", cf.energy_per_image_j) + " J per image"};
  });
  if (std::isfinite(st.idle_w)) {
    const std::vector<double> b = batch_ticks(st);
    Series idle;
    idle.name = "idle: " + fmt("%.1f", st.idle_w) + " W";
    idle.color = "#444";
    idle.markers = false;
    idle.line = idle.dashed = true;
    idle.points = {{b.front(), st.idle_w}, {b.back(), st.idle_w}};
    c.series.push_back(idle);
  }
  p.figure("fig-power-batch", kTitlePowerBatch, render(c), false,
           "Average power over each configuration's power window (the network running whole batches for several "
           "seconds while the sensor is sampled); the dashed line is the idle power measured before the first "
           "configuration. Sensor: " +
               esc(st.power_sensor) + " (what it sees: docs/RESULTS.md, the power object).");
}

void figure_memory_batch(Page& p, const Study& st) {
  XYChart c;
  c.title = kTitleMemoryBatch;
  c.x.title = "batch size (images)";
  c.y.title = "memory (MB: weights + activations + workspace)";
  c.x.log = true;
  c.x.ticks = batch_ticks(st);
  c.y.include_zero = true;
  c.series = per_batch_series(st, true, [](const Config& cf) {
    return BatchPoint{static_cast<double>(cf.batch), cf.memory / 1e6, fmt("%.1f", cf.memory / 1e6) + " MB"};
  });
  if (c.series.empty()) return p.missing_figure("fig-memory-batch", kTitleMemoryBatch, "no measured profile records");
  p.figure("fig-memory-batch", kTitleMemoryBatch, render(c), false,
           "The device memory the session allocated (equal to what the plan predicted): weights, the activation "
           "arena with liveness-based reuse, and the largest layer workspace. 1 MB = 10<sup>6</sup> bytes.");
}

void figure_memory_params(Page& p, const Study& st) {
  const int64_t b = smallest_common_batch(st);
  std::vector<double> x, y;
  XYChart c;
  c.title = kTitleMemoryParams;
  c.x.title = "parameters (millions)";
  c.y.title = "memory at batch " + std::to_string(b) + " (MB)";
  c.x.include_zero = c.y.include_zero = true;
  c.legend = false;
  for (const Model& m : st.models) {
    if (!b || !m.by_batch.count(b)) continue;
    const Config& cf = m.by_batch.at(b);
    Series s;
    s.color = m.color;
    s.labels = true;
    s.points.push_back(
        {m.params / 1e6, cf.memory / 1e6, 0, m.key,
         m.key + ": " + fmt("%.2f", m.params / 1e6) + " M params, " + fmt("%.1f", cf.memory / 1e6) + " MB"});
    c.series.push_back(s);
    x.push_back(m.params / 1e6);
    y.push_back(cf.memory / 1e6);
  }
  if (c.series.empty()) {
    return p.missing_figure("fig-memory-params", kTitleMemoryParams, "no batch size was measured for every network");
  }
  const LinearFit f = fit_linear(x, y);
  if (f.valid) {
    const double xmax = *std::max_element(x.begin(), x.end()) * 1.05;
    Series fs;
    fs.color = "#444";
    fs.markers = false;
    fs.line = fs.dashed = true;
    fs.points = {{0, f.intercept}, {xmax, f.intercept + f.slope * xmax}};
    c.series.push_back(fs);
    c.notes.push_back("fit: memory = " + fmt("%.1f", f.intercept) + " MB baseline + " + fmt("%.2f", f.slope) +
                      " MB per million parameters (R\u00b2 = " + fmt("%.3f", f.r2) + ", " + std::to_string(f.points) +
                      " networks)");
  } else {
    c.notes.push_back("no fit: fewer than two networks with different parameter counts");
  }
  p.figure("fig-memory-params", kTitleMemoryParams, render(c), false,
           "Least-squares line through the networks: the intercept is the fixed baseline, the slope the memory per "
           "parameter (float32 weights alone are 4 MB per million; the rest is activations, which grow with the "
           "network, not with its parameters).");
}

void figure_ops_time_network(Page& p, const Study& st, std::optional<LinearFit>* pooled_out,
                             std::optional<LinearFit>* ref_out) {
  XYChart c;
  c.title = kTitleOpsTimeNet;
  c.x.title = "operations per run (GFLOPs, whole batch)";
  c.y.title = "inference time per run (ms, median)";
  c.x.include_zero = c.y.include_zero = true;
  c.series = per_batch_series(st, false, [](const Config& cf) {
    return BatchPoint{cf.flops / 1e9, cf.median_ms,
                      fmt("%.2f", cf.flops / 1e9) + " GFLOPs in " + fmt("%.3f", cf.median_ms) + " ms"};
  });
  std::vector<double> x, y, rx, ry;  // every point drawn (all runs); the networks at the reference batch
  for (const Series& s : c.series) {
    for (const Point& pt : s.points) {
      x.push_back(pt.x);
      y.push_back(pt.y);
    }
  }
  for (const Model& m : st.models) {
    if (const Config* r = at_ref(st, m)) {
      rx.push_back(r->flops / 1e9);
      ry.push_back(r->median_ms);
    }
  }
  if (c.series.empty())
    return p.missing_figure("fig-ops-time-network", kTitleOpsTimeNet, "no measured profile records");
  const LinearFit f = fit_linear(x, y);
  const LinearFit fr = fit_linear(rx, ry);
  if (f.valid) {
    *pooled_out = f;
    const double xmax = *std::max_element(x.begin(), x.end()) * 1.05;
    Series fs;
    fs.name = "fit, all runs: R\u00b2 " + fmt("%.3f", f.r2);
    fs.color = "#444";
    fs.markers = false;
    fs.line = fs.dashed = true;
    const double xstart = f.intercept < 0 && f.slope > 0 ? -f.intercept / f.slope : 0.0;  // from time 0 on
    fs.points = {{xstart, f.intercept + f.slope * xstart}, {xmax, f.intercept + f.slope * xmax}};
    c.series.push_back(fs);
    c.notes.push_back("all " + std::to_string(f.points) + " runs: time = " + fmt("%.3g", f.slope) +
                      " ms/GFLOP \u00d7 " + "GFLOPs " + (f.intercept < 0 ? "\u2212 " : "+ ") +
                      fmt("%.3g", std::fabs(f.intercept)) + " ms, R\u00b2 = " + fmt("%.3f", f.r2) + " (effective " +
                      fmt("%.1f", 1e3 / f.slope) + " GFLOP/s)");
  }
  if (fr.valid) {
    *ref_out = fr;
    c.notes.push_back("networks at " + ref_batch_text(st) + " only: R\u00b2 = " + fmt("%.3f", fr.r2) + " over " +
                      std::to_string(fr.points) + " networks");
  }
  p.figure("fig-ops-time-network", kTitleOpsTimeNet, render(c), false,
           "Each point is one network at one batch size. The dashed line is the least-squares fit of time against "
           "operations over every point.");
}

void figure_ops_time_layer(Page& p, const Study& st, LayerFitSummary* out) {
  XYChart c;
  c.title = kTitleOpsTimeLayer;
  c.x.title = "layer operations (MFLOPs)";
  c.y.title = "layer time (ms, median, synchronised)";
  c.x.log = c.y.log = true;
  std::vector<double> x, y;
  int zero = 0;
  for (const Model& m : st.models) {
    if (!m.per_layer) continue;
    const json& r = *m.per_layer->record;
    Series s;
    s.name = m.key + " (batch " + std::to_string(m.per_layer->batch) + ")";
    s.color = m.color;
    s.marker_radius = 3;
    for (const json& l : r["per_layer"]["layers"]) {
      const double f = num_at(l, {"flops"}), ms = num_at(l, {"median_ms"});
      if (!std::isfinite(f) || !std::isfinite(ms)) continue;
      x.push_back(f / 1e6);
      y.push_back(ms);
      if (f <= 0) {
        ++zero;
        continue;
      }
      s.points.push_back({f / 1e6, ms, 0, "",
                          m.key + " " + str_at(l, {"name"}) + " (" + str_at(l, {"op"}) + "): " + fmt("%.3g", f / 1e6) +
                              " MFLOPs, " + fmt("%.3g", ms) + " ms"});
    }
    c.series.push_back(s);
    const double r2 = num_at(r, {"fit_time_vs_flops", "overall", "r2"});
    if (std::isfinite(r2)) out->per_model_r2.push_back({m.key, r2});
  }
  if (c.series.empty()) {
    return p.missing_figure("fig-ops-time-layer", kTitleOpsTimeLayer,
                            "no per-layer pass in these records (run dnncost profile with --per-layer or --trace)");
  }
  const LinearFit f = fit_linear(x, y);
  if (f.valid) {
    out->pooled = f;
    double lo = INFINITY, hi = 0;
    for (double v : x)
      if (v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    Series fs;
    fs.name = "linear fit: R\u00b2 " + fmt("%.3f", f.r2);
    fs.color = "#444";
    fs.markers = false;
    fs.line = fs.dashed = true;
    for (int i = 0; i <= 60 && std::isfinite(lo) && hi > 0; ++i) {
      const double v = lo * std::pow(hi / lo, i / 60.0);
      const double t = f.intercept + f.slope * v;
      if (t > 0) fs.points.push_back({v, t});
    }
    c.series.push_back(fs);
    c.notes.push_back("all " + std::to_string(f.points) + " layers pooled: time = " + fmt("%.3g", f.slope * 1e3) +
                      " ms/GFLOP \u00d7 FLOPs " + (f.intercept < 0 ? "\u2212 " : "+ ") +
                      fmt("%.3g", std::fabs(f.intercept)) + " ms, R\u00b2 = " + fmt("%.3f", f.r2));
  }
  if (zero) {
    c.notes.push_back(std::to_string(zero) + " layers with 0 FLOPs (data movement) are in the fit but not drawn");
  }
  p.figure("fig-ops-time-layer", kTitleOpsTimeLayer, render(c), false,
           "Each point is one layer, timed in the separate per-layer pass (each layer synchronised). The fit is "
           "linear (drawn as a curve on these log axes).");
}

void figure_top1_speed(Page& p, const ReportInputs& in, const Study& st, std::optional<LinearFit>* fit_out,
                       std::optional<LinearFit>* study_fit_out) {
  XYChart c;
  c.title = kTitleTop1Speed;
  c.x.title = "images per second (" +
              (st.ref_batch ? "batch " + std::to_string(st.ref_batch) : std::string("largest batch")) + ")";
  c.y.title = "top-1 accuracy (%)";
  c.x.log = true;
  std::vector<double> x, y, sx, sy;
  for (const Model& m : st.models) {
    const Config* r = at_ref(st, m);
    if (!m.accuracy || !r) continue;
    if (m.in_study) {
      sx.push_back(r->images_per_s);
      sy.push_back(m.accuracy->top1);
    }
    Series s;
    s.name = m.key;
    s.color = m.color;
    s.labels = true;
    s.marker_radius = 5;
    s.points.push_back(
        {r->images_per_s, m.accuracy->top1, 0, m.key,
         m.key + ": " + fmt("%.3g", r->images_per_s) + " images/s, top-1 " + fmt("%.1f", m.accuracy->top1) + " %"});
    c.series.push_back(s);
    x.push_back(r->images_per_s);
    y.push_back(m.accuracy->top1);
  }
  if (c.series.empty()) return p.missing_figure("fig-top1-speed", kTitleTop1Speed, no_accuracy_reason(in));
  const LinearFit f = fit_hyperbolic(x, y);
  if (f.valid) {
    *fit_out = f;
    const double lo = *std::min_element(x.begin(), x.end()) / 1.15, hi = *std::max_element(x.begin(), x.end()) * 1.15;
    Series fs;
    fs.name = "top-1 = a + b / (images/s)";
    fs.color = "#444";
    fs.markers = false;
    fs.line = fs.dashed = true;
    for (int i = 0; i <= 60; ++i) {
      const double v = lo * std::pow(hi / lo, i / 60.0);
      fs.points.push_back({v, f.intercept + f.slope / v});
    }
    c.series.push_back(fs);
    c.notes.push_back("hyperbolic fit: top-1 = " + fmt("%.2f", f.intercept) + " % + " + fmt("%.4g", f.slope) +
                      " / (images/s), R\u00b2 = " + fmt("%.3f", f.r2) + " over " + std::to_string(f.points) +
                      " networks");
  } else {
    c.notes.push_back("no fit: fewer than two networks with accuracy and speed");
  }
  const LinearFit fs = fit_hyperbolic(sx, sy);
  if (fs.valid && fs.points >= 3 && fs.points < static_cast<int>(x.size())) {
    *study_fit_out = fs;
    c.notes.push_back("the study's own networks only: top-1 = " + fmt("%.2f", fs.intercept) + " % + " +
                      fmt("%.4g", fs.slope) + " / (images/s), R\u00b2 = " + fmt("%.3f", fs.r2) + " over " +
                      std::to_string(fs.points));
  }
  if (!st.any_power) {
    c.notes.push_back("energy iso-lines need power: no power data in these records");
  } else {
    // Iso-energy lines at the mean power of these configurations: energy per image = power / (images per second).
    double sum = 0;
    int n = 0;
    for (const Model& m : st.models)
      if (const Config* r = at_ref(st, m); r && m.accuracy && std::isfinite(r->power_w)) {
        sum += r->power_w;
        ++n;
      }
    if (n > 0) {
      const double watts = sum / n;
      const double lo = *std::min_element(x.begin(), x.end()), hi = *std::max_element(x.begin(), x.end());
      const double ylo = *std::min_element(y.begin(), y.end()) - 1, yhi = *std::max_element(y.begin(), y.end()) + 1;
      for (int k = -6; k <= 6; ++k) {
        for (double mult : {1.0, 10.0 / 3}) {
          const double joules = mult * std::pow(10.0, k);
          const double ips = watts / joules;
          if (ips < lo / 1.2 || ips > hi * 1.2) continue;
          Series iso;
          iso.color = "#9a9a9a";
          iso.markers = false;
          iso.line = iso.dashed = true;
          iso.labels = true;
          iso.points = {{ips, ylo}, {ips, yhi, 0, compact_number(joules) + " J/image"}};
          c.series.push_back(iso);
        }
      }
      c.notes.push_back("grey dashed: iso-energy lines, energy per image = " + fmt("%.1f", watts) +
                        " W (mean power) / (images/s)");
    }
  }
  p.figure("fig-top1-speed", kTitleTop1Speed, render(c), false,
           "Speed at " + esc(ref_batch_text(st)) +
               ". The fit is least squares of top-1 against 1 / (images per second), i.e. linear in the time per "
               "image; its asymptote a is the accuracy of an infinitely fast network of this family.");
}

void figure_density(Page& p, const ReportInputs& in, const Study& st) {
  std::vector<std::pair<double, std::string>> rows;
  for (const Model& m : st.models)
    if (m.accuracy && m.params > 0) rows.push_back({m.accuracy->top1 / (m.params / 1e6), m.key});
  if (rows.empty()) return p.missing_figure("fig-density", kTitleDensity, no_accuracy_reason(in));
  std::sort(rows.rbegin(), rows.rend());
  BarChart c;
  c.title = kTitleDensity;
  c.horizontal = true;
  c.value_axis.title = "top-1 accuracy per million parameters (% / M)";
  c.value_format = "%.3g";
  BarSeries s{"accuracy density", {}, "#0072B2"};
  for (const auto& r : rows) {
    c.categories.push_back(r.second);
    s.values.push_back(r.first);
  }
  c.series = {s};
  p.figure("fig-density", kTitleDensity, render(c), false,
           "Top-1 (%) divided by the trainable parameters (millions): how well a network uses its parameters.");
}

}  // namespace

// The section of the study's figures, in the order of study_figure_titles(); returns the fits the findings quote.
StudyFits study_figures(Page& p, const ReportInputs& in, const Study& st) {
  StudyFits fits;
  p.html << "<section id=\"study\"><h2>The study's figures</h2>\n";
  figure_top1(p, in, st);
  figure_top1_ops(p, in, st);
  figure_time_batch(p, st);
  figure_power_batch(p, st);
  figure_memory_batch(p, st);
  figure_memory_params(p, st);
  figure_ops_time_network(p, st, &fits.net_all, &fits.net_ref);
  figure_ops_time_layer(p, st, &fits.layer);
  figure_top1_speed(p, in, st, &fits.hyper, &fits.hyper_study);
  figure_density(p, in, st);
  p.html << "</section>\n";
  return fits;
}

}  // namespace detail

const std::vector<std::string>& study_figure_titles() {
  static const std::vector<std::string> kTitles = {
      detail::kTitleTop1,        detail::kTitleTop1Ops,      detail::kTitleTimeBatch,  detail::kTitlePowerBatch,
      detail::kTitleMemoryBatch, detail::kTitleMemoryParams, detail::kTitleOpsTimeNet, detail::kTitleOpsTimeLayer,
      detail::kTitleTop1Speed,   detail::kTitleDensity};
  return kTitles;
}

}  // namespace dnncost::report
