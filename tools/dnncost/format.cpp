// Number formatting and text tables for the terminal.
#include "tools/dnncost/format.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace dnncost {

std::string si(int64_t v) {
  if (v < 1000 && v > -1000) return std::to_string(v);
  const char* units[] = {"", "K", "M", "G", "T", "P", "E"};
  double x = static_cast<double>(v);
  int u = 0;
  while ((x >= 1000 || x <= -1000) && u < 6) {
    x /= 1000;
    ++u;
  }
  char buf[32];
  const double ax = x < 0 ? -x : x;
  std::snprintf(buf, sizeof buf, ax >= 100 ? "%.0f%s" : (ax >= 10 ? "%.1f%s" : "%.2f%s"), x, units[u]);
  return buf;
}

std::string bytes_str(int64_t v) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double x = static_cast<double>(v);
  int u = 0;
  while (x >= 1024 && u < 4) {
    x /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(v));
  else std::snprintf(buf, sizeof buf, x >= 100 ? "%.0f %s" : "%.1f %s", x, units[u]);
  return buf;
}

std::string grouped(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return v < 0 ? "-" + s : s;
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

TextTable::TextTable(std::vector<std::string> header, std::vector<bool> left)
    : header_(std::move(header)), left_(std::move(left)) {
  left_.resize(header_.size(), false);
}

void TextTable::add(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void TextTable::add_rule() { rows_.emplace_back(); }

std::string TextTable::str() const {
  std::vector<size_t> w(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) w[c] = header_[c].size();
  for (const auto& r : rows_)
    for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
  std::ostringstream os;
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < w.size(); ++c) {
      const std::string& cell = r[c];
      const std::string pad(w[c] - cell.size(), ' ');
      os << (c ? "  " : "") << (left_[c] ? cell + pad : pad + cell);
    }
    os << "\n";
  };
  size_t total = 0;
  for (size_t c = 0; c < w.size(); ++c) total += w[c] + (c ? 2 : 0);
  line(header_);
  os << std::string(total, '-') << "\n";
  for (const auto& r : rows_) {
    if (r.empty()) os << std::string(total, '-') << "\n";
    else line(r);
  }
  return os.str();
}

}  // namespace dnncost
