// Error helpers shared by the importer, the layers and the CLI.
#include "core/errors.h"

#include <new>

namespace dnncost {

std::string node_context(const std::string& file, const std::string& node_name, const std::string& op_type) {
  std::string s = file.empty() ? std::string("<model>") : file;
  s += ": node '" + (node_name.empty() ? std::string("<unnamed>") : node_name) + "' (" + op_type + "): ";
  return s;
}

void throw_model_error(const std::string& message) { throw ModelError(message); }

void rethrow_with_node_context(const std::string& file, const std::string& node_name, const std::string& op_type) {
  const std::string ctx = node_context(file, node_name, op_type);
  try {
    throw;
  } catch (const ModelError& e) {
    const std::string m = e.what();
    if (m.rfind(ctx, 0) == 0) throw;
    throw ModelError(ctx + m);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const InternalError& e) {
    const std::string m = e.what();
    if (m.rfind(ctx, 0) == 0) throw;
    throw InternalError(ctx + m);
  } catch (const std::exception& e) {
    throw InternalError(ctx + e.what());
  }
}

}  // namespace dnncost
