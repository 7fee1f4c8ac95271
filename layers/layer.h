// The Layer interface: one ONNX op's attributes, shape inference, exact cost and forward passes.
//
// A Layer is made from a Node by the registry (see layers/registry.h), once per Plan. The plan calls
// infer() once with what it knows of every input (type, shape, and the value itself when it is known at
// plan time: initializers and folded shape subgraphs), then count(), then forward_ref() any number of times.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/graph.h"
#include "core/tensor.h"

namespace dnncost {

// What the plan knows about one input or output of a node.
struct ValueDesc {
  bool present = false;  // false for an absent optional input/output ("")
  DType dtype = DType::kUndefined;
  Shape shape;
  const Tensor* constant = nullptr;  // value known at plan time, else nullptr
  bool from_initializer = false;     // constant derived only from model initializers (weights)

  int64_t numel() const { return shape_numel(shape); }
  int64_t bytes() const { return numel() * static_cast<int64_t>(dtype_size(dtype)); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
};

// Output of shape inference for one node output.
struct OutputDesc {
  DType dtype = DType::kUndefined;
  Shape shape;
};

// How a constant input is accounted.
enum class InputRole {
  kData,   // activation or a non-trainable constant (counted in weight bytes when it is an initializer)
  kParam,  // trainable parameter (counted in params and weight bytes when it is an initializer)
  kState,  // non-trainable state such as BatchNorm running mean/var (weight bytes only)
};

// Multiply-accumulates and floating-point operations of one layer execution (whole batch).
// Counting rules per op are in docs/COSTS.md.
struct OpCount {
  int64_t macs = 0;
  int64_t flops = 0;
};

// What a layer knows about the model it belongs to.
struct OpContext {
  std::string file;    // model file, for messages
  int64_t opset = 17;  // default-domain opset
};

class Layer {
 public:
  Layer(const Node& node, const OpContext& ctx) : node_(node), ctx_(ctx), attrs_(node, ctx_.file) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const Node& node() const { return node_; }

  // Checks the inputs (count, types, ranks, agreeing shapes) and returns one OutputDesc per node output
  // (also for absent optional outputs, which are ignored). Throws ModelError via fail() on bad input.
  virtual std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) = 0;

  // Exact cost of one execution on the resolved inputs and outputs (after infer()).
  virtual OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const {
    (void)in;
    (void)out;
    return {};
  }

  // Accounting role of input i when it is a model initializer.
  virtual InputRole input_role(size_t i, const ValueDesc& in) const {
    (void)i;
    (void)in;
    return InputRole::kData;
  }

  // Reference forward in plain loops. in[i] is nullptr for absent inputs; out[i] is preallocated with the
  // type and shape from infer() (nullptr for absent outputs). Output buffers are reused between runs and
  // between layers (memory plan): write every output element, and only read layer state set in infer().
  virtual void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) = 0;

  // True when the output depends only on input shapes (Shape, Size): evaluated at plan time always. Such a
  // layer's forward_ref gets nullptr for inputs whose values are not known.
  virtual bool shape_only() const { return false; }

  // Index of an input whose buffer output 0 may be written into (in place), or -1. Only for layers whose
  // forward_ref is correct when out[0] and that input are the same memory (element-wise ops where output
  // element i depends on input element i only, or byte copies that skip copying onto themselves).
  virtual int in_place_input() const { return -1; }

 protected:
  [[noreturn]] void fail(const std::string& what) const { attrs_.fail(what); }
  const AttributeReader& attrs() const { return attrs_; }
  const OpContext& ctx() const { return ctx_; }
  std::string context() const { return attrs_.context(); }

  // Common checks for infer(): number of present inputs within [min, max], and a float32 input.
  void expect_inputs(const std::vector<ValueDesc>& in, size_t min, size_t max) const;
  void expect_float(const ValueDesc& v, const char* what) const;
  void expect_rank(const ValueDesc& v, int64_t min_rank, int64_t max_rank, const char* what) const;

 private:
  const Node& node_;
  OpContext ctx_;
  AttributeReader attrs_;
};

// A layer whose attributes, parsed once in infer() (ONNX defaults and every opset form applied), are a typed struct
// `Params` that the device kernels read (StepView::parsed<Params>()): no device reads the node again. The struct is
// declared in the layer's header (e.g. layers/pool.h); the layer class derives from ParsedAttributes<Params> too.
template <typename Params>
class ParsedAttributes {
 public:
  const Params& parsed() const { return parsed_; }

 protected:
  Params parsed_;
};

// The typed attributes of `layer` after infer(), or nullptr when the layer has none of that type.
template <typename Params>
const Params* parsed_attributes(const Layer& layer) {
  const auto* p = dynamic_cast<const ParsedAttributes<Params>*>(&layer);
  return p ? &p->parsed() : nullptr;
}

// Throwing helper usable inside layers: DNNCOST_LAYER_EXPECT(cond, "expected ..." << x);
#define DNNCOST_LAYER_EXPECT(cond, msg_stream) \
  do {                                         \
    if (!(cond)) {                             \
      std::ostringstream dnncost_os_;          \
      dnncost_os_ << msg_stream;               \
      fail(dnncost_os_.str());                 \
    }                                          \
  } while (0)

}  // namespace dnncost
