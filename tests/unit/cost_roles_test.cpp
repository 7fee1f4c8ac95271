// Unit tests of the cost roles (metrics/cost_roles.h): a tiny attention block, masking and dropout between the
// products and the Softmax, products of activations that are not attention, convolutions, and the sums by role.
#include "metrics/cost_roles.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/passes.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

Tensor scalar(float v) {
  Tensor t(DType::kFloat32, Shape{});
  t.data<float>()[0] = v;
  return t;
}

Tensor int64s(const std::vector<int64_t>& v) {
  Tensor t(DType::kInt64, Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<int64_t>()[i] = v[i];
  return t;
}

// The role of each step, by node name.
std::map<std::string, CostRole> roles_by_name(const Plan& plan) {
  const std::vector<CostRole> roles = cost_roles(plan);
  EXPECT_EQ(roles.size(), plan.steps().size());
  std::map<std::string, CostRole> out;
  for (size_t i = 0; i < roles.size(); ++i) out[plan.steps()[i].node->name] = roles[i];
  return out;
}

// Single-head attention on x [1, T, D]: Q, K, V and the output projection by weights, QK^T / sqrt(D) -> Softmax -> AV.
constexpr int64_t kT = 4, kD = 8;

struct AttentionBlock {
  GraphBuilder b;
  std::string q, k, v, kt, scores, scaled, probs, context, out;
};

void build_attention(AttentionBlock& a) {
  const std::string x = a.b.input(random_tensor({1, kT, kD}, 1));
  a.q = a.b.node("MatMul", {x, a.b.weight(random_tensor({kD, kD}, 2))});
  a.k = a.b.node("MatMul", {x, a.b.weight(random_tensor({kD, kD}, 3))});
  a.v = a.b.node("MatMul", {x, a.b.weight(random_tensor({kD, kD}, 4))});
  a.kt = a.b.node("Transpose", {a.k}, {{"perm", attr_ints({0, 2, 1})}});
  a.scores = a.b.node("MatMul", {a.q, a.kt});
  a.scaled = a.b.node("Div", {a.scores, a.b.weight(scalar(2.8284f))});
  a.probs = a.b.node("Softmax", {a.scaled}, {{"axis", attr_int(-1)}});
  a.context = a.b.node("MatMul", {a.probs, a.v});
  a.out = a.b.node("MatMul", {a.context, a.b.weight(random_tensor({kD, kD}, 5))});
  a.b.output(a.out);
}

TEST(CostRoles, TinyAttentionBlock) {
  AttentionBlock a;
  build_attention(a);
  const Plan plan(a.b.graph(), bind_tensors(a.b.graph(), a.b.feeds()));
  const auto roles = roles_by_name(plan);
  EXPECT_EQ(roles.at("MatMul_0"), CostRole::kProjectionMlp);  // Q
  EXPECT_EQ(roles.at("MatMul_1"), CostRole::kProjectionMlp);  // K
  EXPECT_EQ(roles.at("MatMul_2"), CostRole::kProjectionMlp);  // V
  EXPECT_EQ(roles.at("Transpose_3"), CostRole::kOther);
  EXPECT_EQ(roles.at("MatMul_4"), CostRole::kAttentionScores);  // Q K^T
  EXPECT_EQ(roles.at("Div_5"), CostRole::kOther);
  EXPECT_EQ(roles.at("Softmax_6"), CostRole::kOther);
  EXPECT_EQ(roles.at("MatMul_7"), CostRole::kAttentionContext);  // softmax(.) V
  EXPECT_EQ(roles.at("MatMul_8"), CostRole::kProjectionMlp);     // output projection

  const RoleTotals t = role_totals(plan, cost_roles(plan));
  const auto at = [](const std::array<int64_t, kCostRoleCount>& v, CostRole r) { return v[static_cast<size_t>(r)]; };
  EXPECT_EQ(at(t.macs, CostRole::kAttentionScores), kT * kT * kD);
  EXPECT_EQ(at(t.macs, CostRole::kAttentionContext), kT * kT * kD);
  EXPECT_EQ(at(t.macs, CostRole::kProjectionMlp), 4 * kT * kD * kD);
  EXPECT_EQ(at(t.layers, CostRole::kProjectionMlp), 4);
  EXPECT_EQ(at(t.layers, CostRole::kOther), 3);
  EXPECT_EQ(at(t.macs, CostRole::kConvolution), 0);
  int64_t macs = 0, flops = 0;
  for (CostRole r : all_cost_roles()) {
    macs += at(t.macs, r);
    flops += at(t.flops, r);
  }
  EXPECT_EQ(macs, plan.totals().macs);
  EXPECT_EQ(flops, plan.totals().flops);
  EXPECT_GT(at(t.flops, CostRole::kOther), 0);  // Div and Softmax cost FLOPs, no MACs

  const nlohmann::json j = macs_by_role_json(t);
  ASSERT_EQ(j.size(), kCostRoleCount);
  EXPECT_EQ(j.at("attention_scores").get<int64_t>(), kT * kT * kD);
  EXPECT_EQ(j.at("attention_context").get<int64_t>(), kT * kT * kD);
  EXPECT_EQ(j.at("projection_mlp").get<int64_t>(), 4 * kT * kD * kD);
  EXPECT_EQ(j.at("activation_products").get<int64_t>(), 0);
  EXPECT_EQ(j.at("convolution").get<int64_t>(), 0);
  EXPECT_EQ(flops_by_role_json(t).at("other").get<int64_t>(), at(t.flops, CostRole::kOther));
}

// Multi-head layout: scores scaled by Mul, masked by an Add of a graph input, viewed by Reshape before the Softmax;
// Dropout and Cast between the Softmax and the context product. The imported graph keeps Dropout; the passes drop it.
TEST(CostRoles, MaskingViewsAndDropoutBetweenProductsAndSoftmax) {
  GraphBuilder b;
  const std::string q = b.input(random_tensor({2, kT, kD}, 1));  // [heads, T, d]
  const std::string kt = b.input(random_tensor({2, kD, kT}, 2));
  const std::string v = b.input(random_tensor({2, kT, kD}, 3));
  const std::string mask = b.input(random_tensor({1, kT, kT}, 4));
  const std::string s = b.node("MatMul", {q, kt});
  const std::string scaled = b.node("Mul", {b.weight(scalar(0.35f)), s});
  const std::string masked = b.node("Add", {scaled, mask});
  const std::string viewed = b.node("Reshape", {masked, b.weight(int64s({1, 2, kT, kT}))});
  const std::string probs = b.node("Softmax", {viewed}, {{"axis", attr_int(-1)}});
  const std::string back = b.node("Reshape", {probs, b.weight(int64s({2, kT, kT}))});
  const std::string dropped = b.node("Dropout", {back});
  const std::string cast = b.node("Cast", {dropped}, {{"to", attr_int(1)}});
  const std::string ctx = b.node("MatMul", {cast, v});
  b.output(ctx);
  const Plan imported(b.graph(), bind_tensors(b.graph(), b.feeds()));
  auto roles = roles_by_name(imported);
  EXPECT_EQ(roles.at("MatMul_0"), CostRole::kAttentionScores);
  EXPECT_EQ(roles.at("MatMul_8"), CostRole::kAttentionContext);
  EXPECT_EQ(roles.at("Dropout_6"), CostRole::kOther);

  const OptimizedGraph executed = optimize(b.graph(), PassOptions::all());
  const Plan plan(*executed.graph, bind_tensors(*executed.graph, b.feeds()));
  roles = roles_by_name(plan);
  EXPECT_EQ(roles.count("Dropout_6"), 0u);
  EXPECT_EQ(roles.at("MatMul_0"), CostRole::kAttentionScores);
  EXPECT_EQ(roles.at("MatMul_8"), CostRole::kAttentionContext);
}

// Products of two activations that neither feed nor read a Softmax (or reach one only through an op that is not
// scaling or masking) are activation products; a Gemm by a weight is a projection, a Gemm of two inputs is not.
TEST(CostRoles, ActivationProductsThatAreNotAttention) {
  GraphBuilder b;
  const std::string a = b.input(random_tensor({kT, kD}, 1));
  const std::string c = b.input(random_tensor({kD, kT}, 2));
  const std::string p = b.node("MatMul", {a, c});  // [T, T]
  const std::string r = b.node("Relu", {p});       // not scaling or masking
  const std::string sm = b.node("Softmax", {r}, {{"axis", attr_int(-1)}});
  const std::string g = b.node("Gemm", {sm, b.weight(random_tensor({kT, kD}, 3))});  // reads a Softmax: a weight too
  const std::string g2 = b.node("Gemm", {g, c});                                     // [T, T], two activations
  b.output(g2);
  const Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds()));
  const auto roles = roles_by_name(plan);
  EXPECT_EQ(roles.at("MatMul_0"), CostRole::kActivationProducts);
  EXPECT_EQ(roles.at("Relu_1"), CostRole::kOther);
  EXPECT_EQ(roles.at("Gemm_3"), CostRole::kProjectionMlp);
  EXPECT_EQ(roles.at("Gemm_4"), CostRole::kActivationProducts);
}

