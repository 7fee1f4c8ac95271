// Helpers for per-op unit tests: build a one-node graph in memory, plan it, run it on `ref`.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "engine/plan.h"
#include "engine/session.h"

namespace dnncost::testing {

inline Attribute attr_int(int64_t v) {
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = v;
  return a;
}
inline Attribute attr_float(float v) {
  Attribute a;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}
inline Attribute attr_ints(std::vector<int64_t> v) {
  Attribute a;
  a.type = Attribute::Type::kInts;
  a.ints = std::move(v);
  return a;
}
inline Attribute attr_floats(std::vector<float> v) {
  Attribute a;
  a.type = Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}
inline Attribute attr_string(std::string v) {
  Attribute a;
  a.type = Attribute::Type::kString;
  a.s = std::move(v);
  return a;
}
inline Attribute attr_tensor(Tensor t) {
  Attribute a;
  a.type = Attribute::Type::kTensor;
  a.t = std::make_shared<Tensor>(std::move(t));
  return a;
}

// Uniform random float32 tensor in [lo, hi), deterministic for a seed.
inline Tensor random_tensor(const Shape& s, unsigned seed = 1, float lo = -1.f, float hi = 1.f) {
  Tensor t(DType::kFloat32, s);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = u(rng);
  return t;
}

struct OpInput {
  Tensor value;
  bool initializer = false;  // a model weight (constant at plan time) rather than a graph input
  bool absent = false;       // an absent optional input ("")
};

inline OpInput in(Tensor t) { return {std::move(t), false, false}; }
inline OpInput weight(Tensor t) { return {std::move(t), true, false}; }
inline OpInput absent() { return {Tensor(), false, true}; }

struct SingleOp {
  std::string op;
  std::map<std::string, Attribute> attrs;
  std::vector<OpInput> inputs;
  int outputs = 1;
  int64_t opset = 17;
};

struct SingleOpResult {
  std::vector<Tensor> outputs;
  Cost cost;  // of the one layer (zero when it was folded)
  bool folded = false;
};

// The one-node graph of `op` in `g` (inputs "in<i>", outputs "out<i>"); returns the tensors to feed its graph
// inputs, in declared order.
inline std::vector<std::shared_ptr<const Tensor>> build_single_op_graph(const SingleOp& op, Graph& g) {
  g.path = "test.onnx";
  g.opset = op.opset;
  Node n;
  n.name = "node0";
  n.op_type = op.op;
  n.attributes = op.attrs;
  std::vector<std::shared_ptr<const Tensor>> feeds;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const OpInput& oi = op.inputs[i];
    if (oi.absent) {
      n.inputs.push_back("");
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    n.inputs.push_back(name);
    auto t = std::make_shared<const Tensor>(oi.value.reshaped(oi.value.shape()));
    if (oi.initializer) {
      g.initializers[name] = t;
    } else {
      ValueInfo vi;
      vi.name = name;
      vi.dtype = oi.value.dtype();
      vi.has_shape = true;
      for (int64_t d : oi.value.shape()) vi.dims.push_back(Dim{d, ""});
      g.inputs.push_back(vi);
      feeds.push_back(t);
    }
  }
  for (int i = 0; i < op.outputs; ++i) {
    n.outputs.push_back("out" + std::to_string(i));
    ValueInfo vi;
    vi.name = n.outputs.back();
    g.outputs.push_back(vi);
  }
  g.nodes.push_back(n);
  return feeds;
}

// Builds the graph, plans it (bind_tensors, as `dnncost run` does) and runs it. Throws ModelError like the CLI.
inline SingleOpResult run_single_op(const SingleOp& op) {
  Graph g;
  const std::vector<std::shared_ptr<const Tensor>> feeds = build_single_op_graph(op, g);
  Plan plan(g, bind_tensors(g, feeds));
  RefSession session(plan);
  SingleOpResult r;
  r.outputs = session.run(feeds);
  r.folded = plan.steps().empty();
  if (!plan.steps().empty()) r.cost = plan.steps()[0].cost;
  return r;
}

// Relative L2 error ||a - b|| / max(||b||, tiny).
// A graph built node by node, its values named automatically (x0.., w0.., <Op>_<n>_out); inputs are fed from the
// tensors given here (the device tests build their graphs with it).
class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset = 13, std::string path = "test.onnx") {
    g_.path = std::move(path);
    g_.opset = opset;
  }
  std::string input(const Tensor& t) {
    const std::string name = "x" + std::to_string(g_.inputs.size());
    ValueInfo vi;
    vi.name = name;
    vi.dtype = t.dtype();
    vi.has_shape = true;
    for (int64_t d : t.shape()) vi.dims.push_back(Dim{d, ""});
    g_.inputs.push_back(vi);
    feeds_.push_back(std::make_shared<const Tensor>(t));
    return name;
  }
  std::string weight(const Tensor& t) {
    const std::string name = "w" + std::to_string(g_.initializers.size());
    g_.initializers[name] = std::make_shared<const Tensor>(t);
    return name;
  }
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::map<std::string, Attribute>& attrs = {}) {
    Node n;
    n.name = op + "_" + std::to_string(g_.nodes.size());
    n.op_type = op;
    n.inputs = inputs;
    n.attributes = attrs;
    n.outputs = {n.name + "_out"};
    n.index = static_cast<int>(g_.nodes.size());
    g_.nodes.push_back(n);
    return n.outputs[0];
  }
  void output(const std::string& name) {
    ValueInfo vi;
    vi.name = name;
    g_.outputs.push_back(vi);
  }
  const Graph& graph() const { return g_; }
  const std::vector<std::shared_ptr<const Tensor>>& feeds() const { return feeds_; }

 private:
  Graph g_;
  std::vector<std::shared_ptr<const Tensor>> feeds_;
};

inline double rel_l2(const Tensor& a, const Tensor& b) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = a.value_as_double(i) - b.value_as_double(i);
    num += d * d;
    den += b.value_as_double(i) * b.value_as_double(i);
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

}  // namespace dnncost::testing
