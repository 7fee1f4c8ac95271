// ONNX import: ModelProto (from a file or bytes) -> Graph, and TensorProto <-> Tensor.
#pragma once

#include <string>

#include "core/graph.h"
#include "core/tensor.h"

namespace dnncost {

// Highest default-domain opset whose operator forms dnncost implements.
constexpr int64_t kMaxSupportedOpset = 21;

// Loads a model file. Throws ModelError (naming the file, and the node where one is at fault) for a
// missing, unreadable, truncated, non-ONNX or unsupported file. External data is read from files under the
// model's folder only.
Graph load_onnx(const std::string& path);

// Parses serialized ModelProto bytes; `path` is used in messages and `base_dir` for external data.
Graph parse_onnx(const std::string& bytes, const std::string& path, const std::string& base_dir);

// Reads a serialized TensorProto file (the ONNX test-data format, input_0.pb).
Tensor read_tensor_file(const std::string& path, std::string* name = nullptr);
// Writes a Tensor as a serialized TensorProto with raw_data.
void write_tensor_file(const std::string& path, const Tensor& t, const std::string& name);

}  // namespace dnncost
