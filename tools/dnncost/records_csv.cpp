// Flattening of JSON records into CSV rows.
#include "tools/dnncost/records_csv.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "core/errors.h"

namespace dnncost {
namespace {

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", d);
    return buf;
  }
  return v.dump();
}

bool all_scalars(const nlohmann::json& a) {
  for (const auto& v : a)
    if (v.is_object() || v.is_array()) return false;
  return true;
}

void flatten_into(const nlohmann::json& v, const std::string& prefix,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      flatten_into(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
    return;
  }
  if (v.is_array()) {
    if (!all_scalars(v)) return;  // arrays of objects: not in the record CSV
    std::string cell;
    for (const auto& e : v) cell += (cell.empty() ? "" : " ") + scalar_text(e);
    out.emplace_back(prefix, cell);
    return;
  }
  out.emplace_back(prefix, scalar_text(v));
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string table_csv(const std::vector<std::vector<std::pair<std::string, std::string>>>& rows) {
  std::vector<std::string> columns;
  std::map<std::string, size_t> index;
  for (const auto& row : rows)
    for (const auto& kv : row)
      if (index.emplace(kv.first, columns.size()).second) columns.push_back(kv.first);
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + csv_cell(columns[c]);
  out += "\r\n";
  for (const auto& row : rows) {
    std::vector<std::string> cells(columns.size());
    for (const auto& kv : row) cells[index[kv.first]] = kv.second;
    for (size_t c = 0; c < cells.size(); ++c) out += (c ? "," : "") + csv_cell(cells[c]);
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> flatten_record(const nlohmann::json& record) {
  std::vector<std::pair<std::string, std::string>> out;
  // Identifying columns first, then everything in the record's (alphabetical) key order.
  static const char* const kFirst[] = {"schema", "model", "batch", "dims", "status"};
  for (const char* key : kFirst)
    if (record.contains(key)) flatten_into(record[key], key, out);
  for (auto it = record.begin(); it != record.end(); ++it) {
    bool first = false;
    for (const char* key : kFirst) first = first || it.key() == key;
    if (!first) flatten_into(it.value(), it.key(), out);
  }
  return out;
}

std::string records_csv(const std::vector<nlohmann::json>& records) {
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  for (const auto& r : records) rows.push_back(flatten_record(r));
  return table_csv(rows);
}

std::string layers_csv(const std::vector<nlohmann::json>& records) {
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  for (const auto& r : records) {
    if (!r.contains("per_layer") || !r["per_layer"].contains("layers")) continue;
    for (const auto& layer : r["per_layer"]["layers"]) {
      std::vector<std::pair<std::string, std::string>> row = {
          {"model", scalar_text(r.value("model", nlohmann::json()))},
          {"batch", scalar_text(r.value("batch", nlohmann::json()))}};
      if (r.contains("dims")) flatten_into(r["dims"], "dims", row);  // dims.seq, ...: none without --dim
      row.emplace_back("device", r.contains("device") ? scalar_text(r["device"].value("kind", nlohmann::json())) : "");
      row.emplace_back("status", scalar_text(r.value("status", nlohmann::json())));
      flatten_into(layer, "", row);
      rows.push_back(std::move(row));
    }
  }
  return table_csv(rows);
}

void write_text_file(const std::string& path, const std::string& text, const std::string& option) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw ModelError(option + " " + path + ": cannot open " + tmp + " for writing");
    f << text;
    f.flush();
    if (!f) throw ModelError(option + " " + path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw ModelError(option + " " + path + ": cannot rename " + tmp + " to it");
  }
}

}  // namespace dnncost
