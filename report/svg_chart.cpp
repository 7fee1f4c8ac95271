// SVG rendering of scatter/line and bar charts: scales, ticks, axes, legend, markers.
#include "report/svg_chart.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace dnncost::report {
namespace {

constexpr int kFontSize = 12;
constexpr double kMaxBubbleRadius = 26;
const char* const kFont = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\"";

std::atomic<int> g_clip_ids{0};

std::string num(double v) {  // coordinates
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::isfinite(v) ? v : 0.0);
  return buf;
}

// At most n bytes of s, cut at a UTF-8 character boundary, with an ellipsis when cut.
std::string truncate(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t end = n - 1;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "\u2026";
}

// One axis mapped onto [p0, p1] in pixels.
struct Scale {
  bool log = false;
  double lo = 0, hi = 1;  // data units (log: the values themselves, > 0)
  double p0 = 0, p1 = 1;  // pixels
  std::vector<double> ticks;

  double t(double v) const { return log ? std::log10(v) : v; }
  double px(double v) const {
    const double a = t(lo), b = t(hi);
    return p0 + (t(v) - a) / (b - a) * (p1 - p0);
  }
  bool contains(double v) const { return std::isfinite(v) && (!log || v > 0); }
};

double nice_step(double raw) {
  const double e = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}

// Range and ticks from the data values (finite; > 0 for log) and the axis' settings.
Scale make_scale_auto(const Axis& axis, std::vector<double> values, double p0, double p1) {
  Scale s;
  s.log = axis.log;
  s.p0 = p0;
  s.p1 = p1;
  values.erase(std::remove_if(values.begin(), values.end(), [&](double v) { return !s.contains(v); }), values.end());
  double lo = values.empty() ? (s.log ? 1 : 0) : *std::min_element(values.begin(), values.end());
  double hi = values.empty() ? (s.log ? 10 : 1) : *std::max_element(values.begin(), values.end());
  if (axis.min && s.contains(*axis.min)) lo = *axis.min;
  if (axis.max && s.contains(*axis.max)) hi = *axis.max;
  if (!s.log) {
    if (axis.include_zero) {
      lo = std::min(lo, 0.0);
      hi = std::max(hi, 0.0);
    }
    if (hi - lo <= 0) {
      const double d = lo == 0 ? 1 : std::fabs(lo) * 0.1;
      lo -= d;
      hi += d;
    }
    const double step = nice_step((hi - lo) / 5);
    if (!axis.min) lo = std::floor(lo / step + 1e-9) * step;
    if (!axis.max) hi = std::ceil(hi / step - 1e-9) * step;
    if (hi <= lo) hi = lo + step;
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-6; v += step) {
      s.ticks.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    }
    s.lo = lo;
    s.hi = hi;
    return s;
  }
  double a = std::log10(lo), b = std::log10(hi);
  if (b - a < 0.3) {
    const double mid = (a + b) / 2;
    a = mid - 0.15;
    b = mid + 0.15;
  }
  const double pad = 0.06 * (b - a);
  if (!axis.min) a -= pad;
  if (!axis.max) b += pad;
  s.lo = std::pow(10.0, a);
  s.hi = std::pow(10.0, b);
  const double span = b - a;
  std::vector<double> mults = span > 3.5   ? std::vector<double>{1}
                              : span > 1.2 ? std::vector<double>{1, 2, 5}
                                           : std::vector<double>{1, 2, 3, 5, 7};
  const int stride = span > 9 ? 2 : 1;
  for (int k = static_cast<int>(std::floor(a)); k <= static_cast<int>(std::ceil(b)); ++k) {
    if (stride > 1 && k % stride != 0) continue;
    for (double m : mults) {
      const double v = m * std::pow(10.0, k);
      if (v >= s.lo * (1 - 1e-9) && v <= s.hi * (1 + 1e-9)) s.ticks.push_back(v);
    }
  }
  if (s.ticks.size() < 2) {  // a narrow range: ticks at both ends
    s.ticks = {s.lo, s.hi};
  }
  return s;
}

