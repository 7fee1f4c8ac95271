// The per-network sections of the report: each network's measurements per batch size, its per-layer breakdown
// (the slowest layers' shares of time, MACs and memory) and its roofline against the device's measured peaks.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "report/report_parts.h"

namespace dnncost::report::detail {
namespace {

// A layer name short enough for a chart label: its last `n` characters (the informative end of torch's paths).
std::string short_name(const std::string& s, size_t n = 30) {
  if (s.size() <= n) return s;
  size_t start = s.size() - (n - 1);
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;  // UTF-8 boundary
  return "\u2026" + s.substr(start);
}

// A layer's name for a chart: torch's path without the trailing op ("/layer4/layer4.1/conv1/Conv" ->
// "layer4/layer4.1/conv1"); when long, its first part and as many last parts as fit ("inception3b/…/conv").
std::string layer_label(const std::string& name, const std::string& op, size_t n = 32) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(name);
  while (std::getline(in, part, '/'))
    if (!part.empty()) parts.push_back(part);
  if (parts.size() > 1 && parts.back() == op) parts.pop_back();
  if (parts.empty()) return name.empty() ? op : short_name(name, n);
  std::string joined;
  for (const auto& p : parts) joined += (joined.empty() ? "" : "/") + p;
  if (joined.size() <= n) return joined;
  std::string tail;
  for (size_t i = parts.size(); i-- > 1;) {
    const std::string candidate = parts[i] + (tail.empty() ? "" : "/" + tail);
    if (parts[0].size() + 3 + candidate.size() > n) break;
    tail = candidate;
  }
  return tail.empty() ? short_name(joined, n) : parts[0] + "/\u2026/" + tail;
}

const char* const kNoPerLayer = "no per-layer pass for this network (profile with --per-layer or --trace)";

// The per-layer breakdown: the 12 slowest layers' shares of the network's time, MACs and memory, and the rest.
void figure_layers(Page& p, const Model& m) {
  const std::string title = "Per-layer breakdown: " + m.key;
  if (!m.per_layer) return p.missing_figure("fig-layers-" + html_id(m.key), title, kNoPerLayer);
  const json& r = *m.per_layer->record;
  const json& layers = r["per_layer"]["layers"];
  double total_ms = 0, total_macs = 0, total_mem = 0;
  for (const json& l : layers) {
    total_ms += std::max(0.0, num_at(l, {"median_ms"}));
    total_macs += std::max(0.0, num_at(l, {"macs"}));
    const double mem = num_at(l, {"weight_bytes"}) + num_at(l, {"activation_bytes"});
    if (std::isfinite(mem)) total_mem += mem;
  }
  std::vector<const json*> order;
  for (const json& l : layers) order.push_back(&l);
  std::stable_sort(order.begin(), order.end(),
                   [](const json* a, const json* b) { return num_at(*a, {"median_ms"}) > num_at(*b, {"median_ms"}); });
  const size_t shown = std::min<size_t>(order.size(), 12);
  BarChart c;
  c.title = title;
  c.horizontal = true;
  c.value_axis.title = "share of the network (%)";
  c.value_format = "%.1f";
  BarSeries time{"time", {}, "#D55E00"}, macs{"MACs", {}, "#0072B2"}, mem{"memory (weights + output)", {}, "#009E73"};
  auto share = [](double v, double t) { return t > 0 && std::isfinite(v) ? 100.0 * v / t : NAN; };
  double rest_ms = 0, rest_macs = 0, rest_mem = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const json& l = *order[i];
    const double lm = num_at(l, {"weight_bytes"}) + num_at(l, {"activation_bytes"});
    if (i < shown) {
      c.categories.push_back(layer_label(str_at(l, {"name"}), str_at(l, {"op"})) + " (" + str_at(l, {"op"}) + ")");
      time.values.push_back(share(num_at(l, {"median_ms"}), total_ms));
      macs.values.push_back(share(num_at(l, {"macs"}), total_macs));
      mem.values.push_back(share(lm, total_mem));
    } else {
      rest_ms += num_at(l, {"median_ms"});
      rest_macs += num_at(l, {"macs"});
      if (std::isfinite(lm)) rest_mem += lm;
    }
  }
  if (order.size() > shown) {
    c.categories.push_back("the other " + std::to_string(order.size() - shown) + " layers");
    time.values.push_back(share(rest_ms, total_ms));
    macs.values.push_back(share(rest_macs, total_macs));
    mem.values.push_back(share(rest_mem, total_mem));
  }
  c.series = {time, macs};
  if (total_mem > 0)
    c.series.push_back(mem);
  else
    c.notes.push_back(
        "memory shares need per-layer weight and activation bytes (records before they existed lack them)");
  p.figure("fig-layers-" + html_id(m.key), title, render(c), false,
           "The " + std::to_string(shown) + " slowest of " + std::to_string(order.size()) + " layers at batch " +
               std::to_string(m.per_layer->batch) + " (per-layer pass: layer sum " +
               fmt("%.3f", num_at(r, {"per_layer", "layer_sum_ms"})) + " ms vs " +
               fmt("%.3f", num_at(r, {"per_layer", "network_median_ms"})) +
               " ms for the whole network). Memory: the layer's weights and output activations.");
}

