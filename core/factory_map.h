// op_type -> kernel factory: the map the cpu and cuda devices' kernel registries share (each device keeps its own
// registry, filled from static initializers in its kernel files, and its own KernelFactory type).
#pragma once

#include <map>
#include <string>
#include <utility>

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

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace dnncost
