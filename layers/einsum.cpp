// Einsum (opset 12): Einstein summation over any number of float32 (or float64) operands, numpy's rules: an equation
// "term,term,...[->term]" of letters (case-sensitive, spaces ignored) and at most one "..." per term for broadcast
// dimensions. Without "->" the output is the "..." dimensions, then the letters that appear exactly once, in ASCII
// order. A letter repeated within a term takes a diagonal; letters absent from the output are summed. Dimensions of
// size 1 broadcast. MaxViT's attention writes "BGHID,BGHJD->BGHIJ".
//
// Cost (the direct algorithm, as MatMul's): with n >= 2 operands, every point of the joint index space (all distinct
// labels) multiplies the n operands and accumulates: MACs = (n - 1) * product of all label sizes, FLOPs = 2 * MACs;
// for two operands this is the pairwise contraction's exact multiply count (batch * M * N * K, MatMul's MACs). One
// operand (transpose, diagonal, sum): 0 MACs, FLOPs = product of all label sizes - output elements (the adds).
// Operand initializers are params, as MatMul's.
//
// forward_ref runs two operands as a batched matrix product of packed copies (A [b, m, k], B [b, n, k]), any other
// count as one loop over the joint index space.
#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <type_traits>

#include "kernels/gemm_ref.h"
#include "layers/einsum.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

constexpr int kEllipsisLabel = 128;  // label ids: a letter is its ASCII code, ellipsis dimension g is 128 + g

// One term of the equation: its labels in order, with the ellipsis' place.
struct Term {
  std::vector<int> letters;  // ASCII codes
  int ellipsis_at = -1;      // index into letters before which "..." stands, or -1
};

// Walks a row-major index space (`sizes`), keeping offsets into several tensors (strides[t][d] per dimension).
class Odometer {
 public:
  Odometer(const std::vector<int64_t>& sizes, std::vector<std::vector<int64_t>> strides)
      : sizes_(sizes), strides_(std::move(strides)), index_(sizes.size(), 0), offsets_(strides_.size(), 0) {}
  const std::vector<int64_t>& offsets() const { return offsets_; }
  // Next point; false after the last one (offsets return to 0).
  bool next() {
    for (size_t d = sizes_.size(); d-- > 0;) {
      for (size_t t = 0; t < strides_.size(); ++t) offsets_[t] += strides_[t][d];
      if (++index_[d] < sizes_[d]) return true;
      for (size_t t = 0; t < strides_.size(); ++t) offsets_[t] -= strides_[t][d] * sizes_[d];
      index_[d] = 0;
    }
    return false;
  }

 private:
  std::vector<int64_t> sizes_;
  std::vector<std::vector<int64_t>> strides_;
  std::vector<int64_t> index_;
  std::vector<int64_t> offsets_;
};

// dst (row-major over `labels`) = src gathered along `labels` (sizes, src strides), summed over `summed` labels.
template <typename T>
void gather_sum(const T* src, const EinsumParams& p, size_t operand, const std::vector<int64_t>& labels,
                const std::vector<int64_t>& summed, T* dst) {
  std::vector<int64_t> sizes, strides, sum_sizes, sum_strides;
  int64_t count = 1;
  for (int64_t l : labels) {
    sizes.push_back(p.sizes[l]);
    strides.push_back(p.strides[operand][l]);
    count *= p.sizes[l];
  }
  int64_t sum_count = 1;
  for (int64_t l : summed) {
    sum_sizes.push_back(p.sizes[l]);
    sum_strides.push_back(p.strides[operand][l]);
    sum_count *= p.sizes[l];
  }
  if (count == 0) return;
  Odometer outer(sizes, {strides});
  for (int64_t i = 0; i < count; ++i, outer.next()) {
    const T* base = src + outer.offsets()[0];
    if (summed.empty()) {
      dst[i] = *base;
      continue;
    }
    double acc = 0;
    Odometer inner(sum_sizes, {sum_strides});
    for (int64_t j = 0; j < sum_count; ++j, inner.next()) acc += base[inner.offsets()[0]];
    dst[i] = static_cast<T>(acc);
  }
}