// The roofline: each layer's FLOPs per byte against the FLOP rate it achieved, under the device's measured peaks.
void figure_roofline(Page& p, const Study& st, const Model& m) {
  const std::string title = "Roofline: " + m.key;
  if (!m.per_layer) return p.missing_figure("fig-roofline-" + html_id(m.key), title, kNoPerLayer);
  const json& layers = (*m.per_layer->record)["per_layer"]["layers"];
  XYChart rc;
  rc.title = title;
  rc.x.title = "arithmetic intensity (FLOPs per byte read or written)";
  rc.y.title = "achieved GFLOP/s";
  rc.x.log = rc.y.log = true;
  std::map<std::string, Series> by_op;
  int skipped = 0;
  double lo = INFINITY, hi = 0;
  for (const json& l : layers) {
    const double f = num_at(l, {"flops"}), b = num_at(l, {"bytes"}), g = num_at(l, {"gflops"});
    if (!(f > 0) || !(b > 0) || !(g > 0)) {
      ++skipped;
      continue;
    }
    const std::string op = str_at(l, {"op"});
    Series& s = by_op[op];
    s.name = op;
    s.marker_radius = 4;
    s.points.push_back(
        {f / b, g, 0, "",
         str_at(l, {"name"}) + " (" + op + "): " + fmt("%.3g", f / b) + " FLOPs/byte, " + fmt("%.3g", g) + " GFLOP/s"});
    lo = std::min(lo, f / b);
    hi = std::max(hi, f / b);
  }
  for (auto& kv : by_op) rc.series.push_back(kv.second);
  for (size_t i = 0; i < rc.series.size(); ++i) rc.series[i].color = palette_color(i);
  const double peak = num_at(st.peaks, {"gflops"}), bw = num_at(st.peaks, {"gbs"});
  if (rc.series.empty()) {
    return p.missing_figure("fig-roofline-" + html_id(m.key), title, "no layer with both FLOPs and a measured time");
  }
  if (peak > 0 && bw > 0) {
    const double ridge = peak / bw;
    const double x0 = std::min(lo, ridge) / 2, x1 = std::max(hi, ridge) * 2;
    Series roof;
    roof.name = "roof: measured peaks";
    roof.color = "#222";
    roof.markers = false;
    roof.line = true;
    roof.points = {{x0, x0 * bw}, {ridge, peak}, {x1, peak}};
    rc.series.push_back(roof);
    rc.notes.push_back("roof: " + fmt("%.3g", peak) + " GFLOP/s (" + str_at(st.peaks, {"compute_op"}) + ") and " +
                       fmt("%.3g", bw) + " GB/s (Add) measured on this device; ridge at " + fmt("%.3g", ridge) +
                       " FLOPs/byte");
  } else {
    rc.notes.push_back(
        "no roof: the records carry no measured device peaks (profile ran with --no-peaks or "
        "predates them)");
  }
  if (skipped) rc.notes.push_back(std::to_string(skipped) + " layers without FLOPs are not drawn");
  p.figure("fig-roofline-" + html_id(m.key), title, render(rc), false,
           "Each point is one layer at batch " + std::to_string(m.per_layer->batch) +
               ": its FLOPs over the bytes it reads and writes, against the FLOP rate it achieved in the per-layer "
               "pass. Points far below the roof are neither compute- nor bandwidth-bound on this device. The memory "
               "roof is main-memory bandwidth, so layers whose data stay in the caches can rise above it; a layer "
               "above the compute roof ran a faster kernel than the MatMul and Conv the peaks were measured with (or "
               "the machine was less loaded at that moment).");
}

// One network: its measurements per batch size, its per-layer breakdown and its roofline.
void model_section(Page& p, const Study& st, const Model& m) {
  p.html << "<section class=\"model\" id=\"model-" << html_id(m.key) << "\"><h3 class=\"model-title\">" << esc(m.title)
         << (m.title != m.key ? " (" + esc(m.key) + ")" : "") << "</h3>\n";
  p.html << "<p>" << esc(m.path) << ": " << compact_number(m.params) << " parameters, "
         << fmt("%.3f", m.flops_per_image / 1e9) << " GFLOPs per image";
  if (m.accuracy) {
    p.html << ", top-1 " << fmt("%.1f", m.accuracy->top1) << " % (" << (m.accuracy->measured ? "measured" : "published")
           << ")";
  }
  p.html << ".</p>\n<table><tr><th>batch</th><th>median ms</th><th>p10\u2013p90 ms</th><th>ms / image</th>"
            "<th>images/s</th><th>GFLOP/s</th><th>memory MB</th><th>peak RSS MB</th></tr>";
  for (const auto& bc : m.by_batch) {
    const json& r = *bc.second.record;
    p.html << "<tr><td>" << bc.first << "</td><td>" << fmt("%.3f", bc.second.median_ms) << "</td><td>"
           << fmt("%.3f", num_at(r, {"latency", "p10_ms"})) << "\u2013" << fmt("%.3f", num_at(r, {"latency", "p90_ms"}))
           << "</td><td>" << fmt("%.3f", bc.second.per_image_ms) << "</td><td>" << fmt("%.1f", bc.second.images_per_s)
           << "</td><td>" << fmt("%.2f", num_at(r, {"achieved_gflops"})) << "</td><td>"
           << fmt("%.1f", bc.second.memory / 1e6) << "</td><td>" << fmt("%.1f", num_at(r, {"memory", "peak_rss"}) / 1e6)
           << "</td></tr>";
  }
  p.html << "</table>\n";
  figure_layers(p, m);
  figure_roofline(p, st, m);
  p.html << "</section>\n";
}

}  // namespace

// The section of the per-network breakdowns, one model_section per network.
void network_sections(Page& p, const Study& st) {
  p.html << "<section id=\"models\"><h2>Per network: where the time, the operations and the memory are</h2>\n";
  if (st.models.empty()) p.html << "<p class=\"missing\">No measured profile records: nothing to break down.</p>\n";
  for (const Model& m : st.models) model_section(p, st, m);
  p.html << "</section>\n";
}

}  // namespace dnncost::report::detail
