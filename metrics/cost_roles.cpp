// Cost roles of a plan's layers (metrics/cost_roles.h): products classified by their operands and by whether they
// feed or read a Softmax; sums per role for info documents and profile records.
#include "metrics/cost_roles.h"

#include <set>

namespace dnncost {
namespace {

// How far the walks to and from a Softmax go (layers), so that a product is never tied to a Softmax far away.
constexpr int kMaxHops = 8;

bool is_default_domain(const Node& n) { return n.domain.empty() || n.domain == "ai.onnx"; }

bool is_product(const Node& n) {
  return is_default_domain(n) && (n.op_type == "MatMul" || n.op_type == "Gemm" || n.op_type == "Einsum");
}

bool is_convolution(const Node& n) {
  return is_default_domain(n) && (n.op_type == "Conv" || n.op_type == "ConvTranspose");
}

bool is_softmax(const Node& n) { return is_default_domain(n) && n.op_type == "Softmax"; }

// Ops that change only the layout of a value, not its meaning.
bool is_view(const std::string& op) {
  return op == "Reshape" || op == "Squeeze" || op == "Unsqueeze" || op == "Flatten" || op == "Identity";
}

// Between a score product and its Softmax: element-wise scaling and masking, and views. `input` is the position of
// the value in the node (the condition of a Where is not the scores).
bool passes_scores(const Node& n, size_t input) {
  if (!is_default_domain(n)) return false;
  const std::string& op = n.op_type;
  if (op == "Where") return input == 1 || input == 2;
  return op == "Mul" || op == "Div" || op == "Add" || op == "Sub" || op == "Cast" || is_view(op);
}

// Between a Softmax and the product that reads it: Dropout, Cast and views.
bool passes_weights(const Node& n) {
  return is_default_domain(n) && (n.op_type == "Dropout" || n.op_type == "Cast" || is_view(n.op_type));
}

// The operands of a product: A and B of MatMul and Gemm (not Gemm's C), every input of Einsum.
std::vector<int> operands(const PlanStep& s) {
  std::vector<int> ids;
  const size_t n = s.node->op_type == "Einsum" ? s.inputs.size() : std::min<size_t>(2, s.inputs.size());
  for (size_t i = 0; i < n; ++i)
    if (s.inputs[i] >= 0) ids.push_back(s.inputs[i]);
  return ids;
}

// The plan's connections: which step produces each value and which steps read it (at which input).
struct Links {
  std::vector<int> producer;                                 // per value: step index, -1 for none
  std::vector<std::vector<std::pair<int, size_t>>> readers;  // per value: (step index, input position)