class Einsum : public Layer, public ParsedAttributes<EinsumParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    DNNCOST_LAYER_EXPECT(!in.empty(), "expected at least 1 input, got 0");
    for (size_t k = 0; k < in.size(); ++k) {
      DNNCOST_LAYER_EXPECT(in[k].present, "input " << k << " is missing (every input is required)");
      DNNCOST_LAYER_EXPECT(in[k].dtype == DType::kFloat32 || in[k].dtype == DType::kFloat64,
                           "input " << k << " has element type " << dtype_name(in[k].dtype)
                                    << "; Einsum computes float32 (or float64)");
      DNNCOST_LAYER_EXPECT(in[k].dtype == in[0].dtype, "inputs 0 and " << k << " must have the same element type, got "
                                                                       << dtype_name(in[0].dtype) << " and "
                                                                       << dtype_name(in[k].dtype));
    }
    dtype_ = in[0].dtype;
    resolve(in);
    Shape out(parsed_.sizes.begin(), parsed_.sizes.begin() + parsed_.output_labels);
    return {{dtype_, out}};
  }

  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    const int64_t points = joint_points();
    if (in.size() == 1) return {0, std::max<int64_t>(points - out[0].numel(), 0)};
    const int64_t macs = static_cast<int64_t>(in.size() - 1) * points;
    return {macs, 2 * macs};
  }
  InputRole input_role(size_t, const ValueDesc&) const override { return InputRole::kParam; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (dtype_ == DType::kFloat32)
      run<float>(in, *out[0]);
    else
      run<double>(in, *out[0]);
  }

 private:
  // --- parsing ---------------------------------------------------------------------------------------------------

  Term parse_term(const std::string& text, const std::string& equation) const {
    Term t;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        t.letters.push_back(c);
      } else if (c == '.' && text.compare(i, 3, "...") == 0) {
        DNNCOST_LAYER_EXPECT(t.ellipsis_at < 0, "equation '" << equation << "': term '" << text
                                                              << "' has more than one '...'");
        t.ellipsis_at = static_cast<int>(t.letters.size());
        i += 2;
      } else {
        fail("equation '" + equation + "': unexpected character '" + std::string(1, c) + "' in term '" + text +
             "' (expected letters a-z, A-Z and at most one '...' per term)");
      }
    }
    return t;
  }

  // Parses the equation against the operands' shapes into parsed_ (labels, sizes, strides).
  void resolve(const std::vector<ValueDesc>& in) {
    const std::string raw = attrs().get_string("equation", "");
    std::string eq;
    for (char c : raw)
      if (c != ' ' && c != '\t' && c != '\n') eq += c;
    DNNCOST_LAYER_EXPECT(!eq.empty(), "attribute 'equation' is missing or empty");
    const size_t arrow = eq.find("->");
    DNNCOST_LAYER_EXPECT(arrow == std::string::npos || eq.find("->", arrow + 2) == std::string::npos,
                         "equation '" << raw << "' has more than one '->'");
    const std::string lhs = eq.substr(0, arrow);
    std::vector<Term> terms;
    for (size_t start = 0;;) {
      const size_t comma = lhs.find(',', start);
      terms.push_back(parse_term(lhs.substr(start, comma - start), raw));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    DNNCOST_LAYER_EXPECT(terms.size() == in.size(), "equation '" << raw << "' has " << terms.size()
                                                                 << " operand term(s), but the node has " << in.size()
                                                                 << " input(s)");

    // Each operand's dimensions as labels; ellipsis dimensions right-aligned across operands.
    std::vector<std::vector<int>> dim_labels(in.size());
    int ellipsis_rank = 0;
    for (size_t k = 0; k < in.size(); ++k) {
      const int64_t rank = in[k].rank();
      const int64_t letters = static_cast<int64_t>(terms[k].letters.size());
      if (terms[k].ellipsis_at < 0) {
        DNNCOST_LAYER_EXPECT(letters == rank, "equation '" << raw << "': operand " << k << " has " << letters
                                                           << " index letter(s) but rank " << rank << " (shape "
                                                           << shape_str(in[k].shape) << ")");
      } else {
        DNNCOST_LAYER_EXPECT(letters <= rank, "equation '" << raw << "': operand " << k << " has " << letters
                                                           << " index letter(s), more than its rank " << rank);
        ellipsis_rank = std::max(ellipsis_rank, static_cast<int>(rank - letters));
      }
    }
    for (size_t k = 0; k < in.size(); ++k) {
      const Term& t = terms[k];
      const int e = static_cast<int>(in[k].rank()) - static_cast<int>(t.letters.size());
      for (size_t i = 0; i <= t.letters.size(); ++i) {
        if (static_cast<int>(i) == t.ellipsis_at)
          for (int g = 0; g < e; ++g) dim_labels[k].push_back(kEllipsisLabel + ellipsis_rank - e + g);
        if (i < t.letters.size()) dim_labels[k].push_back(t.letters[i]);
      }
    }

    // Label sizes: equal across operands, or 1 (broadcast); equal within one operand (a diagonal).
    std::map<int, int64_t> size_of;
    std::map<int, int> uses;  // letters: how many times they appear in the inputs
    std::vector<int> first_seen;
    for (size_t k = 0; k < in.size(); ++k) {
      std::map<int, int64_t> in_operand;
      for (size_t d = 0; d < dim_labels[k].size(); ++d) {
        const int l = dim_labels[k][d];
        const int64_t s = in[k].shape[d];
        if (l < kEllipsisLabel) ++uses[l];
        auto own = in_operand.find(l);
        DNNCOST_LAYER_EXPECT(own == in_operand.end() || own->second == s,
                             "equation '" << raw << "': index " << label_name(l) << " repeats in operand " << k
                                          << " with sizes " << own->second << " and " << s
                                          << " (a diagonal needs equal sizes)");
        in_operand[l] = s;
        auto it = size_of.find(l);
        if (it == size_of.end()) {
          size_of[l] = s;
          first_seen.push_back(l);
        } else if (it->second == 1) {
          it->second = s;
        } else {
          DNNCOST_LAYER_EXPECT(s == it->second || s == 1, "equation '" << raw << "': index " << label_name(l)
                                                                       << " has size " << it->second
                                                                       << " in one operand and " << s
                                                                       << " in operand " << k
                                                                       << " (expected equal sizes, or 1)");
        }
      }
    }

    // Output labels: explicit after "->", else the ellipsis dimensions and the letters used once, in ASCII order.
    std::vector<int> out_labels;
    if (arrow != std::string::npos) {
      const Term t = parse_term(eq.substr(arrow + 2), raw);
      for (size_t i = 0; i <= t.letters.size(); ++i) {
        if (static_cast<int>(i) == t.ellipsis_at)
          for (int g = 0; g < ellipsis_rank; ++g) out_labels.push_back(kEllipsisLabel + g);
        if (i < t.letters.size()) {
          const int l = t.letters[i];
          DNNCOST_LAYER_EXPECT(size_of.count(l), "equation '" << raw << "': output index " << label_name(l)
                                                              << " appears in no operand");
          DNNCOST_LAYER_EXPECT(std::find(out_labels.begin(), out_labels.end(), l) == out_labels.end(),
                               "equation '" << raw << "': output index " << label_name(l) << " appears twice");
          out_labels.push_back(l);
        }
      }
    } else {
      for (int g = 0; g < ellipsis_rank; ++g) out_labels.push_back(kEllipsisLabel + g);
      for (const auto& [letter, n] : uses)  // std::map: ASCII order
        if (n == 1) out_labels.push_back(letter);
    }

    // All labels: the output's, then the summed ones in order of first appearance.
    std::vector<int> labels = out_labels;
    for (int l : first_seen)
      if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
    parsed_.sizes.clear();
    parsed_.output_labels = static_cast<int64_t>(out_labels.size());
    int64_t points = 1;
    bool overflow = false;
    for (int l : labels) {
      const int64_t s = size_of[l];
      parsed_.sizes.push_back(s);
      if (s != 0 && points > std::numeric_limits<int64_t>::max() / s) overflow = true;
      points = overflow ? points : points * s;
    }
    const int64_t flops_per_point = 2 * static_cast<int64_t>(in.size());  // bounds MACs and FLOPs
    DNNCOST_LAYER_EXPECT(!overflow && points <= std::numeric_limits<int64_t>::max() / flops_per_point,
                         "equation '" << raw << "': the joint index space (the product of all index sizes) overflows "
                                      << "int64");
    points_ = points;
    parsed_.strides.assign(in.size(), std::vector<int64_t>(labels.size(), 0));
    for (size_t k = 0; k < in.size(); ++k) {
      const std::vector<int64_t> st = shape_strides(in[k].shape);
      for (size_t d = 0; d < dim_labels[k].size(); ++d) {
        if (in[k].shape[d] == 1) continue;  // broadcast (or a single position): no stride
        const size_t l = static_cast<size_t>(std::find(labels.begin(), labels.end(), dim_labels[k][d]) - labels.begin());
        parsed_.strides[k][l] += st[d];
      }
    }
  }

  static std::string label_name(int l) {
    if (l >= kEllipsisLabel) return "'...' dimension " + std::to_string(l - kEllipsisLabel);
    return std::string("'") + static_cast<char>(l) + "'";
  }

  int64_t joint_points() const { return points_; }

  // --- forward ---------------------------------------------------------------------------------------------------

  template <typename T>
  void run(const std::vector<const Tensor*>& in, Tensor& y) const {
    T* py = y.data<T>();
    for (int64_t i = 0; i < y.numel(); ++i) py[i] = T(0);
    if (points_ == 0) return;  // some index has size 0: nothing to sum (the output, if any, is zeros)
    if (in.size() == 2)
      contract_pair<T>(in[0]->data<T>(), in[1]->data<T>(), py);
    else
      contract_loop<T>(in, py);
  }

  // Two operands: C[b, m, n] = sum_k A[b, m, k] * B[b, n, k] over packed copies, then C scattered to the output.
  template <typename T>
  void contract_pair(const T* a, const T* b, T* y) const {
    const EinsumParams& p = parsed_;
    const EinsumParams::Roles r = p.classify();
    auto product = [&](const std::vector<int64_t>& ls) {
      int64_t n = 1;
      for (int64_t l : ls) n *= p.sizes[l];
      return n;
    };
    const int64_t nb = product(r.batch), m = product(r.m), n = product(r.n), k = product(r.k);
    auto concat = [](std::vector<int64_t> x, const std::vector<int64_t>& more) {
      x.insert(x.end(), more.begin(), more.end());
      return x;
    };
    std::vector<T> ap(static_cast<size_t>(nb * m * k)), bp(static_cast<size_t>(nb * n * k)), c(static_cast<size_t>(nb * m * n));
    gather_sum(a, p, 0, concat(concat(r.batch, r.m), r.k), r.a_sum, ap.data());
    gather_sum(b, p, 1, concat(concat(r.batch, r.n), r.k), r.b_sum, bp.data());
    for (int64_t i = 0; i < nb; ++i) {
      const T* ai = ap.data() + i * m * k;
      const T* bi = bp.data() + i * n * k;
      T* ci = c.data() + i * m * n;
      if constexpr (std::is_same_v<T, float>) {
        matmul_abt(m, n, k, ai, k, bi, k, ci, n);
      } else {
        for (int64_t x = 0; x < m; ++x)
          for (int64_t z = 0; z < n; ++z) {
            T acc = 0;
            for (int64_t q = 0; q < k; ++q) acc += ai[x * k + q] * bi[z * k + q];
            ci[x * n + z] = acc;
          }
      }
    }
    // The output walks its labels in order; C's stride along each (its layout is [batch..., m..., n...]).
    std::vector<int64_t> c_stride(p.sizes.size(), 0);
    int64_t s = 1;
    const std::vector<int64_t> c_labels = concat(concat(r.batch, r.m), r.n);
    for (size_t i = c_labels.size(); i-- > 0;) {
      c_stride[c_labels[i]] = s;
      s *= p.sizes[c_labels[i]];
    }
    std::vector<int64_t> out_sizes(p.sizes.begin(), p.sizes.begin() + p.output_labels);
    std::vector<int64_t> out_strides(c_stride.begin(), c_stride.begin() + p.output_labels);
    const int64_t count = shape_numel(out_sizes);
    Odometer walk(out_sizes, {out_strides});
    for (int64_t i = 0; i < count; ++i, walk.next()) y[i] = c[walk.offsets()[0]];
  }

  // Any number of operands: every output element sums, over the summed labels, the product of the operands.
  template <typename T>
  void contract_loop(const std::vector<const Tensor*>& in, T* y) const {
    const EinsumParams& p = parsed_;
    const size_t n_in = in.size();
    const std::vector<int64_t> out_sizes(p.sizes.begin(), p.sizes.begin() + p.output_labels);
    const std::vector<int64_t> sum_sizes(p.sizes.begin() + p.output_labels, p.sizes.end());
    std::vector<std::vector<int64_t>> out_strides, sum_strides;
    for (size_t k = 0; k < n_in; ++k) {
      out_strides.emplace_back(p.strides[k].begin(), p.strides[k].begin() + p.output_labels);
      sum_strides.emplace_back(p.strides[k].begin() + p.output_labels, p.strides[k].end());
    }
    std::vector<const T*> x(n_in);
    for (size_t k = 0; k < n_in; ++k) x[k] = in[k]->data<T>();
    const int64_t count = shape_numel(out_sizes), sum_count = shape_numel(sum_sizes);
    Odometer outer(out_sizes, out_strides);
    for (int64_t i = 0; i < count; ++i, outer.next()) {
      double acc = 0;
      Odometer inner(sum_sizes, sum_strides);
      for (int64_t j = 0; j < sum_count; ++j, inner.next()) {
        double term = 1;
        for (size_t k = 0; k < n_in; ++k) term *= x[k][outer.offsets()[k] + inner.offsets()[k]];
        acc += term;
      }
      y[i] = static_cast<T>(acc);
    }
  }

  DType dtype_ = DType::kUndefined;
  int64_t points_ = 0;  // product of all label sizes
};

DNNCOST_REGISTER_LAYER("Einsum", Einsum);

}  // namespace
}  // namespace dnncost
