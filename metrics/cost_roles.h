// Cost roles: what each layer of a plan is for, so that `info` and `profile` can sum MACs and FLOPs by role
// (attention products, projections and MLP, convolutions, the rest). A pure function of the plan's graph: the ops,
// which operands are known at plan time (weights) and how the layers are connected. The rules (docs/COSTS.md,
// "Cost roles"):
//
//   attention_scores     MatMul, Gemm or Einsum of two run-time operands whose result reaches a Softmax, directly or
//                        through element-wise scaling and masking (Mul, Div, Add, Sub, Where) and views
//   attention_context    MatMul, Gemm or Einsum of two run-time operands, one of them a Softmax's output, directly or
//                        through Dropout, Cast and views
//   activation_products  any other product of two run-time operands
//   projection_mlp       MatMul, Gemm or Einsum with an operand known at plan time (a weight)
//   convolution          Conv, ConvTranspose (fused Conv+Add+Relu... included)
//   other                everything else (normalisation, activations, pooling, data movement)
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace dnncost {

enum class CostRole { kAttentionScores, kAttentionContext, kActivationProducts, kProjectionMlp, kConvolution, kOther };
constexpr size_t kCostRoleCount = 6;

// Every role, in the order the summaries list them.
const std::array<CostRole, kCostRoleCount>& all_cost_roles();
// The role's name in records: "attention_scores", "attention_context", "activation_products", "projection_mlp",
// "convolution", "other".
const char* cost_role_name(CostRole role);
// For people: "attention scores (QK^T)", "attention context (AV)", "activation products", "projections and MLP",
// "convolutions", "other".
const char* cost_role_label(CostRole role);
// For a table column: "attn QK^T", "attn AV", "act x act", "proj/MLP", "conv", "".
const char* cost_role_short(CostRole role);

// The role of every step of the plan, in step order.
std::vector<CostRole> cost_roles(const Plan& plan);

// Sums over the layers of each role.
struct RoleTotals {
  std::array<int64_t, kCostRoleCount> layers{}, macs{}, flops{};
};
RoleTotals role_totals(const Plan& plan, const std::vector<CostRole>& roles);

// {"attention_scores": n, ..., "other": n}: every role, zeros included, of the MACs (or FLOPs) of `totals`.
nlohmann::json macs_by_role_json(const RoleTotals& totals);
nlohmann::json flops_by_role_json(const RoleTotals& totals);

}  // namespace dnncost
