// Unit tests of Einsum: attention's products (MaxViT's spaced upper-case equation, "bhwc,bhkc->bhwk"), matrix products,
// transposes, sums, diagonals, implicit outputs (ASCII order), ellipsis broadcasting, three operands, float64; values
// against a brute-force sum over every index assignment; MACs (product of all index sizes per pair), params and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "tests/unit/expect_error.h"
#include "tests/unit/op_test_util.h"

namespace dnncost::testing {
namespace {

// Brute force for an explicit equation of letters only: every assignment of every letter, the product of the
// operands at it added to the output element the output letters pick.
std::vector<double> brute_force(const std::string& equation, const std::vector<Tensor>& xs) {
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow), rhs = equation.substr(arrow + 2);
  std::vector<std::string> terms{""};
  for (char c : lhs) {
    if (c == ',')
      terms.emplace_back();
    else
      terms.back() += c;
  }
  std::map<char, int64_t> size;
  for (size_t k = 0; k < xs.size(); ++k)
    for (size_t d = 0; d < terms[k].size(); ++d) size[terms[k][d]] = std::max(size[terms[k][d]], xs[k].shape()[d]);
  std::vector<char> letters;
  for (const auto& [c, n] : size) letters.push_back(c);
  int64_t out_count = 1;
  for (char c : rhs) out_count *= size[c];
  std::vector<double> out(static_cast<size_t>(out_count), 0.0);
  std::map<char, int64_t> at;
  for (char c : letters) at[c] = 0;
  while (true) {
    double term = 1;
    for (size_t k = 0; k < xs.size(); ++k) {
      int64_t offset = 0;
      for (size_t d = 0; d < terms[k].size(); ++d) {
        const int64_t dim = xs[k].shape()[d];
        offset = offset * dim + (dim == 1 ? 0 : at[terms[k][d]]);
      }
      term *= xs[k].value_as_double(offset);
    }
    int64_t o = 0;
    for (char c : rhs) o = o * size[c] + at[c];
    out[static_cast<size_t>(o)] += term;
    size_t i = letters.size();
    while (i-- > 0) {
      if (++at[letters[i]] < size[letters[i]]) break;
      at[letters[i]] = 0;
    }
    if (i == static_cast<size_t>(-1)) break;
  }
  return out;
}

SingleOpResult einsum(const std::string& equation, std::vector<OpInput> inputs) {
  return run_single_op({"Einsum", {{"equation", attr_string(equation)}}, std::move(inputs), 1, 12});
}

void expect_values(const Tensor& got, const std::vector<double>& want, const std::string& what, double tol = 1e-5) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_NEAR(got.value_as_double(i), want[i], tol) << what << " element " << i;
}

TEST(Einsum, AttentionProductsAsMaxVitAndSwinWriteThem) {
  // MaxViT: "B G H I D, B G H J D -> B G H I J" (spaces and upper case), then attn @ V.
  const Tensor q = random_tensor({2, 3, 2, 5, 4}, 1), k = random_tensor({2, 3, 2, 6, 4}, 2);
  auto qk = einsum("B G H I D, B G H J D -> B G H I J", {in(q), in(k)});
  ASSERT_EQ(qk.outputs[0].shape(), (Shape{2, 3, 2, 5, 6}));
  expect_values(qk.outputs[0], brute_force("BGHID,BGHJD->BGHIJ", {q, k}), "QK^T");
  EXPECT_EQ(qk.cost.macs, 2 * 3 * 2 * 5 * 6 * 4);  // B G H I J D, MatMul's batch * M * N * K
  EXPECT_EQ(qk.cost.flops, 2 * qk.cost.macs);
  EXPECT_EQ(qk.cost.params, 0);
  const Tensor v = random_tensor({2, 3, 2, 6, 4}, 3);
  auto av = einsum("BGHIJ,BGHJD->BGHID", {in(qk.outputs[0]), in(v)});
  expect_values(av.outputs[0], brute_force("BGHIJ,BGHJD->BGHID", {qk.outputs[0], v}), "AV");
  const Tensor a = random_tensor({2, 3, 4, 5}, 4), b = random_tensor({2, 3, 6, 5}, 5);
  auto r = einsum("bhwc,bhkc->bhwk", {in(a), in(b)});
  expect_values(r.outputs[0], brute_force("bhwc,bhkc->bhwk", {a, b}), "bhwc,bhkc->bhwk");
  EXPECT_EQ(r.cost.macs, 2 * 3 * 4 * 6 * 5);
}