// A weight on the left (MatMul(W, x)) is a projection too; a product whose operands come from a Softmax only through
// an op that is not Dropout, Cast or a view is not the attention context.
TEST(CostRoles, WeightOnTheLeftAndSoftmaxTooFarBack) {
  GraphBuilder b;
  const std::string x = b.input(random_tensor({kD, kT}, 1));
  const std::string y = b.input(random_tensor({kT, kT}, 2));
  const std::string left = b.node("MatMul", {b.weight(random_tensor({kT, kD}, 3)), x});  // [T, T]
  const std::string sm = b.node("Softmax", {y}, {{"axis", attr_int(-1)}});
  const std::string sq = b.node("Sigmoid", {sm});
  const std::string p = b.node("MatMul", {sq, left});
  b.output(p);
  const Plan plan(b.graph(), bind_tensors(b.graph(), b.feeds()));
  const auto roles = roles_by_name(plan);
  EXPECT_EQ(roles.at("MatMul_0"), CostRole::kProjectionMlp);
  EXPECT_EQ(roles.at("MatMul_3"), CostRole::kActivationProducts);
}

// Conv, a Conv fused with its Relu by the passes, and ConvTranspose are convolutions; pooling is other.
TEST(CostRoles, Convolutions) {
  GraphBuilder b;
  const std::string x = b.input(random_tensor({1, 2, 6, 6}, 1));
  const std::string c1 = b.node("Conv", {x, b.weight(random_tensor({3, 2, 3, 3}, 2))});
  const std::string r1 = b.node("Relu", {c1});
  const std::string ct = b.node("ConvTranspose", {r1, b.weight(random_tensor({3, 2, 2, 2}, 3))});
  const std::string pool = b.node("GlobalAveragePool", {ct});
  b.output(pool);
  const OptimizedGraph executed = optimize(b.graph(), PassOptions::all());
  const Plan plan(*executed.graph, bind_tensors(*executed.graph, b.feeds()));
  const auto roles = roles_by_name(plan);
  ASSERT_EQ(roles.size(), 3u);  // the Relu is fused into the Conv
  EXPECT_EQ(roles.at("Conv_0"), CostRole::kConvolution);
  EXPECT_EQ(roles.at("ConvTranspose_2"), CostRole::kConvolution);
  EXPECT_EQ(roles.at("GlobalAveragePool_3"), CostRole::kOther);
  const RoleTotals t = role_totals(plan, cost_roles(plan));
  EXPECT_EQ(t.macs[static_cast<size_t>(CostRole::kConvolution)], plan.totals().macs);
}

TEST(CostRoles, NamesAndLabels) {
  std::set<std::string> names;
  for (CostRole r : all_cost_roles()) names.insert(cost_role_name(r));
  EXPECT_EQ(names, (std::set<std::string>{"attention_scores", "attention_context", "activation_products",
                                          "projection_mlp", "convolution", "other"}));
  EXPECT_STREQ(cost_role_label(CostRole::kAttentionScores), "attention scores (QK^T)");
  EXPECT_STREQ(cost_role_label(CostRole::kAttentionContext), "attention context (AV)");
}

}  // namespace
}  // namespace dnncost::testing
