// The token models' figures: operations (the attention products QK^T and AV apart from the rest, from the records'
// costs.macs_by_role) and measured time against a swept symbolic dimension (profile --dim seq=128,256,...), one
// series per network, on log-log axes where a quadratic term has slope 2 and a linear one slope 1.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "metrics/fit.h"
#include "report/report_parts.h"

namespace dnncost::report {
namespace detail {
namespace {

const char* const kTitleOpsSeq = "Operations vs sequence length: attention products and the rest";
const char* const kTitleTimeSeq = "Time vs sequence length";

// One point: a network's configuration at one value of the swept dimension, per sequence (the batch divided out).
struct SeqPoint {
  double x = NAN;
  int64_t batch = 0;
  double macs = NAN, attention = NAN, ms = NAN;  // MACs, of which attention products (NaN: no macs_by_role); ms
};

// One network (and one binding of its other dimensions): its points in the order of the swept dimension.
struct SeqSeries {
  std::string name, color;  // the network (and its other dimensions): legends and tooltips
  std::string batch;        // "batch 1" (the batch of every point), else "each size's smallest batch"
  std::vector<SeqPoint> points;
};

// MACs of the attention products (QK^T and AV) of a record, NaN when it has no costs.macs_by_role.
double attention_macs(const json& r) {
  const double scores = num_at(r, {"costs", "macs_by_role", "attention_scores"});
  const double context = num_at(r, {"costs", "macs_by_role", "attention_context"});
  return std::isfinite(scores) && std::isfinite(context) ? scores + context : NAN;
}

std::vector<SeqSeries> sequence_series(const Study& st, const std::string& dim) {
  // Networks (and bindings of their other dimensions) -> their configurations that bind `dim`.
  std::vector<std::pair<std::string, std::vector<const Model*>>> groups;
  for (const Model& m : st.models) {
    auto it = m.dims.find(dim);
    if (it == m.dims.end()) continue;
    std::string name = m.network;
    for (const auto& d : m.dims)
      if (d.first != dim) name += " " + d.first + "=" + std::to_string(d.second);
    auto g = groups.begin();
    while (g != groups.end() && g->first != name) ++g;
    if (g == groups.end()) g = groups.insert(groups.end(), {name, {}});
    g->second.push_back(&m);
  }
  std::vector<SeqSeries> out;
  for (const auto& g : groups) {
    if (g.second.size() < 2) continue;
    // The smallest batch measured at every size, else each configuration's smallest.
    std::set<int64_t> common;
    for (const auto& bc : g.second.front()->by_batch) common.insert(bc.first);
    for (const Model* m : g.second) {
      std::set<int64_t> next;
      for (int64_t b : common)
        if (m->by_batch.count(b)) next.insert(b);
      common = next;
    }
    SeqSeries s;
    s.color = g.second.front()->color;
    for (const Model* m : g.second) {
      const Config& cf = common.empty() ? m->by_batch.begin()->second : m->by_batch.at(*common.begin());
      SeqPoint pt;
      pt.x = static_cast<double>(m->dims.at(dim));
      pt.batch = cf.batch;
      const double b = static_cast<double>(cf.batch);
      pt.macs = cf.macs / b;
      pt.attention = attention_macs(*cf.record) / b;
      pt.ms = cf.per_image_ms;
      s.points.push_back(pt);
    }
    std::sort(s.points.begin(), s.points.end(), [](const SeqPoint& a, const SeqPoint& b) { return a.x < b.x; });
    s.name = g.first;
    s.batch = common.empty() ? "each size's smallest batch" : "batch " + std::to_string(*common.begin());
    out.push_back(s);
  }
  return out;
}

// The slope of log(y) against log(x): the exponent k of y ∝ x^k over the points with positive values.
std::optional<double> exponent(const std::vector<SeqPoint>& pts, double SeqPoint::*field) {
  std::vector<double> lx, ly;
  for (const SeqPoint& p : pts) {
    const double y = p.*field;
    if (p.x > 0 && std::isfinite(y) && y > 0) {
      lx.push_back(std::log(p.x));
      ly.push_back(std::log(y));
    }
  }
  const LinearFit f = fit_linear(lx, ly);
  if (!f.valid) return std::nullopt;
  return f.slope;
}

std::string point_text(const std::string& dim, const SeqPoint& p) {
  return dim + "=" + fmt("%.0f", p.x) + " (batch " + std::to_string(p.batch) + ")";
}

std::vector<double> x_ticks(const std::vector<SeqSeries>& series) {
  std::set<double> xs;
  for (const SeqSeries& s : series)
    for (const SeqPoint& p : s.points) xs.insert(p.x);
  return std::vector<double>(xs.begin(), xs.end());
}

void figure_ops_seq(Page& p, const std::string& dim, const std::vector<SeqSeries>& series) {
  XYChart c;
  c.title = kTitleOpsSeq;
  c.x.title = dim + " (symbolic dimension, log scale)";
  c.y.title = "MACs per sequence (log scale)";
  c.x.log = c.y.log = true;
  c.x.ticks = x_ticks(series);
  for (const SeqSeries& s : series) {
    Series att, rest, total;
    att.name = s.name + ": QK\u1d40 + AV";
    rest.name = s.name + ": the rest";
    total.name = s.name + ": all MACs";
    att.color = rest.color = total.color = s.color;
    att.line = rest.line = total.line = true;
    att.dashed = true;
    bool split = true;
    for (const SeqPoint& pt : s.points) split = split && std::isfinite(pt.attention);
    for (const SeqPoint& pt : s.points) {
      const std::string at = s.name + " " + point_text(dim, pt) + ": ";
      if (split) {
        att.points.push_back({pt.x, pt.attention, 0, "",
                              at + compact_number(pt.attention) + " MACs in QK\u1d40 and AV (" +
                                  fmt("%.1f", 100.0 * pt.attention / pt.macs) + " % of " + compact_number(pt.macs) +
                                  ")"});
        rest.points.push_back({pt.x, pt.macs - pt.attention, 0, "",
                               at + compact_number(pt.macs - pt.attention) + " MACs outside the attention products"});
      } else {
        total.points.push_back({pt.x, pt.macs, 0, "", at + compact_number(pt.macs) + " MACs"});
      }
    }
    if (split) {
      c.series.push_back(rest);
      c.series.push_back(att);
      const auto ka = exponent(s.points, &SeqPoint::attention);
      std::vector<SeqPoint> rest_pts = s.points;
      for (SeqPoint& pt : rest_pts) pt.macs -= pt.attention;
      const auto kr = exponent(rest_pts, &SeqPoint::macs);
      const SeqPoint& last = s.points.back();
      std::string note = s.name + " (" + s.batch + "): attention MACs \u221d " + dim + "^" +
                         (ka ? fmt("%.2f", *ka) : "n/a") + ", the rest \u221d " + dim + "^" +
                         (kr ? fmt("%.2f", *kr) : "n/a") + "; attention " +
                         fmt("%.1f", last.macs > 0 ? 100.0 * last.attention / last.macs : NAN) + " % of the MACs at " +
                         dim + "=" + fmt("%.0f", last.x);
      c.notes.push_back(note);
    } else {
      c.series.push_back(total);
      c.notes.push_back(s.name + " (" + s.batch + ")" +
                        ": its records have no costs.macs_by_role (written before dnncost summed MACs by "
                        "role), so only its total is drawn");
    }
  }
  p.figure("fig-ops-seq", kTitleOpsSeq, render(c), false,
           "Exact MACs per sequence from the plan of each configuration (the record's costs.macs divided by its "
           "batch). Dashed (QK\u1d40 + AV): the attention products, the MatMuls of two run-time operands that compute "
           "the scores "
           "QK\u1d40 and the context AV (costs.macs_by_role.attention_scores + attention_context); solid: everything "
           "else (projections and MLP, convolutions, other products). On these log-log axes a term that grows as the "
           "square of the sequence length has slope 2 and a linear one slope 1; the notes give each fitted slope.");
}

void figure_time_seq(Page& p, const std::string& dim, const std::vector<SeqSeries>& series) {
  XYChart c;
  c.title = kTitleTimeSeq;
  c.x.title = dim + " (symbolic dimension, log scale)";
  c.y.title = "time per sequence (ms, median / batch, log scale)";
  c.x.log = c.y.log = true;
  c.x.ticks = x_ticks(series);
  for (const SeqSeries& s : series) {
    Series t;
    t.name = s.name;
    t.color = s.color;
    t.line = true;
    for (const SeqPoint& pt : s.points)
      t.points.push_back({pt.x, pt.ms, 0, "", s.name + " " + point_text(dim, pt) + ": " + fmt("%.3f", pt.ms) + " ms"});
    c.series.push_back(t);
    const auto k = exponent(s.points, &SeqPoint::ms);
    const auto km = exponent(s.points, &SeqPoint::macs);
    c.notes.push_back(s.name + " (" + s.batch + "): time \u221d " + dim + "^" + (k ? fmt("%.2f", *k) : "n/a") +
                      " (MACs \u221d " + dim + "^" + (km ? fmt("%.2f", *km) : "n/a") + ")");
  }
  p.figure("fig-time-seq", kTitleTimeSeq, render(c), false,
           "Whole-network latency (median of the timed runs, no per-layer synchronisation) divided by the batch "
           "size, at each size of the swept dimension. The notes compare the fitted log-log slope of the time with "
           "that of the MACs.");
}

}  // namespace

std::string swept_dim(const Study& st) {
  std::map<std::string, std::map<std::string, std::set<int64_t>>> values;  // dim -> network -> sizes
  for (const Model& m : st.models)
    for (const auto& d : m.dims) values[d.first][m.network].insert(d.second);
  std::string best;
  size_t best_count = 0;
  for (const auto& dv : values) {
    size_t n = 0;
    for (const auto& nv : dv.second) n += nv.second.size() >= 2;
    if (n > best_count) {
      best = dv.first;
      best_count = n;
    }
  }
  // Other dimensions bound differently at every size leave no series of two points.
  return best.empty() || sequence_series(st, best).empty() ? "" : best;
}

bool sequence_figures(Page& p, const Study& st) {
  const std::string dim = swept_dim(st);
  if (dim.empty()) return false;
  const std::vector<SeqSeries> series = sequence_series(st, dim);
  p.html << "<section id=\"sequence\"><h2>Token models: cost and time vs sequence length</h2>\n<p>Networks measured at "
            "several sizes of the symbolic dimension <b>"
         << esc(dim) << "</b> (dnncost profile --dim " << esc(dim)
         << "=...), each series at the smallest batch measured at every size. Each size is also its own "
            "configuration in the study's figures and in the per-network sections.</p>\n";
  figure_ops_seq(p, dim, series);
  figure_time_seq(p, dim, series);
  p.html << "</section>\n";
  return true;
}

}  // namespace detail

const std::vector<std::string>& sequence_figure_titles() {
  static const std::vector<std::string> kTitles = {detail::kTitleOpsSeq, detail::kTitleTimeSeq};
  return kTitles;
}

}  // namespace dnncost::report
