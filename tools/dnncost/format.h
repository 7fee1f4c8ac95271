// Number formatting for terminal tables: 25.56M, 4.09G, 97.8 MiB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnncost {

// 1234567 -> "1.23M" (SI, 3 significant digits); values below 1000 are printed exactly.
std::string si(int64_t v);
// Bytes in binary units: "97.8 MiB".
std::string bytes_str(int64_t v);
// 1234567 -> "1,234,567".
std::string grouped(int64_t v);
// A percentage with one decimal: "12.3%".
std::string percent(double fraction);

// A simple text table: columns right-aligned except those flagged left.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header, std::vector<bool> left = {});
  void add(std::vector<std::string> row);
  void add_rule();
  std::string str() const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> left_;
  std::vector<std::vector<std::string>> rows_;  // an empty row is a rule
};

}  // namespace dnncost
