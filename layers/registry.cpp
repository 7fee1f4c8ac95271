// Op registry implementation.
#include "layers/registry.h"

namespace dnncost {

LayerRegistry& LayerRegistry::instance() {
  static LayerRegistry r;
  return r;
}

std::unique_ptr<Layer> LayerRegistry::create(const Node& node, const OpContext& ctx) const {
  const LayerFactory* factory = find(node.op_type);
  if (!factory) {
    throw ModelError(node_context(ctx.file, node.name, node.op_type) + "unsupported op; dnncost supports: " +
                     known_ops_list());
  }
  return (*factory)(node, ctx);
}

std::string LayerRegistry::known_ops_list() const {
  std::string s;
  for (const std::string& op : op_types()) s += (s.empty() ? "" : ", ") + op;
  return s;
}

}  // namespace dnncost
