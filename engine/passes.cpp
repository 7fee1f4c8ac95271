// Graph passes (see engine/passes.h): a GraphEditor keeps a mutable copy of the graph with its producer/consumer
// indexes current while the passes rewrite it; each pass is one sweep over the nodes in topological order.
#include "engine/passes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/errors.h"
#include "engine/plan.h"
#include "kernels/fused_activation.h"

namespace dnncost {
namespace {

constexpr const char* kSumAttribute = "dnncost.sum";
constexpr const char* kActivationAttribute = "dnncost.activation";
constexpr const char* kAlphaAttribute = "dnncost.activation_alpha";
constexpr const char* kBetaAttribute = "dnncost.activation_beta";
constexpr const char* kCubeMultipliesAttribute = "dnncost.cube_multiplies";  // layers/gelu.h

// One place a value is read: input `slot` of node `node`.
struct Use {
  int node;
  size_t slot;
};

// "'conv1' (Conv)"; nameless nodes are named by their position in the imported graph.
std::string node_label(const Node& n) {
  return "'" + (n.name.empty() ? "#" + std::to_string(n.index) : n.name) + "' (" + n.op_type + ")";
}
std::string node_id(const Node& n) { return n.name.empty() ? n.op_type + "#" + std::to_string(n.index) : n.name; }

bool is_op(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

Attribute int_attribute(int64_t v) {
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = v;
  return a;
}
Attribute float_attribute(float v) {
  Attribute a;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}
Attribute string_attribute(const std::string& v) {
  Attribute a;
  a.type = Attribute::Type::kString;
  a.s = v;
  return a;
}

bool has_fused_attributes(const Node& n) {
  return n.attributes.count(kSumAttribute) || n.attributes.count(kActivationAttribute);
}

// A mutable copy of a graph, with value -> producer and value -> uses kept current by every edit. Nodes are
// never erased while editing: removed ones are marked dead, and finish() sorts the living by position.
class GraphEditor {
 public:
  explicit GraphEditor(const Graph& g) : g_(std::make_shared<Graph>(g)) {
    const int n = static_cast<int>(g_->nodes.size());
    alive_.assign(static_cast<size_t>(n), true);
    for (int i = 0; i < n; ++i) position_.push_back(i);
    for (const auto& o : g_->outputs) graph_outputs_.insert(o.name);
    for (const auto& kv : g_->initializers) taken_.insert(kv.first);
    for (const auto& in : g_->inputs) taken_.insert(in.name);
    for (const auto& kv : g_->value_info) taken_.insert(kv.first);
    for (int i = 0; i < n; ++i) {
      const Node& node = g_->nodes[static_cast<size_t>(i)];
      for (size_t k = 0; k < node.inputs.size(); ++k)
        if (!node.inputs[k].empty()) uses_[node.inputs[k]].push_back({i, k});
      for (const auto& o : node.outputs) {
        if (o.empty()) continue;
        producer_[o] = i;
        taken_.insert(o);
      }
    }
  }

  int size() const { return static_cast<int>(g_->nodes.size()); }
  bool alive(int i) const { return alive_[static_cast<size_t>(i)]; }
  Node& node(int i) { return g_->nodes[static_cast<size_t>(i)]; }
  const Graph& graph() const { return *g_; }
  int position(int i) const { return position_[static_cast<size_t>(i)]; }
  void set_position(int i, int p) { position_[static_cast<size_t>(i)] = p; }

  // Node indices in execution order (by position; dead ones skipped), as a snapshot for a sweep.
  std::vector<int> order() const {
    std::vector<int> ids;
    for (int i = 0; i < size(); ++i)
      if (alive(i)) ids.push_back(i);
    std::stable_sort(ids.begin(), ids.end(), [&](int a, int b) { return position(a) < position(b); });
    return ids;
  }

  int producer(const std::string& v) const {
    auto it = producer_.find(v);
    return it == producer_.end() ? -1 : it->second;
  }
  std::vector<Use> uses(const std::string& v) const {
    auto it = uses_.find(v);
    return it == uses_.end() ? std::vector<Use>{} : it->second;
  }
  bool is_graph_output(const std::string& v) const { return graph_outputs_.count(v) != 0; }
  const Tensor* initializer(const std::string& v) const {
    auto it = g_->initializers.find(v);
    return it == g_->initializers.end() ? nullptr : it->second.get();
  }

  // The node that reads v, when v is read exactly once (one input slot of one node) and is not a graph output.
  int sole_consumer(const std::string& v) const {
    if (v.empty() || is_graph_output(v)) return -1;
    auto it = uses_.find(v);
    if (it == uses_.end() || it->second.size() != 1) return -1;
    return it->second[0].node;
  }

  // Points input `slot` of node i at v (slot == inputs.size() appends).
  void set_input(int i, size_t slot, const std::string& v) {
    Node& n = node(i);
    if (slot < n.inputs.size()) drop_use(n.inputs[slot], i, slot);
    if (slot >= n.inputs.size()) n.inputs.resize(slot + 1);
    n.inputs[slot] = v;
    if (!v.empty()) uses_[v].push_back({i, slot});
  }

  // Renames output `slot` of node i to v, which nothing produces any more (its producer was removed).
  void rename_output(int i, size_t slot, const std::string& v) {
    Node& n = node(i);
    auto it = producer_.find(n.outputs[slot]);
    if (it != producer_.end() && it->second == i) producer_.erase(it);
    n.outputs[slot] = v;
    producer_[v] = i;
  }

  // Marks node i dead and forgets its uses and outputs.
  void remove_node(int i) {
    Node& n = node(i);
    for (size_t k = 0; k < n.inputs.size(); ++k) drop_use(n.inputs[k], i, k);
    for (const auto& o : n.outputs) {
      auto it = producer_.find(o);
      if (!o.empty() && it != producer_.end() && it->second == i) producer_.erase(it);
    }
    alive_[static_cast<size_t>(i)] = false;
  }

  // Points every reader of `from` at `to`.
  void redirect_uses(const std::string& from, const std::string& to) {
    for (const Use& u : uses(from)) set_input(u.node, u.slot, to);
  }

  // A value name not used anywhere in the graph, starting from `base`.
  std::string fresh_name(const std::string& base) {
    std::string name = base;
    for (int k = 1; taken_.count(name); ++k) name = base + "_" + std::to_string(k);
    taken_.insert(name);
    return name;
  }

  void add_initializer(const std::string& name, std::shared_ptr<const Tensor> t) { g_->initializers[name] = t; }

  // The edited graph: living nodes by position, unread initializers and stale value_info entries dropped.
  std::shared_ptr<const Graph> finish() {
    std::vector<Node> nodes;
    for (int i : order()) nodes.push_back(std::move(node(i)));
    g_->nodes = std::move(nodes);
    std::set<std::string> read(graph_outputs_.begin(), graph_outputs_.end());
    std::set<std::string> produced;
    for (const Node& n : g_->nodes) {
      read.insert(n.inputs.begin(), n.inputs.end());
      produced.insert(n.outputs.begin(), n.outputs.end());
    }
    for (auto it = g_->initializers.begin(); it != g_->initializers.end();)
      it = read.count(it->first) ? std::next(it) : g_->initializers.erase(it);
    for (auto it = g_->value_info.begin(); it != g_->value_info.end();) {
      const bool exists = produced.count(it->first) || g_->initializers.count(it->first) ||
                          g_->find_input(it->first) != nullptr;
      it = exists ? std::next(it) : g_->value_info.erase(it);
    }
    return g_;
  }

 private:
  void drop_use(const std::string& v, int i, size_t slot) {
    if (v.empty()) return;
    auto it = uses_.find(v);
    if (it == uses_.end()) return;
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const Use& u) { return u.node == i && u.slot == slot; }),
               list.end());
    if (list.empty()) uses_.erase(it);
  }

