// The op registry: ONNX op_type -> Layer factory, filled by self-registration in each layer file.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/factory_map.h"
#include "layers/layer.h"

namespace dnncost {

using LayerFactory = std::function<std::unique_ptr<Layer>(const Node&, const OpContext&)>;

class LayerRegistry : public FactoryMap<LayerFactory> {
 public:
  static LayerRegistry& instance();
  // Throws ModelError naming the node and listing the known ops when op_type is unknown.
  std::unique_ptr<Layer> create(const Node& node, const OpContext& ctx) const;
  std::string known_ops_list() const;  // "Add, AveragePool, ..."
};

}  // namespace dnncost

#define DNNCOST_REGISTER_LAYER_IMPL(op_name, cls, line)                                                           \
  static const bool dnncost_registered_##line = ::dnncost::LayerRegistry::instance().add(                         \
      op_name, [](const ::dnncost::Node& n, const ::dnncost::OpContext& c) -> std::unique_ptr<::dnncost::Layer> { \
        return std::make_unique<cls>(n, c);                                                                       \
      })
#define DNNCOST_REGISTER_LAYER_LINE(op_name, cls, line) DNNCOST_REGISTER_LAYER_IMPL(op_name, cls, line)
// Registers class `cls` (constructible from (const Node&, const OpContext&)) for ONNX op_type `op_name`.
#define DNNCOST_REGISTER_LAYER(op_name, cls) DNNCOST_REGISTER_LAYER_LINE(op_name, cls, __LINE__)
