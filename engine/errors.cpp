// Error helpers shared by the importer, the layers and the CLI.
#include "engine/errors.h"

namespace dnncost {

std::string node_context(const std::string& file, const std::string& node_name, const std::string& op_type) {
  std::string s = file.empty() ? std::string("<model>") : file;
  s += ": node '" + (node_name.empty() ? std::string("<unnamed>") : node_name) + "' (" + op_type + "): ";
  return s;
}

void throw_model_error(const std::string& message) { throw ModelError(message); }

}  // namespace dnncost