  std::shared_ptr<Graph> g_;
  std::vector<bool> alive_;
  std::vector<int> position_;
  std::unordered_map<std::string, int> producer_;
  std::unordered_map<std::string, std::vector<Use>> uses_;
  std::set<std::string> graph_outputs_;
  std::set<std::string> taken_;
};

// ---- drop_identity ----------------------------------------------------------------------------------------

// True when a Dropout node runs as a copy and its mask is not needed.
bool dropout_is_droppable(const GraphEditor& ed, const Node& n) {
  if (n.has_output(1) && (!ed.uses(n.outputs[1]).empty() || ed.is_graph_output(n.outputs[1]))) return false;
  for (size_t k = 2; k < n.outputs.size(); ++k)
    if (n.has_output(k)) return false;
  if (n.has_input(2)) {  // training_mode (opset 12+): only a constant false is inference
    const Tensor* t = ed.initializer(n.inputs[2]);
    if (t == nullptr || t->numel() != 1 || t->value_as_double(0) != 0) return false;
  }
  return true;
}

// Identity/Dropout: readers of the output read the input instead. When the output is a graph output its name
// must survive, so the input's producer is renamed to it instead; when the input is a graph input, an
// initializer or itself a graph output, the node is kept (it is a real copy between two named values).
void drop_identity(GraphEditor& ed, std::vector<PassRecord>& log) {
  for (int i : ed.order()) {
    if (!ed.alive(i)) continue;
    const Node& n = ed.node(i);
    const bool identity = is_op(n, "Identity");
    if (!identity && !is_op(n, "Dropout")) continue;
    if (!n.has_input(0) || !n.has_output(0)) continue;
    if (!identity && !dropout_is_droppable(ed, n)) continue;
    const std::string x = n.inputs[0], y = n.outputs[0];
    const std::string what = node_label(n);
    if (!ed.is_graph_output(y)) {
      ed.remove_node(i);
      ed.redirect_uses(y, x);
      log.push_back({"drop_identity", {node_id(n)}, "", what + " dropped: its readers read '" + x + "' directly"});
      continue;
    }
    const int p = ed.producer(x);
    if (p < 0 || ed.is_graph_output(x)) continue;
    ed.remove_node(i);
    ed.redirect_uses(x, y);
    const Node& prod = ed.node(p);
    const size_t slot = static_cast<size_t>(std::find(prod.outputs.begin(), prod.outputs.end(), x) -
                                            prod.outputs.begin());
    ed.rename_output(p, slot, y);
    log.push_back({"drop_identity", {node_id(n)}, "",
                   what + " dropped: graph output '" + y + "' is now written by " + node_label(prod) +
                       " (was '" + x + "')"});
  }
}

// ---- fold_batchnorm ---------------------------------------------------------------------------------------

// A float32 initializer of exactly `count` elements, or nullptr.
const Tensor* float_initializer(const GraphEditor& ed, const std::string& name, int64_t count) {
  const Tensor* t = name.empty() ? nullptr : ed.initializer(name);
  if (t == nullptr || t->dtype() != DType::kFloat32) return nullptr;
  if (count >= 0 && (t->numel() != count || t->shape().size() != 1)) return nullptr;
  return t;
}

// BatchNormalization in inference form, per channel: returns epsilon, or a negative value when the node is not
// foldable (spatial=0, training mode, training outputs, an attribute of the wrong type).
float inference_batchnorm_epsilon(const Graph& g, const Node& bn) {
  for (size_t k = 1; k < bn.outputs.size(); ++k)
    if (bn.has_output(k)) return -1.f;
  try {
    const AttributeReader a(bn, g.path);
    if (g.opset < 9 && a.get_int("spatial", 1) != 1) return -1.f;
    if (g.opset >= 14 && a.get_int("training_mode", 0) != 0) return -1.f;
    const float eps = a.get_float("epsilon", 1e-5f);
    return eps >= 0.f && std::isfinite(eps) ? eps : -1.f;
  } catch (const ModelError&) {
    return -1.f;  // the layer reports the bad attribute when the graph is planned
  }
}

