// Records as CSV (`profile --csv`, `eval --csv`): one row per record, nested objects flattened into dotted
// column names ("latency.median_ms", "device.peaks.gflops"); arrays of numbers or strings become one cell
// joined with spaces; arrays of objects (per-layer entries, per-class counts, skipped files) are left out of
// the record CSV (`profile --layer-csv` writes the per-layer entries, one row per layer). RFC 4180 quoting.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dnncost {

// Flattened (column, cell text) pairs of one record, in the record's key order.
std::vector<std::pair<std::string, std::string>> flatten_record(const nlohmann::json& record);

// The CSV text of records: a header of every column any record has (the first record's order, then new
// columns as they appear), then one row per record (empty cell where a record lacks the column).
std::string records_csv(const std::vector<nlohmann::json>& records);

// The per-layer CSV of profile records: per layer of each record's per_layer.layers, the record's model,
// batch, dims (dims.NAME, from --dim), device kind and status, then the layer's fields.
std::string layers_csv(const std::vector<nlohmann::json>& records);

// Writes `text` to `path` atomically (temporary file, then rename); throws ModelError naming `option`.
void write_text_file(const std::string& path, const std::string& text, const std::string& option);

}  // namespace dnncost
