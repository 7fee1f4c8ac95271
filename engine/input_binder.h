// The one input binder: how every command turns what the user asked (a batch size, values of symbolic dimensions,
// or actual tensors) into the concrete input shapes a Plan is made for. `info`, `profile`, `eval` and the graph
// passes bind with bind_inputs(); `run` binds the tensors it is given with bind_tensors().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace dnncost {

// Concrete shapes for the graph inputs, and values of inputs known before running (integer shape inputs).
struct InputBinding {
  std::map<std::string, Shape> shapes;
  std::map<std::string, std::shared_ptr<const Tensor>> values;
};

// What the user asked of the inputs.
struct InputRequest {
  // > 0: dim 0 of every input (a fixed batch in the model is overridden, with a note); <= 0: each input's fixed
  // dim 0, and 1 where it is symbolic.
  int64_t batch = 0;
  // Values of symbolic dimensions by their name, on any axis after the batch (e.g. "seq" -> 128): the CLI's
  // --dim. Each name must be a symbol some input uses after its batch dimension, each value >= 1.
  std::map<std::string, int64_t> dims;
  // Whole shapes of named inputs, e.g. `eval`'s image at its crop: their dims after the batch are taken from here
  // (the caller has checked them against the declared ones); dim 0 follows `batch` as for every input.
  std::map<std::string, Shape> shapes;
};

struct BoundInputs {
  InputBinding binding;
  int64_t batch = 1;               // the batch planned: dim 0 of the first input (1 for a model without inputs)
  std::vector<std::string> notes;  // e.g. a fixed batch dimension overridden
};

// Binds every graph input. A dimension after the batch that is symbolic and not in `dims` (or unknown) is a
// ModelError naming the input, the dimension and the option that gives it (--dim NAME=N); a name in `dims` that
// no input uses after its batch dimension is a ModelError naming --dim and listing the model's symbols.
BoundInputs bind_inputs(const Graph& g, const InputRequest& request);

// A named symbolic dimension of a graph input: its first place (input, axis) in graph-input order.
struct SymbolicDim {
  std::string name;
  std::string input;
  size_t axis = 0;
};
// The named symbolic dimensions of the graph inputs, each once, in the order they first appear: those on an axis
// after the batch (what --dim binds), and those only ever on axis 0 in `batch_only` (what --batch binds).
std::vector<SymbolicDim> symbolic_dims(const Graph& g, std::vector<SymbolicDim>* batch_only = nullptr);

// Checks the names and values of --dim against the graph (as bind_inputs does): ModelError for a name no input
// uses after its batch dimension (listing the model's symbolic dimensions) or a value below 1.
void check_dim_names(const Graph& g, const std::map<std::string, int64_t>& dims);

// bind_inputs with a batch only; notes are appended to `notes`.
InputBinding bind_batch(const Graph& g, int64_t batch, std::vector<std::string>* notes = nullptr);

// Binding from actual input tensors (for `run`): shapes checked against the declared dims; integer inputs
// become plan-time values so shape subgraphs fold, except those read as a Gather's indices (token ids), which stay
// run-time data as in `profile`. `dims` (run's --dim) are checked, not bound: each name as by
// check_dim_names, and a tensor whose dimension of that name has another size is a ModelError naming the input,
// the dimension and --dim.
InputBinding bind_tensors(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& inputs,
                          const std::map<std::string, int64_t>& dims = {});

// The sizes the given tensors have on the inputs' named symbolic dimensions after the batch (what --dim would
// name), for the graph passes' shape plans; the first input using a name decides its size.
std::map<std::string, int64_t> tensor_dims(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& inputs);

// "[N, 3, 224, 224]": the declared dims of an input, with symbols and "?" for unknown dims.
std::string declared_dims_str(const ValueInfo& vi);

}  // namespace dnncost
