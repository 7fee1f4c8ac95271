// Op registry implementation.
#include "layers/registry.h"

namespace dnncost {

LayerRegistry& LayerRegistry::instance() {
  static LayerRegistry r;
  return r;
}

bool LayerRegistry::add(const std::string& op_type, LayerFactory factory) {
  factories_[op_type] = std::move(factory);
  return true;
}

std::unique_ptr<Layer> LayerRegistry::create(const Node& node, const OpContext& ctx) const {
  auto it = factories_.find(node.op_type);
  if (it == factories_.end()) {
    throw ModelError(node_context(ctx.file, node.name, node.op_type) + "unsupported op; dnncost supports: " +
                     known_ops_list());
  }
  return it->second(node, ctx);
}

std::vector<std::string> LayerRegistry::op_types() const {
  std::vector<std::string> v;
  for (const auto& kv : factories_) v.push_back(kv.first);
  return v;
}

std::string LayerRegistry::known_ops_list() const {
  std::string s;
  for (const auto& kv : factories_) s += (s.empty() ? "" : ", ") + kv.first;
  return s;
}

}  // namespace dnncost