Scale make_scale(const Axis& axis, const std::vector<double>& values, double p0, double p1) {
  Scale s = make_scale_auto(axis, values, p0, p1);
  if (axis.ticks.empty()) return s;
  std::vector<double> ticks;
  for (double v : axis.ticks)
    if (s.contains(v) && v >= s.lo * (1 - 1e-9) && v <= s.hi * (1 + 1e-9)) ticks.push_back(v);
  if (ticks.size() >= 2) s.ticks = ticks;
  return s;
}

std::string svg_open(int w, int h, const std::string& title) {
  std::ostringstream o;
  o << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\" aria-label=\"" << xml_escape(title) << "\" " << kFont
    << " font-size=\"" << kFontSize << "\">";
  o << "<title>" << xml_escape(title) << "</title>";
  o << "<rect x=\"0\" y=\"0\" width=\"" << w << "\" height=\"" << h << "\" fill=\"#fff\"/>";
  return o.str();
}

std::string text(double x, double y, const std::string& s, const std::string& anchor = "start",
                 const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" +
         (extra.empty() ? "" : " " + extra) + ">" + xml_escape(s) + "</text>";
}

// Grid, ticks and tick labels of a horizontal (x) scale at pixel row `base` spanning rows [top, base].
void draw_x_axis(std::ostringstream& o, const Scale& s, double top, double base, const std::string& title) {
  for (double v : s.ticks) {
    const double p = s.px(v);
    o << "<line x1=\"" << num(p) << "\" y1=\"" << num(top) << "\" x2=\"" << num(p) << "\" y2=\"" << num(base)
      << "\" stroke=\"#e4e4e4\"/>";
    o << "<line x1=\"" << num(p) << "\" y1=\"" << num(base) << "\" x2=\"" << num(p) << "\" y2=\"" << num(base + 5)
      << "\" stroke=\"#444\"/>";
    o << text(p, base + 18, compact_number(v), "middle", "fill=\"#333\"");
  }
  o << "<line x1=\"" << num(s.p0) << "\" y1=\"" << num(base) << "\" x2=\"" << num(s.p1) << "\" y2=\"" << num(base)
    << "\" stroke=\"#444\"/>";
  o << text((s.p0 + s.p1) / 2, base + 40, title, "middle", "font-weight=\"600\" fill=\"#222\"");
}

void draw_y_axis(std::ostringstream& o, const Scale& s, double left, double right, const std::string& title) {
  for (double v : s.ticks) {
    const double p = s.px(v);
    o << "<line x1=\"" << num(left) << "\" y1=\"" << num(p) << "\" x2=\"" << num(right) << "\" y2=\"" << num(p)
      << "\" stroke=\"#e4e4e4\"/>";
    o << "<line x1=\"" << num(left - 5) << "\" y1=\"" << num(p) << "\" x2=\"" << num(left) << "\" y2=\"" << num(p)
      << "\" stroke=\"#444\"/>";
    o << text(left - 8, p + 4, compact_number(v), "end", "fill=\"#333\"");
  }
  o << "<line x1=\"" << num(left) << "\" y1=\"" << num(s.p0) << "\" x2=\"" << num(left) << "\" y2=\"" << num(s.p1)
    << "\" stroke=\"#444\"/>";
  const double cy = (s.p0 + s.p1) / 2;
  o << "<text x=\"" << num(16) << "\" y=\"" << num(cy) << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
    << num(cy) << ")\" font-weight=\"600\" fill=\"#222\">" << xml_escape(title) << "</text>";
}

struct LegendEntry {
  std::string name, color;
  bool marker = true, line = false, dashed = false;
};

