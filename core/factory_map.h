// op_type -> factory: the map under every op registry. The layers' (layers/registry.h: op -> Layer) and each
// device's kernels' (kernels/cpu/cpu_kernel.h, kernels/cuda/cuda_kernel.h: op -> kernel factory) are one
// FactoryMap each, filled from static initializers in the op's files; together they are the registry keyed by
// (op, device) that finds an op's definition and every device's forward by its name.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dnncost {

template <typename Factory>
class FactoryMap {
 public:
  bool add(const std::string& op_type, Factory factory) {
    factories_[op_type] = std::move(factory);
    return true;
  }
  // The factory for op_type, or nullptr when none is registered.
  const Factory* find(const std::string& op_type) const {
    auto it = factories_.find(op_type);
    return it == factories_.end() ? nullptr : &it->second;
  }
  bool has(const std::string& op_type) const { return factories_.count(op_type) != 0; }
  // Every registered op_type, sorted.
  std::vector<std::string> op_types() const {
    std::vector<std::string> v;
    for (const auto& kv : factories_) v.push_back(kv.first);
    return v;
  }

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace dnncost
