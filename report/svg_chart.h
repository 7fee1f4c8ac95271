// A small SVG chart library for the self-contained HTML report: scatter/line charts (linear or log axes, tick
// labels, axis titles with units, legend, bubble sizes, point labels, tooltips) and bar charts (vertical or
// horizontal, grouped), plus a placeholder that says why a figure has no data. Output is inline SVG text with
// no scripts and no external references; non-finite values are never drawn or printed.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dnncost::report {

struct Axis {
  std::string title;               // with the unit: "per-image time (ms)"
  bool log = false;                // log10 scale (values <= 0 are left out, and counted in a note)
  std::optional<double> min, max;  // fixed range; otherwise from the data with a margin
  bool include_zero = false;       // linear axes: extend the range to 0
  std::vector<double> ticks;       // explicit tick values (e.g. the batch sizes measured); empty = automatic
};

struct Point {
  Point() = default;
  Point(double x_, double y_, double size_ = 0, std::string label_ = "", std::string tooltip_ = "")
      : x(x_), y(y_), size(size_), label(std::move(label_)), tooltip(std::move(tooltip_)) {}
  double x = 0, y = 0;
  double size = 0;      // bubble charts: marker area proportional to size
  std::string label;    // drawn next to the marker when the series shows labels
  std::string tooltip;  // shown on hover (SVG <title>)
};

struct Series {
  std::string name;  // legend entry ("" = not in the legend)
  std::vector<Point> points;
  std::string color;  // CSS colour; "" = next palette colour
  bool markers = true;
  bool line = false;  // join the points in order
  bool dashed = false;
  bool labels = false;   // write each point's label
  bool bubbles = false;  // marker area proportional to Point::size (over all bubble series of the chart)
  double marker_radius = 4;
};

struct XYChart {
  std::string title;  // accessible name (the HTML figure shows the visible title)
  Axis x, y;
  std::vector<Series> series;
  std::vector<std::string> notes;  // lines written at the top of the plot area (fits, missing parts)
  int width = 900, height = 440;
  bool legend = true;
};

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category; non-finite = no bar
  std::string color;
};

struct BarChart {
  std::string title;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;  // several series: grouped bars
  Axis value_axis;                // the value scale (linear from 0, or log)
  bool horizontal = false;        // categories down the left side
  std::vector<std::string> notes;
  std::string value_format = "%.3g";  // printf format of the value written at the end of each bar ("" = none)
  int width = 900, height = 0;        // height 0: from the number of categories (horizontal) or 420
  bool legend = true;
};

// The i-th colour of the palette (colour-blind-safe, distinguishable on white).
std::string palette_color(size_t i);

std::string render(const XYChart& chart);
std::string render(const BarChart& chart);
// A chart-sized frame that says the figure has no data and why (drawn instead of an empty chart).
std::string render_missing(const std::string& title, const std::string& reason, int width = 900, int height = 200);

// Text helpers shared with the report.
std::string xml_escape(const std::string& s);
// Compact number for ticks and labels: 3 significant digits, k/M/G/T above 10,000; "n/a" when not finite.
std::string compact_number(double v);
// printf-style formatting that writes "n/a" for non-finite values.
std::string format_number(const char* fmt, double v);

}  // namespace dnncost::report