  explicit Links(const Plan& plan) : producer(plan.values().size(), -1), readers(plan.values().size()) {
    for (size_t i = 0; i < plan.steps().size(); ++i) {
      const PlanStep& s = plan.steps()[i];
      for (int id : s.outputs)
        if (id >= 0) producer[static_cast<size_t>(id)] = static_cast<int>(i);
      for (size_t k = 0; k < s.inputs.size(); ++k)
        if (s.inputs[k] >= 0) readers[static_cast<size_t>(s.inputs[k])].push_back({static_cast<int>(i), k});
    }
  }
};

// Whether value `id` reaches a Softmax through scaling, masking and views.
bool reaches_softmax(const Plan& plan, const Links& links, int id) {
  std::vector<int> frontier = {id};
  std::set<int> seen = {id};
  for (int hop = 0; hop < kMaxHops && !frontier.empty(); ++hop) {
    std::vector<int> next;
    for (int v : frontier) {
      for (const auto& reader : links.readers[static_cast<size_t>(v)]) {
        const PlanStep& s = plan.steps()[static_cast<size_t>(reader.first)];
        if (is_softmax(*s.node) && reader.second == 0) return true;
        if (!passes_scores(*s.node, reader.second)) continue;
        for (int out : s.outputs)
          if (out >= 0 && seen.insert(out).second) next.push_back(out);
      }
    }
    frontier.swap(next);
  }
  return false;
}

// Whether value `id` is a Softmax's output, directly or through Dropout, Cast and views.
bool from_softmax(const Plan& plan, const Links& links, int id) {
  for (int hop = 0; hop <= kMaxHops && id >= 0; ++hop) {
    const int p = links.producer[static_cast<size_t>(id)];
    if (p < 0) return false;
    const PlanStep& s = plan.steps()[static_cast<size_t>(p)];
    if (is_softmax(*s.node)) return true;
    if (!passes_weights(*s.node) || s.inputs.empty()) return false;
    id = s.inputs[0];
  }
  return false;
}

CostRole product_role(const Plan& plan, const Links& links, const PlanStep& s) {
  const std::vector<int> ids = operands(s);
  if (ids.size() < 2) return CostRole::kOther;  // an Einsum of one operand: a transpose or a reduction
  for (int id : ids)
    if (plan.values()[static_cast<size_t>(id)].constant) return CostRole::kProjectionMlp;
  for (int id : ids)
    if (from_softmax(plan, links, id)) return CostRole::kAttentionContext;
  for (int out : s.outputs)
    if (out >= 0 && reaches_softmax(plan, links, out)) return CostRole::kAttentionScores;
  return CostRole::kActivationProducts;
}

nlohmann::json by_role_json(const std::array<int64_t, kCostRoleCount>& v) {
  nlohmann::json j = nlohmann::json::object();
  for (CostRole r : all_cost_roles()) j[cost_role_name(r)] = v[static_cast<size_t>(r)];
  return j;
}

}  // namespace

const std::array<CostRole, kCostRoleCount>& all_cost_roles() {
  static const std::array<CostRole, kCostRoleCount> kRoles = {
      CostRole::kAttentionScores, CostRole::kAttentionContext, CostRole::kActivationProducts,
      CostRole::kProjectionMlp,   CostRole::kConvolution,      CostRole::kOther};
  return kRoles;
}

const char* cost_role_name(CostRole role) {
  switch (role) {
    case CostRole::kAttentionScores:
      return "attention_scores";
    case CostRole::kAttentionContext:
      return "attention_context";
    case CostRole::kActivationProducts:
      return "activation_products";
    case CostRole::kProjectionMlp:
      return "projection_mlp";
    case CostRole::kConvolution:
      return "convolution";
    case CostRole::kOther:
      break;
  }
  return "other";
}

const char* cost_role_label(CostRole role) {
  switch (role) {
    case CostRole::kAttentionScores:
      return "attention scores (QK^T)";
    case CostRole::kAttentionContext:
      return "attention context (AV)";
    case CostRole::kActivationProducts:
      return "activation products";
    case CostRole::kProjectionMlp:
      return "projections and MLP";
    case CostRole::kConvolution:
      return "convolutions";
    case CostRole::kOther:
      break;
  }
  return "other";
}

const char* cost_role_short(CostRole role) {
  switch (role) {
    case CostRole::kAttentionScores:
      return "attn QK^T";
    case CostRole::kAttentionContext:
      return "attn AV";
    case CostRole::kActivationProducts:
      return "act x act";
    case CostRole::kProjectionMlp:
      return "proj/MLP";
    case CostRole::kConvolution:
      return "conv";
    case CostRole::kOther:
      break;
  }
  return "";
}

std::vector<CostRole> cost_roles(const Plan& plan) {
  const Links links(plan);
  std::vector<CostRole> roles;
  roles.reserve(plan.steps().size());
  for (const PlanStep& s : plan.steps()) {
    if (is_product(*s.node))
      roles.push_back(product_role(plan, links, s));
    else if (is_convolution(*s.node))
      roles.push_back(CostRole::kConvolution);
    else
      roles.push_back(CostRole::kOther);
  }
  return roles;
}

RoleTotals role_totals(const Plan& plan, const std::vector<CostRole>& roles) {
  RoleTotals t;
  for (size_t i = 0; i < plan.steps().size() && i < roles.size(); ++i) {
    const size_t r = static_cast<size_t>(roles[i]);
    ++t.layers[r];
    t.macs[r] += plan.steps()[i].cost.macs;
    t.flops[r] += plan.steps()[i].cost.flops;
  }
  return t;
}

nlohmann::json macs_by_role_json(const RoleTotals& totals) { return by_role_json(totals.macs); }
nlohmann::json flops_by_role_json(const RoleTotals& totals) { return by_role_json(totals.flops); }

}  // namespace dnncost