TEST(Einsum, ProductsSumsTransposesAndDiagonals) {
  const Tensor m34 = random_tensor({3, 4}, 6), m45 = random_tensor({4, 5}, 7), m33 = random_tensor({3, 3}, 8);
  const Tensor v4 = random_tensor({4}, 9), v3 = random_tensor({3}, 10);
  const struct {
    std::string equation, explicit_form;
    std::vector<Tensor> xs;
    Shape shape;
    int64_t macs, flops;
  } cases[] = {
      {"ij,jk->ik", "ij,jk->ik", {m34, m45}, {3, 5}, 60, 120},
      {"ij,jk", "ij,jk->ik", {m34, m45}, {3, 5}, 60, 120},  // implicit: letters used once, in order
      {"ij->ji", "ij->ji", {m34}, {4, 3}, 0, 0},
      {"ba", "ba->ab", {m34}, {4, 3}, 0, 0},  // implicit output sorted: a transpose
      {"ij->", "ij->", {m34}, {}, 0, 11},
      {"ij->i", "ij->i", {m34}, {3}, 0, 9},
      {"ii->i", "ii->i", {m33}, {3}, 0, 0},  // diagonal: no adds
      {"ii", "ii->", {m33}, {}, 0, 2},       // trace
      {"i,i", "i,i->", {v4, v4}, {}, 4, 8},
      {"i,j->ij", "i,j->ij", {v3, v4}, {3, 4}, 12, 24},
      {"ij,ij->ij", "ij,ij->ij", {m34, m34}, {3, 4}, 12, 24},
      {"ij,j->i", "ij,j->i", {m34, v4}, {3}, 12, 24},
      {"ij,k->i", "ij,k->i", {m34, v3}, {3}, 36, 72},  // j and k summed in one operand each
      {"ij,jk,kl->il", "ij,jk,kl->il", {m34, m45, random_tensor({5, 2}, 11)}, {3, 2}, 2 * 3 * 4 * 5 * 2,
       4 * 3 * 4 * 5 * 2},
  };
  for (const auto& c : cases) {
    std::vector<OpInput> inputs;
    for (const Tensor& t : c.xs) inputs.push_back(in(t));
    auto r = einsum(c.equation, inputs);
    ASSERT_EQ(r.outputs[0].shape(), c.shape) << c.equation;
    expect_values(r.outputs[0], brute_force(c.explicit_form, c.xs), c.equation);
    EXPECT_EQ(r.cost.macs, c.macs) << c.equation;
    EXPECT_EQ(r.cost.flops, c.flops) << c.equation;
  }
}

TEST(Einsum, ImplicitOutputIsInAsciiOrder) {
  // B (66) sorts before a (97) and c: "Ba,c" gives "Bac".
  const Tensor x = random_tensor({2, 3}, 12), y = random_tensor({4}, 13);
  auto r = einsum("Ba,c", {in(x), in(y)});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 4}));
  expect_values(r.outputs[0], brute_force("Ba,c->Bac", {x, y}), "Ba,c");
}

TEST(Einsum, EllipsisBroadcastsAndBatchDiagonal) {
  // "...ij,...jk->...ik" with batch dims [2, 1] and [3]: broadcast to [2, 3].
  const Tensor a = random_tensor({2, 1, 2, 3}, 14), b = random_tensor({3, 3, 2}, 15);
  auto r = einsum("...ij,...jk->...ik", {in(a), in(b)});
  ASSERT_EQ(r.outputs[0].shape(), (Shape{2, 3, 2, 2}));
  expect_values(r.outputs[0], brute_force("xyij,yjk->xyik", {a, b}), "...ij,...jk");  // size-1 x in b: broadcast
  EXPECT_EQ(r.cost.macs, 2 * 3 * 2 * 2 * 3);
  const Tensor d = random_tensor({3, 5, 5}, 16);
  auto diag = einsum("...ii->...i", {in(d)});
  ASSERT_EQ(diag.outputs[0].shape(), (Shape{3, 5}));
  expect_values(diag.outputs[0], brute_force("bii->bi", {d}), "batch diagonal");
  // Implicit output with an ellipsis: its dimensions first.
  auto imp = einsum("...j,j", {in(random_tensor({2, 4}, 17)), in(random_tensor({4}, 19))});
  EXPECT_EQ(imp.outputs[0].shape(), (Shape{2}));
  // An explicit output without "..." sums the ellipsis dimensions.
  auto summed = einsum("...i->i", {in(d)});
  EXPECT_EQ(summed.outputs[0].shape(), (Shape{5}));
}

