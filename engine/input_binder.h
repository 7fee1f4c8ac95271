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
  // Values of symbolic dimensions by their name, on any axis after the batch (e.g. "seq" -> 128).
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
// ModelError naming the input and the dimension.
BoundInputs bind_inputs(const Graph& g, const InputRequest& request);

// bind_inputs with a batch only; notes are appended to `notes`.
InputBinding bind_batch(const Graph& g, int64_t batch, std::vector<std::string>* notes = nullptr);

// Binding from actual input tensors (for `run`): shapes checked against the declared dims; integer inputs
// become plan-time values so shape subgraphs fold.
InputBinding bind_tensors(const Graph& g, const std::vector<std::shared_ptr<const Tensor>>& inputs);

// "[N, 3, 224, 224]": the declared dims of an input, with symbols and "?" for unknown dims.
std::string declared_dims_str(const ValueInfo& vi);

}  // namespace dnncost