void draw_legend(std::ostringstream& o, const std::vector<LegendEntry>& entries, double x, double y, double max_y) {
  double row = y;
  for (const LegendEntry& e : entries) {
    if (row > max_y) {
      o << text(x, row, "\u2026 (more)", "start", "fill=\"#666\"");
      break;
    }
    if (e.line) {
      o << "<line x1=\"" << num(x) << "\" y1=\"" << num(row - 4) << "\" x2=\"" << num(x + 18) << "\" y2=\""
        << num(row - 4) << "\" stroke=\"" << e.color << "\" stroke-width=\"2\""
        << (e.dashed ? " stroke-dasharray=\"5 3\"" : "") << "/>";
    }
    if (e.marker) {
      o << "<circle cx=\"" << num(x + 9) << "\" cy=\"" << num(row - 4) << "\" r=\"4.5\" fill=\"" << e.color
        << "\" fill-opacity=\"0.8\" stroke=\"" << e.color << "\"/>";
    }
    o << text(x + 24, row, truncate(e.name, 32), "start", "fill=\"#222\"");
    row += 18;
  }
}

}  // namespace

std::string palette_color(size_t i) {
  // Okabe-Ito first (distinct under common colour-vision deficiencies), then Tableau-20-like hues: 20 colours.
  static const char* const kColors[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C564B",
                                        "#7F7F7F", "#BCBD22", "#17BECF", "#1F3A93", "#F0A0A0", "#2CA02C", "#9467BD",
                                        "#A0522D", "#000000", "#FFBB78", "#98DF8A", "#C5B0D5", "#B22222"};
  return kColors[i % (sizeof kColors / sizeof kColors[0])];
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string format_number(const char* fmt, double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string compact_number(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 1e4) {
    static const struct {
      double scale;
      const char* suffix;
    } kUnits[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& u : kUnits) {
      if (a >= u.scale) {
        const double s = v / u.scale;
        return format_number(std::fabs(s) >= 100 ? "%.0f" : "%.3g", s) + u.suffix;
      }
    }
  }
  if (a >= 100) return format_number("%.0f", v);
  return format_number("%.3g", v);
}

std::string render_missing(const std::string& title, const std::string& reason, int width, int height) {
  std::ostringstream o;
  o << svg_open(width, height, title + ": no data");
  o << "<rect x=\"1\" y=\"1\" width=\"" << width - 2 << "\" height=\"" << height - 2
    << "\" fill=\"#fafafa\" stroke=\"#bbb\" stroke-dasharray=\"6 4\"/>";
  o << text(width / 2.0, height / 2.0 - 8, "No data for this figure", "middle", "font-weight=\"600\" fill=\"#555\"");
  // Wrap the reason at ~95 characters per line.
  std::vector<std::string> lines;
  std::string line, word;
  std::istringstream words(reason);
  while (words >> word) {
    if (!line.empty() && line.size() + word.size() + 1 > 95) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  for (size_t i = 0; i < lines.size(); ++i) {
    o << text(width / 2.0, height / 2.0 + 14 + 16 * static_cast<double>(i), lines[i], "middle", "fill=\"#555\"");
  }
  o << "</svg>";
  return o.str();
}

std::string render(const XYChart& c) {
  std::vector<double> xs, ys;
  size_t dropped = 0;
  for (const Series& s : c.series) {
    for (const Point& p : s.points) {
      const bool ok = std::isfinite(p.x) && std::isfinite(p.y) && (!c.x.log || p.x > 0) && (!c.y.log || p.y > 0);
      if (!ok) {
        ++dropped;
        continue;
      }
      xs.push_back(p.x);
      ys.push_back(p.y);
    }
  }
  if (xs.empty()) return render_missing(c.title, "none of the values can be drawn on these axes", c.width, 200);

  std::vector<LegendEntry> legend;
  std::vector<std::string> colors;
  size_t next_color = 0;
  for (const Series& s : c.series) {
    colors.push_back(s.color.empty() ? palette_color(next_color++) : s.color);
    if (c.legend && !s.name.empty()) legend.push_back({s.name, colors.back(), s.markers, s.line, s.dashed});
  }
  std::vector<std::string> notes = c.notes;
  if (dropped) {
    notes.push_back(std::to_string(dropped) + " point(s) not drawn (zero, negative or not a number on a log axis)");
  }
  const double left = 74, bottom = 52, right = legend.empty() ? 24 : 240;
  const double top = 14 + 16 * static_cast<double>(notes.size());
  const int height = std::max(c.height, static_cast<int>(top + 30 + 18 * static_cast<double>(legend.size())));
  const double x0 = left, x1 = c.width - right, y0 = top, y1 = height - bottom;
  const Scale sx = make_scale(c.x, xs, x0, x1);
  const Scale sy = make_scale(c.y, ys, y1, y0);

  double max_size = 0;
  for (const Series& s : c.series)
    if (s.bubbles)
      for (const Point& p : s.points)
        if (std::isfinite(p.size)) max_size = std::max(max_size, p.size);

  std::ostringstream o;
  o << svg_open(c.width, height, c.title);
  for (size_t i = 0; i < notes.size(); ++i) {
    o << text(x0, 14 + 16 * static_cast<double>(i), notes[i], "start", "fill=\"#444\" font-style=\"italic\"");
  }
  draw_x_axis(o, sx, y0, y1, c.x.title);
  draw_y_axis(o, sy, x0, x1, c.y.title);
  const int clip = ++g_clip_ids;
  o << "<clipPath id=\"plot" << clip << "\"><rect x=\"" << num(x0) << "\" y=\"" << num(y0) << "\" width=\""
    << num(x1 - x0) << "\" height=\"" << num(y1 - y0) << "\"/></clipPath>";
  o << "<g clip-path=\"url(#plot" << clip << ")\">";
  for (size_t si = 0; si < c.series.size(); ++si) {
    const Series& s = c.series[si];
    const std::string& color = colors[si];
    std::vector<const Point*> pts;
    for (const Point& p : s.points)
      if (sx.contains(p.x) && sy.contains(p.y)) pts.push_back(&p);
    if (s.line && pts.size() >= 2) {
      o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
        << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
      for (const Point* p : pts) o << num(sx.px(p->x)) << "," << num(sy.px(p->y)) << " ";
      o << "\"/>";
    }
    if (!s.markers) continue;
    for (const Point* p : pts) {
      double r = s.marker_radius;
      if (s.bubbles && max_size > 0 && std::isfinite(p->size) && p->size > 0) {
        r = std::max(3.0, kMaxBubbleRadius * std::sqrt(p->size / max_size));
      }
      o << "<circle cx=\"" << num(sx.px(p->x)) << "\" cy=\"" << num(sy.px(p->y)) << "\" r=\"" << num(r) << "\" fill=\""
        << color << "\" fill-opacity=\"" << (s.bubbles ? "0.45" : "0.8") << "\" stroke=\"" << color << "\">";
      if (!p->tooltip.empty()) o << "<title>" << xml_escape(p->tooltip) << "</title>";
      o << "</circle>";
    }
  }
  o << "</g>";
  // Labels on top, not clipped; a label that would overlap one already placed moves down a line.
  std::vector<std::pair<double, double>> placed_x;  // [left, right] of each placed label
  std::vector<double> placed_y;
  for (size_t si = 0; si < c.series.size(); ++si) {
    const Series& s = c.series[si];
    if (!s.labels) continue;
    for (const Point& p : s.points) {
      if (p.label.empty() || !sx.contains(p.x) || !sy.contains(p.y)) continue;
      const double px = sx.px(p.x), py = sy.px(p.y);
      if (px < x0 - 1 || px > x1 + 1 || py < y0 - 1 || py > y1 + 1) continue;
      const bool flip = px > x1 - 90;
      const double w = 6.5 * static_cast<double>(p.label.size());
      const double left_x = flip ? px - 7 - w : px + 7;
      double ty = py - 6;
      for (bool moved = true; moved;) {
        moved = false;
        for (size_t k = 0; k < placed_y.size(); ++k) {
          const bool overlap_x = left_x < placed_x[k].second && left_x + w > placed_x[k].first;
          if (overlap_x && std::fabs(ty - placed_y[k]) < 12) {
            ty = placed_y[k] + 12;
            moved = true;
          }
        }
      }
      placed_x.push_back({left_x, left_x + w});
      placed_y.push_back(ty);
      o << text(flip ? px - 7 : px + 7, ty, p.label, flip ? "end" : "start", "fill=\"#222\" font-size=\"11\"");
    }
  }
  if (!legend.empty()) draw_legend(o, legend, x1 + 16, y0 + 10, height - 12.0);
  o << "</svg>";
  return o.str();
}

std::string render(const BarChart& c) {
  const size_t n = c.categories.size();
  std::vector<double> values;
  for (const BarSeries& s : c.series)
    for (double v : s.values)
      if (std::isfinite(v) && (!c.value_axis.log || v > 0)) values.push_back(v);
  if (n == 0 || values.empty()) return render_missing(c.title, "no values to draw", c.width, 200);
  const size_t ns = std::max<size_t>(1, c.series.size());
  std::vector<std::string> colors;
  std::vector<LegendEntry> legend;
  for (size_t i = 0; i < c.series.size(); ++i) {
    colors.push_back(c.series[i].color.empty() ? palette_color(i) : c.series[i].color);
    if (c.legend && c.series.size() > 1 && !c.series[i].name.empty()) {
      legend.push_back({c.series[i].name, colors.back(), false, true, false});
    }
  }
  Axis va = c.value_axis;
  if (!va.log) va.include_zero = true;
  std::ostringstream o;
  const double note_h = 16 * static_cast<double>(c.notes.size());
  if (c.horizontal) {
    size_t longest = 0;
    for (const auto& cat : c.categories) longest = std::max(longest, std::min<size_t>(cat.size(), 44));
    const double band = std::max(18.0, 6.0 + 11.0 * static_cast<double>(ns));
    const double legend_h = legend.empty() ? 0 : 24;
    const int height = c.height > 0 ? c.height : static_cast<int>(14 + note_h + legend_h + band * n + 56);
    const double left = 16 + 6.6 * static_cast<double>(longest), right = 70;
    const double y0 = 14 + note_h + legend_h, y1 = height - 52.0;
    const Scale s = make_scale(va, values, left, c.width - right);
    o << svg_open(c.width, height, c.title);
    for (size_t i = 0; i < c.notes.size(); ++i) {
      o << text(left, 14 + 16 * static_cast<double>(i), c.notes[i], "start", "fill=\"#444\" font-style=\"italic\"");
    }
    if (!legend.empty()) {
      double lx = left;
      for (const LegendEntry& e : legend) {
        o << "<rect x=\"" << num(lx) << "\" y=\"" << num(14 + note_h) << "\" width=\"12\" height=\"12\" fill=\""
          << e.color << "\"/>";
        o << text(lx + 16, 14 + note_h + 10, e.name, "start", "fill=\"#222\"");
        lx += 30 + 7.0 * static_cast<double>(e.name.size());
      }
    }
    draw_x_axis(o, s, y0, y1, va.title);
    const double real_band = (y1 - y0) / static_cast<double>(n);
    const double bar_h = std::max(4.0, (real_band - 6) / static_cast<double>(ns));
    for (size_t ci = 0; ci < n; ++ci) {
      const double by = y0 + real_band * static_cast<double>(ci) + 3;
      o << text(left - 6, by + real_band / 2 + 1, truncate(c.categories[ci], 44), "end", "fill=\"#222\"");
      for (size_t si = 0; si < c.series.size(); ++si) {
        const double v = ci < c.series[si].values.size() ? c.series[si].values[ci] : NAN;
        if (!s.contains(v)) continue;
        const double base = va.log ? s.p0 : s.px(0.0);
        const double end = s.px(v);
        const double y = by + bar_h * static_cast<double>(si);
        o << "<rect x=\"" << num(std::min(base, end)) << "\" y=\"" << num(y) << "\" width=\""
          << num(std::max(1.0, std::fabs(end - base))) << "\" height=\"" << num(bar_h - 1) << "\" fill=\"" << colors[si]
          << "\"><title>"
          << xml_escape(c.categories[ci] + (c.series.size() > 1 ? " · " + c.series[si].name : "") + ": " +
                        compact_number(v))
          << "</title></rect>";
        if (!c.value_format.empty()) {
          o << text(std::max(base, end) + 4, y + bar_h / 2 + 3, format_number(c.value_format.c_str(), v), "start",
                    "fill=\"#333\" font-size=\"10\"");
        }
      }
    }
    o << "</svg>";
    return o.str();
  }
  const int height = c.height > 0 ? c.height : 420;
  const double left = 74, right = legend.empty() ? 24 : 240, top = 14 + note_h, bottom = 110;
  const double x0 = left, x1 = c.width - right, y0 = top, y1 = height - bottom;
  const Scale s = make_scale(va, values, y1, y0);
  o << svg_open(c.width, height, c.title);
  for (size_t i = 0; i < c.notes.size(); ++i) {
    o << text(x0, 14 + 16 * static_cast<double>(i), c.notes[i], "start", "fill=\"#444\" font-style=\"italic\"");
  }
  draw_y_axis(o, s, x0, x1, va.title);
  o << "<line x1=\"" << num(x0) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x1) << "\" y2=\"" << num(y1)
    << "\" stroke=\"#444\"/>";
  const double band = (x1 - x0) / static_cast<double>(n);
  const double bar_w = std::max(3.0, (band - 8) / static_cast<double>(ns));
  for (size_t ci = 0; ci < n; ++ci) {
    const double bx = x0 + band * static_cast<double>(ci) + 4;
    const double cx = x0 + band * (static_cast<double>(ci) + 0.5);
    o << "<text x=\"" << num(cx) << "\" y=\"" << num(y1 + 14) << "\" text-anchor=\"end\" transform=\"rotate(-35 "
      << num(cx) << " " << num(y1 + 14) << ")\" fill=\"#222\">" << xml_escape(truncate(c.categories[ci], 22))
      << "</text>";
    for (size_t si = 0; si < c.series.size(); ++si) {
      const double v = ci < c.series[si].values.size() ? c.series[si].values[ci] : NAN;
      if (!s.contains(v)) continue;
      const double base = c.value_axis.log ? s.p0 : s.px(0.0);
      const double end = s.px(v);
      const double x = bx + bar_w * static_cast<double>(si);
      o << "<rect x=\"" << num(x) << "\" y=\"" << num(std::min(base, end)) << "\" width=\"" << num(bar_w - 1)
        << "\" height=\"" << num(std::max(1.0, std::fabs(end - base))) << "\" fill=\"" << colors[si] << "\"><title>"
        << xml_escape(c.categories[ci] + (c.series.size() > 1 ? " · " + c.series[si].name : "") + ": " +
                      compact_number(v))
        << "</title></rect>";
      if (!c.value_format.empty()) {
        o << text(x + bar_w / 2, std::min(base, end) - 4, format_number(c.value_format.c_str(), v), "middle",
                  "fill=\"#333\" font-size=\"10\"");
      }
    }
  }
  if (!legend.empty()) draw_legend(o, legend, x1 + 16, y0 + 10, height - 12.0);
  o << "</svg>";
  return o.str();
}

}  // namespace dnncost::report