void fold_batchnorm(GraphEditor& ed, std::vector<PassRecord>& log) {
  for (int b : ed.order()) {
    if (!ed.alive(b)) continue;
    const Node& bn = ed.node(b);
    if (!is_op(bn, "BatchNormalization") || bn.inputs.size() != 5 || !bn.has_input(0) || !bn.has_output(0)) continue;
    const int c = ed.producer(bn.inputs[0]);
    if (c < 0 || ed.sole_consumer(bn.inputs[0]) != b) continue;
    const Node& conv = ed.node(c);
    if (!is_op(conv, "Conv") || has_fused_attributes(conv) || conv.outputs.size() != 1 || conv.inputs.size() > 3)
      continue;
    const Tensor* w = float_initializer(ed, conv.has_input(1) ? conv.inputs[1] : "", -1);
    if (w == nullptr || w->shape().size() < 3 || w->shape()[0] < 1) continue;
    const int64_t c_out = w->shape()[0];
    const Tensor* bias = nullptr;
    if (conv.has_input(2) && (bias = float_initializer(ed, conv.inputs[2], c_out)) == nullptr) continue;
    const Tensor* params[4] = {nullptr, nullptr, nullptr, nullptr};
    bool all = true;
    for (size_t k = 0; k < 4; ++k) all = all && (params[k] = float_initializer(ed, bn.inputs[k + 1], c_out));
    if (!all) continue;
    const float eps = inference_batchnorm_epsilon(ed.graph(), bn);
    if (eps < 0.f) continue;

    // a = scale / sqrt(var + eps); W' = W * a[m]; B' = (B - mean) * a + bias, in double, stored as float.
    const float* scale = params[0]->data<float>();
    const float* shift = params[1]->data<float>();
    const float* mean = params[2]->data<float>();
    const float* var = params[3]->data<float>();
    auto w_new = std::make_shared<Tensor>(DType::kFloat32, w->shape());
    auto b_new = std::make_shared<Tensor>(DType::kFloat32, Shape{c_out});
    const int64_t per_channel = w->numel() / c_out;
    bool finite = true;
    for (int64_t m = 0; m < c_out; ++m) {
      const double a = static_cast<double>(scale[m]) / std::sqrt(static_cast<double>(var[m]) + eps);
      const double b0 = bias ? static_cast<double>(bias->data<float>()[m]) : 0.0;
      b_new->data<float>()[m] = static_cast<float>((b0 - mean[m]) * a + shift[m]);
      for (int64_t k = 0; k < per_channel; ++k) {
        const int64_t at = m * per_channel + k;
        w_new->data<float>()[at] = static_cast<float>(static_cast<double>(w->data<float>()[at]) * a);
      }
      finite = finite && std::isfinite(a);
    }
    if (!finite) continue;  // var + eps <= 0: leave it to the layer, which computes what ONNX says

    const std::string bn_desc = node_label(bn), conv_desc = node_label(conv), y = bn.outputs[0];
    const std::string bn_id = node_id(bn);
    const std::string w_name = ed.fresh_name(conv.inputs[1] + "_bnfold");
    const std::string b_name = ed.fresh_name((bias ? conv.inputs[2] : conv.inputs[1] + "_bias") + "_bnfold");
    ed.add_initializer(w_name, w_new);
    ed.add_initializer(b_name, b_new);
    ed.remove_node(b);
    ed.set_input(c, 1, w_name);
    ed.set_input(c, 2, b_name);
    ed.rename_output(c, 0, y);
    std::ostringstream os;
    os << bn_desc << " folded into the weights and bias of " << conv_desc << ": " << c_out << " channels, epsilon "
       << eps;
    log.push_back({"fold_batchnorm", {bn_id}, node_id(ed.node(c)), os.str()});
  }
}

// ---- fuse_sum ---------------------------------------------------------------------------------------------

// Shapes of the imported graph's values, from plans at the model's own batch and at other batch sizes: each
// symbol naming a batch dimension (the same symbol is the same size in ONNX) gets its own size 2, 3, ..., so a
// value whose batch dimension broadcasts, or follows another input, shows up as a difference. Symbolic
// dimensions after the batch take the sizes the plan is for (`dims`, the --dim values). When the model does not
// plan with those sizes, the sizes it needs are unknown and fuse_sum does not run.
class ValueShapes {
 public:
  ValueShapes(const Graph& g, const std::map<std::string, int64_t>& dims) {
    InputBinding binding;
    try {
      InputRequest request;
      request.dims = dims;
      binding = bind_inputs(g, request).binding;
      plans_.push_back(std::make_unique<Plan>(g, binding));
    } catch (const ModelError& e) {
      why_unknown_ = std::string("the value shapes are unknown (") + e.what() + ")";
      plans_.clear();
      return;
    }
    std::map<std::string, int64_t> sizes;  // batch symbol -> size for the second plan
    bool symbolic = false;
    for (const auto& in : g.inputs) {
      if (in.dims.empty() || in.dims[0].fixed()) continue;
      const std::string symbol = in.dims[0].symbol.empty() ? "?" + in.name : in.dims[0].symbol;
      if (!sizes.count(symbol)) sizes[symbol] = 2 + static_cast<int64_t>(sizes.size());
      binding.shapes[in.name][0] = sizes[symbol];
      symbolic = true;
    }
    if (!symbolic) return;
    try {
      plans_.push_back(std::make_unique<Plan>(g, binding));
    } catch (const ModelError& e) {
      why_unknown_ = "the model does not plan with distinct sizes for its batch symbols, so which values share a "
                     "shape is unknown (" + std::string(e.what()) + ")";
      plans_.clear();
    }
  }
  bool known() const { return !plans_.empty(); }
  const std::string& why_unknown() const { return why_unknown_; }

  // The shape of a float32 value computed at run time in every plan; empty when it is not one.
  std::vector<Shape> runtime_float_shapes(const std::string& v) const {
    std::vector<Shape> shapes;
    for (const auto& plan : plans_) {
      const int id = plan->value_id(v);
      if (id < 0) return {};
      const PlanValue& value = plan->values()[static_cast<size_t>(id)];
      if (value.constant || value.dtype != DType::kFloat32) return {};
      shapes.push_back(value.shape);
    }
    return shapes;
  }

