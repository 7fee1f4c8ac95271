// Graph passes: from the graph as imported to the graph a device executes. Each pass records what it changed,
// so `dnncost info` can show both graphs and both costs.
//
//   drop_identity    Identity and inference Dropout (mask unused) removed; consumers read the input directly
//   fold_batchnorm   BatchNormalization after a Conv folded into the Conv's weights and bias
//   fuse_gelu        the GELU of opset < 20 exports (x * 0.5 * (1 + erf(x / sqrt 2)), or the tanh form with Pow(x, 3)
//                    or x * x * x) becomes one Gelu node
//   fuse_layernorm   the LayerNorm of opset < 17 exports (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul
//                    [, Add]) becomes one LayerNormalization node
//   fuse_sum         Add(Conv(x), R) with R an activation of the same shape: the Conv adds R (dnncost.sum = 1)
//   fuse_activation  Relu, LeakyRelu, Clip, Sigmoid, Tanh, Elu, HardSigmoid, HardSwish after a Conv (or a
//                    sum-fused Conv): the Conv applies it (dnncost.activation)
//
// The fused Conv's attributes are described in layers/conv.cpp and kernels/fused_activation.h. The passes never
// change what the graph computes beyond float rounding (BN folding rounds the folded weights once).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"

namespace dnncost {

struct PassOptions {
  bool fold_batchnorm = false;
  bool drop_identity = false;
  bool fuse_activation = false;
  bool fuse_sum = false;
  bool fuse_gelu = false;
  bool fuse_layernorm = false;

  static PassOptions none() { return {}; }
  static PassOptions all() { return {true, true, true, true, true, true}; }
  // What a device runs: "ref" the graph as imported (it is the oracle); "cpu" and "cuda" every pass. Unknown
  // kinds get no passes.
  static PassOptions for_device(const std::string& kind);
  // "none" or "all"; anything else is a ModelError naming `option` (e.g. "--passes").
  static PassOptions parse(const std::string& text, const std::string& option);
  bool any() const {
    return fold_batchnorm || drop_identity || fuse_activation || fuse_sum || fuse_gelu || fuse_layernorm;
  }
  // "none", "all", or the enabled passes separated by commas.
  std::string name() const;
};

// One change a pass made.
struct PassRecord {
  std::string pass;  // "drop_identity", "fold_batchnorm", "fuse_gelu", "fuse_layernorm", "fuse_sum", "fuse_activation"
  std::vector<std::string> removed_nodes;  // nodes gone from the graph
  std::string target_node;                 // node that absorbed them ("" when the nodes were simply dropped)
  std::string description;                 // one line for people
};

struct OptimizedGraph {
  std::shared_ptr<const Graph> graph;
  std::vector<PassRecord> log;
  std::vector<std::string> notes;  // passes that could not run, and why (e.g. shapes unknown for fuse_sum)
};

// Returns a new graph (the imported one is untouched): nodes in topological order, node names, node indices
// (positions in the imported graph) and every graph input and output name kept. Initializers no node reads
// any more are dropped; folded weights are new initializers named after the originals ("<W>_bnfold").
// With no pass enabled it returns a copy of the graph and an empty log. `dims` are the values of the inputs'
// symbolic dimensions after the batch the graph will be planned with (--dim; engine/input_binder.h): fuse_sum
// compares value shapes in plans that bind them (without them, such a model is not fused, with a note).
OptimizedGraph optimize(const Graph& imported, const PassOptions& options,
                        const std::map<std::string, int64_t>& dims = {});

// "Conv", "Conv+Relu", "Conv+Add+Relu": the op type with what the node executes fused.
std::string executed_op_label(const Node& node);

}  // namespace dnncost
