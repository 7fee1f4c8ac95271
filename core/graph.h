// The imported model: values, nodes with typed attributes, initializers. Immutable after import/passes.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dnncost {

// One dimension of a declared shape: a fixed size or a symbol (e.g. "batch_size"), or unknown.
struct Dim {
  int64_t value = -1;   // >= 0 when fixed
  std::string symbol;   // non-empty when symbolic
  bool fixed() const { return value >= 0; }
};

// A declared graph value (input, output or value_info): element type and, when known, shape.
struct ValueInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  bool has_shape = false;
  std::vector<Dim> dims;
};

// A node attribute, typed as ONNX types it.
struct Attribute {
  enum class Type { kUndefined, kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kGraph, kOther };
  Type type = Type::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

std::string attribute_type_name(Attribute::Type t);

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" or "ai.onnx" for the default domain
  std::vector<std::string> inputs;   // "" marks an absent optional input
  std::vector<std::string> outputs;  // "" marks an absent optional output
  std::map<std::string, Attribute> attributes;
  int index = 0;                     // position in the imported graph

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  bool has_output(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
};

struct Graph {
  std::string path;       // model file as given by the user (for messages)
  std::string name;
  std::string producer;   // producer_name + version
  int64_t ir_version = 0;
  int64_t opset = 0;      // default-domain opset version
  std::vector<ValueInfo> inputs;   // runtime inputs (initializers excluded)
  std::vector<ValueInfo> outputs;
  std::map<std::string, ValueInfo> value_info;
  std::vector<Node> nodes;         // in topological order (checked by the importer)
  std::map<std::string, std::shared_ptr<const Tensor>> initializers;

  const ValueInfo* find_input(const std::string& name) const;
};

// Typed attribute access with ONNX defaults; a wrong type or missing required attribute is a ModelError
// naming the node.
class AttributeReader {
 public:
  AttributeReader(const Node& node, const std::string& file) : node_(node), file_(file) {}

  bool has(const std::string& name) const { return node_.attributes.count(name) != 0; }
  int64_t get_int(const std::string& name, int64_t dflt) const;
  int64_t get_int(const std::string& name) const;  // required
  float get_float(const std::string& name, float dflt) const;
  std::string get_string(const std::string& name, const std::string& dflt) const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& dflt) const;
  std::vector<int64_t> get_ints(const std::string& name) const;  // required
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& dflt) const;
  std::shared_ptr<Tensor> get_tensor(const std::string& name) const;  // required

  // "file: node 'x' (Op): " prefix for messages.
  std::string context() const;
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const Attribute& find(const std::string& name, Attribute::Type type) const;
  const Node& node_;
  std::string file_;
};

}  // namespace dnncost
