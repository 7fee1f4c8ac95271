// --dim NAME=V[,V...]: parsing, the one-value rule of info and run, the sweep of profile, labels and records.
#include "tools/dnncost/dim_option.h"

#include <charconv>

#include "core/errors.h"

namespace dnncost {

DimLists parse_dim_options(const std::vector<std::string>& texts) {
  DimLists lists;
  for (const std::string& text : texts) {
    const std::string where = "--dim '" + text + "': ";
    const size_t eq = text.rfind('=');  // the sizes have no '='; an ONNX dim_param may
    if (eq == std::string::npos) throw ModelError(where + "expected NAME=V[,V...], e.g. --dim seq=128");
    const std::string name = text.substr(0, eq);
    if (name.empty()) throw ModelError(where + "the dimension's name is missing before '=' (NAME=V, e.g. seq=128)");
    for (const auto& l : lists) {
      if (l.first == name) {
        throw ModelError(where + "'" + name + "' is given twice; give its values once (NAME=V1,V2,...)");
      }
    }
    std::vector<int64_t> values;
    const std::string list = text.substr(eq + 1);
    size_t start = 0;
    while (true) {
      const size_t comma = list.find(',', start);
      const std::string v = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      int64_t value = 0;
      const char* end = v.data() + v.size();
      const auto r = std::from_chars(v.data(), end, value);
      if (v.empty() || r.ec != std::errc() || r.ptr != end || value < 1) {
        throw ModelError(where + "expected a positive integer size for '" + name + "', got '" + v + "'");
      }
      values.push_back(value);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    lists.emplace_back(name, std::move(values));
  }
  return lists;
}

DimValues single_dim_values(const DimLists& lists, const std::string& command) {
  DimValues dims;
  for (const auto& [name, values] : lists) {
    if (values.size() != 1) {
      std::string text;
      for (int64_t v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
      throw ModelError("--dim " + name + "=" + text + ": " + command +
                       " plans one set of shapes, so it takes one value per dimension (profile sweeps lists)");
    }
    dims[name] = values[0];
  }
  return dims;
}

std::vector<DimValues> dim_combinations(const DimLists& lists) {
  std::vector<DimValues> out = {DimValues()};
  // The last --dim varies fastest: extend every combination so far by each value of the next list.
  for (const auto& [name, values] : lists) {
    std::vector<DimValues> next;
    for (const DimValues& partial : out) {
      for (int64_t v : values) {
        DimValues d = partial;
        d[name] = v;
        next.push_back(std::move(d));
      }
    }
    out = std::move(next);
  }
  return out;
}

std::string dims_label(const DimValues& dims) {
  std::string s;
  for (const auto& [name, value] : dims) s += (s.empty() ? "" : " ") + name + "=" + std::to_string(value);
  return s;
}

nlohmann::json dims_json(const DimValues& dims) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : dims) j[name] = value;
  return j;
}

}  // namespace dnncost