  // True when a and b are float32 values computed at run time with equal shapes in every plan.
  bool same_runtime_float_shape(const std::string& a, const std::string& b) const {
    if (plans_.empty()) return false;
    for (const auto& plan : plans_) {
      const int ia = plan->value_id(a), ib = plan->value_id(b);
      if (ia < 0 || ib < 0) return false;
      const PlanValue& va = plan->values()[static_cast<size_t>(ia)];
      const PlanValue& vb = plan->values()[static_cast<size_t>(ib)];
      if (va.constant || vb.constant || va.dtype != DType::kFloat32 || vb.dtype != DType::kFloat32) return false;
      if (va.shape != vb.shape) return false;
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<Plan>> plans_;
  std::string why_unknown_;
};

// The imported graph's ValueShapes, planned the first time a pass asks for them; a pass that cannot run without
// them notes why, once.
class LazyValueShapes {
 public:
  LazyValueShapes(const Graph& g, const std::map<std::string, int64_t>& dims, std::vector<std::string>& notes)
      : g_(g), dims_(dims), notes_(notes) {}
  // The shapes, or nullptr (with a note naming `pass`) when they are unknown.
  const ValueShapes* get(const std::string& pass) {
    if (!shapes_) shapes_ = std::make_unique<ValueShapes>(g_, dims_);
    if (shapes_->known()) return shapes_.get();
    notes_.push_back(pass + " skipped: " + shapes_->why_unknown());
    return nullptr;
  }

 private:
  const Graph& g_;
  const std::map<std::string, int64_t>& dims_;
  std::vector<std::string>& notes_;
  std::unique_ptr<ValueShapes> shapes_;
};

// A Conv whose output is read only by this Add and which has no fused sum or activation yet.
bool conv_can_take_sum(GraphEditor& ed, int conv, int add, const std::string& operand) {
  if (conv < 0 || ed.sole_consumer(operand) != add) return false;
  const Node& n = ed.node(conv);
  return is_op(n, "Conv") && !has_fused_attributes(n) && n.outputs.size() == 1 && n.inputs.size() <= 3;
}

void fuse_sum(GraphEditor& ed, const ValueShapes& shapes, std::vector<PassRecord>& log) {
  for (int a : ed.order()) {
    if (!ed.alive(a)) continue;
    const Node& add = ed.node(a);
    if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1 || !add.has_output(0)) continue;
    if (!add.has_input(0) || !add.has_input(1) || add.inputs[0] == add.inputs[1]) continue;
    // Candidates: a Conv operand whose residual (the other operand) is ready before the Conv runs is fused in
    // place; otherwise the fused Conv moves to the Add's position (its inputs are all ready there).
    int chosen = -1;
    bool move = false;
    for (size_t k = 0; k < 2; ++k) {
      const std::string& operand = add.inputs[k];
      const std::string& residual = add.inputs[1 - k];
      const int conv = ed.producer(operand);
      if (!conv_can_take_sum(ed, conv, a, operand)) continue;
      if (!shapes.same_runtime_float_shape(operand, residual)) continue;
      const int r = ed.producer(residual);
      const bool ready = r < 0 || ed.position(r) < ed.position(conv);
      if (chosen < 0 || (ready && move)) {
        chosen = static_cast<int>(k);
        move = !ready;
      }
    }
    if (chosen < 0) continue;
    const std::string operand = add.inputs[static_cast<size_t>(chosen)];
    const std::string residual = add.inputs[1 - static_cast<size_t>(chosen)];
    const std::string y = add.outputs[0], add_desc = node_label(add), add_id = node_id(add);
    const int add_position = ed.position(a);
    const int c = ed.producer(operand);
    ed.remove_node(a);
    if (ed.node(c).inputs.size() < 3) ed.set_input(c, 2, "");
    ed.set_input(c, 3, residual);
    ed.node(c).attributes[kSumAttribute] = int_attribute(1);
    ed.rename_output(c, 0, y);
    if (move) ed.set_position(c, add_position);
    log.push_back({"fuse_sum", {add_id}, node_id(ed.node(c)),
                   add_desc + " fused into " + node_label(ed.node(c)) + ": the Conv adds the residual '" +
                       residual + "'" + (move ? " (the Conv now runs where the Add ran)" : "")});
  }
}

// ---- fuse_activation --------------------------------------------------------------------------------------

// The value of a scalar float constant: an initializer or the output of a Constant node.
bool scalar_constant(const GraphEditor& ed, const std::string& name, float* value, int* constant_node) {
  *constant_node = -1;
  const Tensor* t = ed.initializer(name);
  if (t == nullptr) {
    const int p = ed.producer(name);
    if (p < 0) return false;
    const Node& n = ed.graph().nodes[static_cast<size_t>(p)];
    if (!is_op(n, "Constant") || n.outputs.size() != 1) return false;
    auto it = n.attributes.find("value");
    if (it == n.attributes.end() || it->second.type != Attribute::Type::kTensor || !it->second.t) return false;
    t = it->second.t.get();
    *constant_node = p;
  }
  if (t->dtype() != DType::kFloat32 || t->numel() != 1) return false;
  *value = t->data<float>()[0];
  return true;
}

// The activation a node computes, with its parameters; kind kNone when it cannot be fused.
FusedActivation activation_of(const GraphEditor& ed, const Node& n, std::vector<int>* bound_constants) {
  const FusedActivation none;
  if (!n.domain.empty() || !n.has_input(0) || n.outputs.size() != 1 || !n.has_output(0)) return none;
  FusedActivation act = default_activation(activation_kind_of(n.op_type));
  if (act.kind == ActivationKind::kNone) return none;
  try {
    const AttributeReader attrs(n, ed.graph().path);
    switch (act.kind) {
      case ActivationKind::kLeakyRelu:
      case ActivationKind::kElu: act.alpha = attrs.get_float("alpha", act.alpha); break;
      case ActivationKind::kHardSigmoid:
        act.alpha = attrs.get_float("alpha", act.alpha);
        act.beta = attrs.get_float("beta", act.beta);
        break;
      case ActivationKind::kClip:
        if (ed.graph().opset < 11) {
          if (n.inputs.size() != 1) return none;
          act.alpha = attrs.get_float("min", act.alpha);
          act.beta = attrs.get_float("max", act.beta);
          break;
        }
        if (n.inputs.size() > 3) return none;
        for (size_t k = 1; k < n.inputs.size(); ++k) {
          if (!n.has_input(k)) continue;
          int constant_node = -1;
          if (!scalar_constant(ed, n.inputs[k], k == 1 ? &act.alpha : &act.beta, &constant_node)) return none;
          if (constant_node >= 0) bound_constants->push_back(constant_node);
        }
        break;
      default:
        if (n.inputs.size() != 1) return none;
        break;
    }
  } catch (const ModelError&) {
    return none;  // a wrongly typed attribute: the layer reports it when the graph is planned
  }
  return act;
}

void fuse_activation(GraphEditor& ed, std::vector<PassRecord>& log) {
  for (int t : ed.order()) {
    if (!ed.alive(t)) continue;
    const Node& node = ed.node(t);
    if (activation_kind_of(node.op_type) == ActivationKind::kNone || !node.has_input(0)) continue;
    const int c = ed.producer(node.inputs[0]);
    if (c < 0 || ed.sole_consumer(node.inputs[0]) != t) continue;
    const Node& conv = ed.node(c);
    if (!is_op(conv, "Conv") || conv.attributes.count(kActivationAttribute) || conv.outputs.size() != 1) continue;
    std::vector<int> bound_constants;
    const FusedActivation act = activation_of(ed, node, &bound_constants);
    if (act.kind == ActivationKind::kNone) continue;

    PassRecord record{"fuse_activation", {node_id(node)}, node_id(conv),
                      node_label(node) + " fused into " + node_label(conv)};
    const std::string y = node.outputs[0];
    Node& fused = ed.node(c);
    fused.attributes[kActivationAttribute] = string_attribute(node.op_type);
    const ActivationKind kind = act.kind;
    if (kind == ActivationKind::kLeakyRelu || kind == ActivationKind::kElu || kind == ActivationKind::kHardSigmoid ||
        kind == ActivationKind::kClip) {
      fused.attributes[kAlphaAttribute] = float_attribute(act.alpha);
    }
    if (kind == ActivationKind::kHardSigmoid || kind == ActivationKind::kClip)
      fused.attributes[kBetaAttribute] = float_attribute(act.beta);
    ed.remove_node(t);
    ed.rename_output(c, 0, y);
    // Constant nodes that only fed the Clip bounds are gone with it.
    for (int k : bound_constants) {
      const Node& constant = ed.node(k);
      if (!ed.alive(k) || !ed.uses(constant.outputs[0]).empty() || ed.is_graph_output(constant.outputs[0])) continue;
      record.removed_nodes.push_back(node_id(constant));
      ed.remove_node(k);
    }
    log.push_back(std::move(record));
  }
}

// ---- fuse_gelu and fuse_layernorm: decompositions of opset < 20 / < 17 exports ------------------------------

// A constant's value: an initializer, or the tensor of a Constant node (whose index goes to `constant_node`).
const Tensor* constant_tensor(const GraphEditor& ed, const std::string& name, int* constant_node) {
  *constant_node = -1;
  if (name.empty()) return nullptr;
  if (const Tensor* t = ed.initializer(name)) return t;
  const int p = ed.producer(name);
  if (p < 0) return nullptr;
  const Node& n = ed.graph().nodes[static_cast<size_t>(p)];
  if (!is_op(n, "Constant") || n.outputs.size() != 1) return nullptr;
  auto it = n.attributes.find("value");
  if (it == n.attributes.end() || it->second.type != Attribute::Type::kTensor || !it->second.t) return nullptr;
  *constant_node = p;
  return it->second.t.get();
}

// True when `name` is a float32 constant of one element (rank 0 or 1, so it broadcasts without changing the other
// operand's shape) equal to `want` exactly; a Constant node producing it is added to `constants`.
bool is_scalar(const GraphEditor& ed, const std::string& name, float want, std::vector<int>* constants) {
  int node = -1;
  const Tensor* t = constant_tensor(ed, name, &node);
  if (t == nullptr || t->dtype() != DType::kFloat32 || t->numel() != 1 || t->shape().size() > 1) return false;
  if (t->data<float>()[0] != want) return false;
  if (node >= 0) constants->push_back(node);
  return true;
}

// A non-negative finite float32 scalar constant (the epsilon of a decomposed LayerNorm).
bool scalar_value(const GraphEditor& ed, const std::string& name, float* value, std::vector<int>* constants) {
  int node = -1;
  const Tensor* t = constant_tensor(ed, name, &node);
  if (t == nullptr || t->dtype() != DType::kFloat32 || t->numel() != 1 || t->shape().size() > 1) return false;
  *value = t->data<float>()[0];
  if (!std::isfinite(*value) || *value < 0.f) return false;
  if (node >= 0) constants->push_back(node);
  return true;
}

// A float32 plan-time constant with more than one element (Scale or B of a LayerNorm: params, as the separate Mul
// and Add count them): an initializer or a Constant node, also read through Identity nodes (torch.onnx writes
// Identity for initializers it merged); nullptr otherwise.
const Tensor* param_tensor(const GraphEditor& ed, const std::string& name) {
  std::string v = name;
  for (int hops = 0; hops < 8; ++hops) {
    int node = -1;
    if (const Tensor* t = constant_tensor(ed, v, &node))
      return t->dtype() == DType::kFloat32 && t->numel() > 1 ? t : nullptr;
    const int p = ed.producer(v);
    if (p < 0 || !is_op(ed.graph().nodes[static_cast<size_t>(p)], "Identity")) return nullptr;
    v = ed.graph().nodes[static_cast<size_t>(p)].inputs[0];
  }
  return nullptr;
}

// Node i when it is `op` (default domain) with `inputs` inputs, all present, and one output.
bool is_plain_op(const GraphEditor& ed, int i, const char* op, size_t inputs) {
  if (i < 0) return false;
  const Node& n = ed.graph().nodes[static_cast<size_t>(i)];
  if (!is_op(n, op) || n.inputs.size() != inputs || n.outputs.size() != 1 || !n.has_output(0)) return false;
  for (size_t k = 0; k < inputs; ++k)
    if (!n.has_input(k)) return false;
  return true;
}

// The node reading v when it is its only reader and is `op` with `inputs` inputs; -1 otherwise.
int sole_consumer_op(const GraphEditor& ed, const std::string& v, const char* op, size_t inputs) {
  const int c = ed.sole_consumer(v);
  return is_plain_op(ed, c, op, inputs) ? c : -1;
}

// The other input of two-input node n when one of them is v ("" when neither is).
std::string other_operand(const Node& n, const std::string& v) {
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return "";
}

const std::string& output_of(const GraphEditor& ed, int i) {
  return ed.graph().nodes[static_cast<size_t>(i)].outputs[0];
}

// Nodes matched for a fusion: the anchor becomes the fused node, the others go.
struct Match {
  std::vector<int> nodes;      // removed (the anchor not included)
  std::vector<int> constants;  // Constant nodes read by them, removed when nothing else reads them
  int last = -1;               // the node whose output the fused node writes
};

// x * f * 0.5 in the orders exporters write it: Mul(Mul(x, f), 0.5) (torch), Mul(Mul(f, 0.5), x), and
// Mul(Mul(x, 0.5), f) (x * 0.5 computed first, read only there); operands of each Mul in either order.
bool match_half_x_product(const GraphEditor& ed, const std::string& f, const std::string& x, Match* m) {
  const int m1 = sole_consumer_op(ed, f, "Mul", 2);
  if (m1 < 0) return false;
  const std::string o = other_operand(ed.graph().nodes[static_cast<size_t>(m1)], f);
  if (o == x || is_scalar(ed, o, 0.5f, &m->constants)) {
    const int m2 = sole_consumer_op(ed, output_of(ed, m1), "Mul", 2);
    if (m2 < 0) return false;
    const std::string o2 = other_operand(ed.graph().nodes[static_cast<size_t>(m2)], output_of(ed, m1));
    if (!(o == x ? is_scalar(ed, o2, 0.5f, &m->constants) : o2 == x)) return false;
    m->nodes.insert(m->nodes.end(), {m1, m2});
    m->last = m2;
    return true;
  }
  const int h = ed.producer(o);
  if (!is_plain_op(ed, h, "Mul", 2) || ed.sole_consumer(o) != m1) return false;
  if (other_operand(ed.graph().nodes[static_cast<size_t>(h)], x).empty()) return false;
  if (!is_scalar(ed, other_operand(ed.graph().nodes[static_cast<size_t>(h)], x), 0.5f, &m->constants)) return false;
  m->nodes.insert(m->nodes.end(), {h, m1});
  m->last = m1;
  return true;
}

// The anchor becomes `op` reading `inputs` and writing the last matched node's output, at that node's position
// (every input is ready there); the other matched nodes, and Constant nodes nothing reads any more, are removed.
PassRecord fuse_match(GraphEditor& ed, int anchor, const Match& m, const std::string& op,
                      const std::vector<std::string>& inputs, const std::map<std::string, Attribute>& attributes,
                      const std::string& pass, const std::string& what) {
  PassRecord record{pass, {}, "", ""};
  std::string removed_labels;
  const std::string y = output_of(ed, m.last);
  int position = ed.position(anchor);
  for (int k : m.nodes) {
    position = std::max(position, ed.position(k));
    record.removed_nodes.push_back(node_id(ed.node(k)));
    ed.remove_node(k);
  }
  for (size_t k = 0; k < inputs.size(); ++k) ed.set_input(anchor, k, inputs[k]);
  Node& fused = ed.node(anchor);
  const std::string anchor_label = node_label(fused);
  fused.op_type = op;
  fused.attributes = attributes;
  ed.rename_output(anchor, 0, y);
  ed.set_position(anchor, position);
  std::set<int> constants(m.constants.begin(), m.constants.end());
  for (int k : constants) {
    const Node& c = ed.node(k);
    if (!ed.alive(k) || !ed.uses(c.outputs[0]).empty() || ed.is_graph_output(c.outputs[0])) continue;
    record.removed_nodes.push_back(node_id(c));
    ed.remove_node(k);
  }
  record.target_node = node_id(ed.node(anchor));
  record.description = what + " fused into one " + op + " (" + anchor_label + " and " +
                       std::to_string(record.removed_nodes.size()) + " other nodes)";
  return record;
}

// Erf anchor: Div(x, sqrt 2) (or Mul(x, 1/sqrt 2)) -> Erf -> Add(1) -> x * . * 0.5. Returns x, or "".
std::string match_gelu_erf(const GraphEditor& ed, int e, Match* m) {
  const Node& erf = ed.graph().nodes[static_cast<size_t>(e)];
  if (!is_plain_op(ed, e, "Erf", 1)) return "";
  const int d = ed.producer(erf.inputs[0]);
  if (ed.sole_consumer(erf.inputs[0]) != e) return "";
  std::string x;
  if (is_plain_op(ed, d, "Div", 2)) {
    const Node& div = ed.graph().nodes[static_cast<size_t>(d)];
    if (is_scalar(ed, div.inputs[1], static_cast<float>(std::sqrt(2.0)), &m->constants)) x = div.inputs[0];
  } else if (is_plain_op(ed, d, "Mul", 2)) {
    const Node& mul = ed.graph().nodes[static_cast<size_t>(d)];
    for (size_t k = 0; k < 2 && x.empty(); ++k)
      if (is_scalar(ed, mul.inputs[1 - k], static_cast<float>(std::sqrt(0.5)), &m->constants)) x = mul.inputs[k];
  }
  if (x.empty()) return "";
  const int a = sole_consumer_op(ed, erf.outputs[0], "Add", 2);
  if (a < 0 ||
      !is_scalar(ed, other_operand(ed.graph().nodes[static_cast<size_t>(a)], erf.outputs[0]), 1.f, &m->constants))
    return "";
  m->nodes = {d, a};
  return match_half_x_product(ed, output_of(ed, a), x, m) ? x : "";
}

// Tanh anchor: Mul(sqrt(2/pi), Add(x, Mul(0.044715, cube))) -> Tanh -> Add(1) -> x * . * 0.5, cube = Pow(x, 3) or
// x * x * x (then *cube_by_multiplies). Returns x, or "".
std::string match_gelu_tanh(const GraphEditor& ed, int t, Match* m, bool* cube_by_multiplies) {
  if (!is_plain_op(ed, t, "Tanh", 1)) return "";
  const Node& tanh = ed.graph().nodes[static_cast<size_t>(t)];
  const std::string& inner = tanh.inputs[0];
  const int mb = ed.producer(inner);
  if (!is_plain_op(ed, mb, "Mul", 2) || ed.sole_consumer(inner) != t) return "";
  const Node& beta_mul = ed.graph().nodes[static_cast<size_t>(mb)];
  const float beta = static_cast<float>(std::sqrt(2.0 / 3.14159265358979323846));
  std::string sum;
  for (size_t k = 0; k < 2 && sum.empty(); ++k)
    if (is_scalar(ed, beta_mul.inputs[1 - k], beta, &m->constants)) sum = beta_mul.inputs[k];
  const int add = ed.producer(sum);
  if (!is_plain_op(ed, add, "Add", 2) || ed.sole_consumer(sum) != mb) return "";
  const Node& add_node = ed.graph().nodes[static_cast<size_t>(add)];
  for (size_t k = 0; k < 2; ++k) {
    const std::string x = add_node.inputs[1 - k], scaled = add_node.inputs[k];
    const int mk = ed.producer(scaled);
    if (!is_plain_op(ed, mk, "Mul", 2) || ed.sole_consumer(scaled) != add) continue;
    const Node& kappa_mul = ed.graph().nodes[static_cast<size_t>(mk)];
    std::vector<int> constants;
    std::string cube;
    for (size_t j = 0; j < 2 && cube.empty(); ++j)
      if (is_scalar(ed, kappa_mul.inputs[1 - j], 0.044715f, &constants)) cube = kappa_mul.inputs[j];
    const int c = ed.producer(cube);
    if (c < 0 || ed.sole_consumer(cube) != mk) continue;
    std::vector<int> cube_nodes = {c};
    if (is_plain_op(ed, c, "Pow", 2)) {
      const Node& pow = ed.graph().nodes[static_cast<size_t>(c)];
      if (pow.inputs[0] != x || !is_scalar(ed, pow.inputs[1], 3.f, &constants)) continue;
      *cube_by_multiplies = false;
    } else if (is_plain_op(ed, c, "Mul", 2)) {
      const std::string square = other_operand(ed.graph().nodes[static_cast<size_t>(c)], x);
      const int sq = ed.producer(square);
      if (square.empty() || !is_plain_op(ed, sq, "Mul", 2) || ed.sole_consumer(square) != c) continue;
      const Node& sq_node = ed.graph().nodes[static_cast<size_t>(sq)];
      if (sq_node.inputs[0] != x || sq_node.inputs[1] != x) continue;
      cube_nodes.push_back(sq);
      *cube_by_multiplies = true;
    } else {
      continue;
    }
    const int a1 = sole_consumer_op(ed, tanh.outputs[0], "Add", 2);
    if (a1 < 0 ||
        !is_scalar(ed, other_operand(ed.graph().nodes[static_cast<size_t>(a1)], tanh.outputs[0]), 1.f, &constants))
      return "";
    m->constants.insert(m->constants.end(), constants.begin(), constants.end());
    m->nodes = {mb, add, mk, a1};
    m->nodes.insert(m->nodes.end(), cube_nodes.begin(), cube_nodes.end());
    return match_half_x_product(ed, output_of(ed, a1), x, m) ? x : "";
  }
  return "";
}

void fuse_gelu(GraphEditor& ed, std::vector<PassRecord>& log) {
  for (int i : ed.order()) {
    if (!ed.alive(i)) continue;
    Match m;
    bool tanh = false, cube_by_multiplies = false;
    std::string x = match_gelu_erf(ed, i, &m);
    if (x.empty()) {
      m = Match();
      x = match_gelu_tanh(ed, i, &m, &cube_by_multiplies);
      tanh = !x.empty();
    }
    if (x.empty()) continue;
    std::map<std::string, Attribute> attributes{{"approximate", string_attribute(tanh ? "tanh" : "none")}};
    if (cube_by_multiplies) attributes[kCubeMultipliesAttribute] = int_attribute(1);
    const std::string what =
        tanh ? (cube_by_multiplies ? "GELU (tanh form, x * x * x)" : "GELU (tanh form)") : "GELU (erf form)";
    log.push_back(fuse_match(ed, i, m, "Gelu", {x}, attributes, "fuse_gelu", what));
  }
}

// The axes a ReduceMean reduces (attribute, or constant int64 input from opset 18) with keepdims = 1; false when
// the node is not of that form.
bool reduce_mean_axes(const GraphEditor& ed, int r, std::vector<int64_t>* axes, std::vector<int>* constants) {
  if (r < 0) return false;
  const Node& n = ed.graph().nodes[static_cast<size_t>(r)];
  if (!is_op(n, "ReduceMean") || n.inputs.empty() || !n.has_input(0) || n.inputs.size() > 2 || n.outputs.size() != 1 ||
      !n.has_output(0))
    return false;
  try {
    const AttributeReader a(n, ed.graph().path);
    if (a.get_int("keepdims", 1) != 1) return false;
    if (n.inputs.size() == 2 && n.has_input(1)) {
      int node = -1;
      const Tensor* t = constant_tensor(ed, n.inputs[1], &node);
      if (t == nullptr || t->dtype() != DType::kInt64 || t->numel() == 0) return false;
      axes->clear();
      for (int64_t k = 0; k < t->numel(); ++k) axes->push_back(t->data<int64_t>()[k]);
      if (node >= 0) constants->push_back(node);
    } else {
      *axes = a.get_ints("axes", {});
    }
  } catch (const ModelError&) {
    return false;
  }
  return !axes->empty();
}

// The number k of trailing dims `axes` names in every shape (the axes are exactly [rank - k, rank)), or 0.
int64_t trailing_axes(const std::vector<int64_t>& axes, const std::vector<Shape>& shapes) {
  int64_t k = static_cast<int64_t>(axes.size());
  for (const Shape& s : shapes) {
    const int64_t rank = static_cast<int64_t>(s.size());
    std::set<int64_t> normalized;
    for (int64_t a : axes) {
      if (a < -rank || a >= rank) return 0;
      normalized.insert(a < 0 ? a + rank : a);
    }
    if (static_cast<int64_t>(normalized.size()) != k || *normalized.begin() != rank - k) return 0;
  }
  return k;
}

Shape strip_leading_ones(const Shape& s) {
  size_t k = 0;
  while (k < s.size() && s[k] == 1) ++k;
  return Shape(s.begin() + static_cast<std::ptrdiff_t>(k), s.end());
}

// True when the constant `t`, multiplied into or added to X of `shapes` (normalized over the last k dims),
// broadcasts over the rows only: its shape is the normalized dims, leading 1s allowed, rank <= X's.
bool per_row_position(const Tensor& t, const std::vector<Shape>& shapes, int64_t k) {
  for (const Shape& s : shapes) {
    if (t.shape().size() > s.size()) return false;
    if (strip_leading_ones(t.shape()) != strip_leading_ones(Shape(s.end() - k, s.end()))) return false;
  }
  return true;
}

// ReduceMean anchor: ReduceMean(x) -> Sub(x, mean) = d -> Pow(d, 2) or Mul(d, d) -> ReduceMean (same axes) ->
// Add(epsilon) -> Sqrt -> Div(d, .) -> Mul(Scale) [-> Add(B)], over the trailing dims of x.
void fuse_layernorm(GraphEditor& ed, LazyValueShapes& lazy_shapes, std::vector<PassRecord>& log) {
  const ValueShapes* shapes = nullptr;
  bool asked = false;
  for (int r1 : ed.order()) {
    if (!ed.alive(r1)) continue;
    Match m;
    std::vector<int64_t> axes, axes2;
    if (!reduce_mean_axes(ed, r1, &axes, &m.constants)) continue;
    const std::string x = ed.node(r1).inputs[0];
    const int sub = sole_consumer_op(ed, output_of(ed, r1), "Sub", 2);
    if (sub < 0 || ed.node(sub).inputs[0] != x || ed.node(sub).inputs[1] != output_of(ed, r1)) continue;
    const std::string d = output_of(ed, sub);
    if (ed.is_graph_output(d)) continue;
    int sq = -1, div = -1;
    bool other_use = false;
    for (const Use& u : ed.uses(d)) {
      const Node& n = ed.node(u.node);
      if (is_plain_op(ed, u.node, "Div", 2) && u.slot == 0 && n.inputs[1] != d && div < 0) {
        div = u.node;
      } else if ((is_plain_op(ed, u.node, "Pow", 2) && u.slot == 0 && is_scalar(ed, n.inputs[1], 2.f, &m.constants)) ||
                 (is_plain_op(ed, u.node, "Mul", 2) && n.inputs[0] == d && n.inputs[1] == d)) {
        if (sq >= 0 && sq != u.node) other_use = true;
        sq = u.node;
      } else {
        other_use = true;
      }
    }
    if (other_use || sq < 0 || div < 0) continue;
    const int r2 = ed.sole_consumer(output_of(ed, sq));
    if (!reduce_mean_axes(ed, r2, &axes2, &m.constants) || axes2 != axes) continue;
    const int add_eps = sole_consumer_op(ed, output_of(ed, r2), "Add", 2);
    float epsilon = 0.f;
    if (add_eps < 0 || !scalar_value(ed, other_operand(ed.node(add_eps), output_of(ed, r2)), &epsilon, &m.constants))
      continue;
    const int sqrt_node = sole_consumer_op(ed, output_of(ed, add_eps), "Sqrt", 1);
    if (sqrt_node < 0 || ed.sole_consumer(output_of(ed, sqrt_node)) != div ||
        ed.node(div).inputs[1] != output_of(ed, sqrt_node))
      continue;
    const int mul = sole_consumer_op(ed, output_of(ed, div), "Mul", 2);
    if (mul < 0) continue;
    const std::string scale = other_operand(ed.node(mul), output_of(ed, div));
    const Tensor* scale_t = param_tensor(ed, scale);
    if (scale_t == nullptr) continue;
    std::string bias;
    const Tensor* bias_t = nullptr;
    const int add_bias = sole_consumer_op(ed, output_of(ed, mul), "Add", 2);
    if (add_bias >= 0) {
      bias = other_operand(ed.node(add_bias), output_of(ed, mul));
      bias_t = param_tensor(ed, bias);
      if (bias_t == nullptr) bias.clear();
    }
    // The shapes decide whether the axes are the trailing dims and Scale and B one value per row position.
    if (!asked) {
      shapes = lazy_shapes.get("fuse_layernorm");
      asked = true;
    }
    if (shapes == nullptr) return;
    const std::vector<Shape> x_shapes = shapes->runtime_float_shapes(x);
    const int64_t k = x_shapes.empty() ? 0 : trailing_axes(axes, x_shapes);
    if (k == 0 || !per_row_position(*scale_t, x_shapes, k)) continue;
    if (bias_t != nullptr && !per_row_position(*bias_t, x_shapes, k)) {
      bias.clear();
      bias_t = nullptr;
    }
    m.nodes = {sub, sq, r2, add_eps, sqrt_node, div, mul};
    m.last = mul;
    std::vector<std::string> inputs = {x, scale};
    if (bias_t != nullptr) {
      m.nodes.push_back(add_bias);
      m.last = add_bias;
      inputs.push_back(bias);
    }
    const std::map<std::string, Attribute> attributes{{"axis", int_attribute(-k)},
                                                      {"epsilon", float_attribute(epsilon)}};
    std::ostringstream what;
    what << "LayerNorm over the last " << k << " dim(s), epsilon " << epsilon << (bias_t ? "" : ", no B");
    log.push_back(fuse_match(ed, r1, m, "LayerNormalization", inputs, attributes, "fuse_layernorm", what.str()));
  }
}

}  // namespace