TEST(Einsum, Float64AndInitializerOperandsAreParams) {
  Tensor a(DType::kFloat64, {2, 3});
  for (int64_t i = 0; i < 6; ++i) a.data<double>()[i] = 0.1 * static_cast<double>(i) - 0.2;
  Tensor b(DType::kFloat64, {3});
  for (int64_t i = 0; i < 3; ++i) b.data<double>()[i] = 1.0 + static_cast<double>(i);
  auto r = einsum("ij,j->i", {in(a), weight(b)});
  EXPECT_EQ(r.outputs[0].dtype(), DType::kFloat64);
  expect_values(r.outputs[0], brute_force("ij,j->i", {a, b}), "float64", 1e-12);
  EXPECT_EQ(r.cost.params, 3);  // the initializer operand, as MatMul's
}

TEST(Einsum, RandomEquationsMatchBruteForce) {
  // Two or three operands of random letters from "abcd" (repeats make diagonals), sizes 1-3 per letter (an operand
  // may hold a letter as 1: broadcast), and an explicit output of a random subset in random order.
  std::mt19937 rng(2024);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int trial = 0; trial < 300; ++trial) {
    const int64_t size[4] = {1 + pick(3), 1 + pick(3), 1 + pick(3), 1 + pick(3)};
    const int n_ops = 2 + (trial % 5 == 0 ? 1 : 0);
    std::string equation;
    std::vector<Tensor> xs;
    std::string used;
    for (int k = 0; k < n_ops; ++k) {
      std::string term;
      Shape shape;
      const int rank = pick(4);
      for (int d = 0; d < rank; ++d) {
        const int l = pick(4);
        const bool repeated = term.find(static_cast<char>('a' + l)) != std::string::npos;
        term += static_cast<char>('a' + l);
        shape.push_back(!repeated && pick(5) == 0 ? 1 : size[l]);
        if (used.find(term.back()) == std::string::npos) used += term.back();
      }
      // A repeated letter needs one size within its operand.
      for (size_t d = 0; d < term.size(); ++d)
        for (size_t e = 0; e < d; ++e)
          if (term[d] == term[e]) shape[d] = shape[e];
      equation += (k ? "," : "") + term;
      xs.push_back(random_tensor(shape, 100 + static_cast<unsigned>(trial * 3 + k)));
    }
    std::shuffle(used.begin(), used.end(), rng);
    const std::string out = used.substr(0, static_cast<size_t>(pick(static_cast<int>(used.size()) + 1)));
    equation += "->" + out;
    std::vector<OpInput> inputs;
    for (const Tensor& t : xs) inputs.push_back(in(t));
    auto r = einsum(equation, inputs);
    expect_values(r.outputs[0], brute_force(equation, xs), equation, 1e-4);
  }
}

TEST(Einsum, Errors) {
  const Tensor m = random_tensor({3, 4}, 18);
  expect_model_error({"Einsum", {}, {in(m)}, 1, 12}, {"attribute 'equation' is missing"});
  expect_model_error({"Einsum", {{"equation", attr_string("ij,jk->ik")}}, {in(m)}, 1, 12},
                     {"2 operand term(s)", "1 input(s)"});
  expect_model_error({"Einsum", {{"equation", attr_string("ijk->i")}}, {in(m)}, 1, 12}, {"3 index letter(s) but rank 2"});
  expect_model_error({"Einsum", {{"equation", attr_string("ij,ij->i")}}, {in(m), in(random_tensor({3, 5}))}, 1, 12},
                     {"index 'j' has size 4", "and 5 in operand 1"});
  expect_model_error({"Einsum", {{"equation", attr_string("ii->i")}}, {in(m)}, 1, 12}, {"repeats in operand 0"});
  expect_model_error({"Einsum", {{"equation", attr_string("ij->k")}}, {in(m)}, 1, 12}, {"output index 'k' appears in no operand"});
  expect_model_error({"Einsum", {{"equation", attr_string("ij->ii")}}, {in(m)}, 1, 12}, {"output index 'i' appears twice"});
  expect_model_error({"Einsum", {{"equation", attr_string("i1->i")}}, {in(m)}, 1, 12}, {"unexpected character '1'"});
  expect_model_error({"Einsum", {{"equation", attr_string("ij->i->j")}}, {in(m)}, 1, 12}, {"more than one '->'"});
  expect_model_error({"Einsum", {{"equation", attr_string("ij->ij")}}, {in(Tensor::from_int64({1, 2}, {1, 2}))}, 1, 12},
                     {"element type int64", "float32"});
}

}  // namespace
}  // namespace dnncost::testing
