// Graph lookups and typed attribute access.
#include "core/graph.h"

#include "core/errors.h"

namespace dnncost {

std::string attribute_type_name(Attribute::Type t) {
  switch (t) {
    case Attribute::Type::kFloat: return "float";
    case Attribute::Type::kInt: return "int";
    case Attribute::Type::kString: return "string";
    case Attribute::Type::kTensor: return "tensor";
    case Attribute::Type::kFloats: return "floats";
    case Attribute::Type::kInts: return "ints";
    case Attribute::Type::kStrings: return "strings";
    case Attribute::Type::kGraph: return "graph";
    case Attribute::Type::kOther: return "other";
    default: return "undefined";
  }
}

const ValueInfo* Graph::find_input(const std::string& n) const {
  for (const auto& v : inputs)
    if (v.name == n) return &v;
  return nullptr;
}

std::string AttributeReader::context() const { return node_context(file_, node_.name, node_.op_type); }

void AttributeReader::fail(const std::string& what) const { throw ModelError(context() + what); }

const Attribute& AttributeReader::find(const std::string& name, Attribute::Type type) const {
  auto it = node_.attributes.find(name);
  if (it == node_.attributes.end()) fail("missing required attribute '" + name + "'");
  if (it->second.type != type) {
    fail("attribute '" + name + "' should be of type " + attribute_type_name(type) + ", found " +
         attribute_type_name(it->second.type));
  }
  return it->second;
}

int64_t AttributeReader::get_int(const std::string& name, int64_t dflt) const {
  return has(name) ? get_int(name) : dflt;
}
int64_t AttributeReader::get_int(const std::string& name) const { return find(name, Attribute::Type::kInt).i; }

float AttributeReader::get_float(const std::string& name, float dflt) const {
  if (!has(name)) return dflt;
  // Some exporters write integral floats as ints; accept both.
  const Attribute& a = node_.attributes.at(name);
  if (a.type == Attribute::Type::kInt) return static_cast<float>(a.i);
  return find(name, Attribute::Type::kFloat).f;
}

std::string AttributeReader::get_string(const std::string& name, const std::string& dflt) const {
  return has(name) ? find(name, Attribute::Type::kString).s : dflt;
}

std::vector<int64_t> AttributeReader::get_ints(const std::string& name, const std::vector<int64_t>& dflt) const {
  return has(name) ? get_ints(name) : dflt;
}
std::vector<int64_t> AttributeReader::get_ints(const std::string& name) const {
  return find(name, Attribute::Type::kInts).ints;
}

std::vector<float> AttributeReader::get_floats(const std::string& name, const std::vector<float>& dflt) const {
  return has(name) ? find(name, Attribute::Type::kFloats).floats : dflt;
}

std::shared_ptr<Tensor> AttributeReader::get_tensor(const std::string& name) const {
  return find(name, Attribute::Type::kTensor).t;
}

}  // namespace dnncost
