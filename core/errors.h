// Error types: model/user errors carry the file, node and what was expected.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace dnncost {

// An error in the model or in what the user asked for. The message is complete and ready to print:
// "<file>: node '<name>' (<op>): <what was expected>".
class ModelError : public std::runtime_error {
 public:
  explicit ModelError(const std::string& message) : std::runtime_error(message) {}
};

// A bug in dnncost itself (an exception other than ModelError escaped from a layer or the engine): never expected,
// whatever the input. The CLI reports it as an internal error (exit status 4); the fuzzer reports it as a finding.
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

// Builds the message prefix for a node: "file: node 'name' (Op): ".
std::string node_context(const std::string& file, const std::string& node_name, const std::string& op_type);

[[noreturn]] void throw_model_error(const std::string& message);

// Rethrows the exception in flight with the node's context at the start of its message (added only when missing):
// a ModelError stays a ModelError, std::bad_alloc passes unchanged, and any other exception (a bug) becomes an
// InternalError. Use inside a catch block around work done for one node.
[[noreturn]] void rethrow_with_node_context(const std::string& file, const std::string& node_name,
                                            const std::string& op_type);

// A plan needs more memory than the cap: a clear error instead of an attempt to allocate. The CLI exits with the
// out-of-memory status (3); `profile` records it as out_of_memory for that batch and goes on.
class MemoryCapError : public ModelError {
 public:
  explicit MemoryCapError(const std::string& message) : ModelError(message) {}
};

}  // namespace dnncost

// Throws ModelError with the given streamed message when cond is false.
#define DNNCOST_EXPECT(cond, msg_stream)            \
  do {                                              \
    if (!(cond)) {                                  \
      std::ostringstream dnncost_expect_os_;        \
      dnncost_expect_os_ << msg_stream;             \
      ::dnncost::throw_model_error(dnncost_expect_os_.str()); \
    }                                               \
  } while (0)