PassOptions PassOptions::for_device(const std::string& kind) {
  if (kind == "cpu" || kind == "cuda") return all();
  return none();
}

PassOptions PassOptions::parse(const std::string& text, const std::string& option) {
  if (text == "none") return none();
  if (text == "all") return all();
  throw ModelError(option + " " + text + ": expected 'none' (the graph as imported) or 'all' (every pass)");
}

std::string PassOptions::name() const {
  if (!any()) return "none";
  if (fold_batchnorm && drop_identity && fuse_activation && fuse_sum && fuse_gelu && fuse_layernorm) return "all";
  std::string s;
  const std::pair<bool, const char*> passes[] = {
      {drop_identity, "drop_identity"}, {fold_batchnorm, "fold_batchnorm"},
      {fuse_gelu, "fuse_gelu"},         {fuse_layernorm, "fuse_layernorm"},
      {fuse_sum, "fuse_sum"},           {fuse_activation, "fuse_activation"}};
  for (const auto& p : passes)
    if (p.first) s += (s.empty() ? "" : ",") + std::string(p.second);
  return s;
}

OptimizedGraph optimize(const Graph& imported, const PassOptions& options, const std::map<std::string, int64_t>& dims) {
  OptimizedGraph result;
  GraphEditor ed(imported);
  if (options.drop_identity) drop_identity(ed, result.log);
  if (options.fold_batchnorm) fold_batchnorm(ed, result.log);
  // Shapes of the imported graph: every value a pass looks at keeps its imported name and shape.
  LazyValueShapes shapes(imported, dims, result.notes);
  if (options.fuse_gelu) fuse_gelu(ed, result.log);
  if (options.fuse_layernorm) fuse_layernorm(ed, shapes, result.log);
  if (options.fuse_sum) {
    if (const ValueShapes* known = shapes.get("fuse_sum")) fuse_sum(ed, *known, result.log);
  }
  if (options.fuse_activation) fuse_activation(ed, result.log);
  result.graph = ed.finish();
  return result;
}

std::string executed_op_label(const Node& node) {
  std::string label = node.op_type;
  auto sum = node.attributes.find(kSumAttribute);
  if (sum != node.attributes.end() && sum->second.type == Attribute::Type::kInt && sum->second.i == 1) label += "+Add";
  auto act = node.attributes.find(kActivationAttribute);
  if (act != node.attributes.end() && act->second.type == Attribute::Type::kString) label += "+" + act->second.s;
  return label;
}

}  // namespace dnncost
