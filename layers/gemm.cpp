// Gemm (opsets 1-17): Y = alpha * A' * B' + beta * C, with A' = transA ? A^T : A ([M, K]), B' = transB ? B^T : B
// ([K, N]). C is required before opset 11 and optional from 11; it broadcasts unidirectionally to [M, N] (opset 7+)
// or, before opset 7, only when the "broadcast" attribute is 1 (else it must be [M, N]).
#include <sstream>

#include "kernels/gemm_ref.h"
#include "layers/gemm.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Gemm : public Layer, public ParsedAttributes<GemmParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    const bool c_required = ctx().opset < 11;
    DNNCOST_LAYER_EXPECT(!c_required || (in.size() > 2 && in[2].present),
                         "input C is required before opset 11 (this model uses opset " << ctx().opset << ")");
    expect_inputs(in, c_required ? 3 : 2, 3);
    expect_float(in[0], "input A");
    expect_float(in[1], "input B");
    has_c_ = in.size() > 2 && in[2].present;
    if (has_c_) expect_float(in[2], "input C");
    expect_rank(in[0], 2, 2, "input A");
    expect_rank(in[1], 2, 2, "input B");

    alpha_ = attrs().get_float("alpha", 1.f);
    beta_ = attrs().get_float("beta", 1.f);
    const int64_t trans_a = attrs().get_int("transA", 0), trans_b = attrs().get_int("transB", 0);
    DNNCOST_LAYER_EXPECT(trans_a == 0 || trans_a == 1, "transA must be 0 or 1, got " << trans_a);
    DNNCOST_LAYER_EXPECT(trans_b == 0 || trans_b == 1, "transB must be 0 or 1, got " << trans_b);
    trans_a_ = trans_a == 1;
    trans_b_ = trans_b == 1;
    parsed_ = {alpha_, beta_, trans_a_, trans_b_};

    const Shape& a = in[0].shape;
    const Shape& b = in[1].shape;
    m_ = trans_a_ ? a[1] : a[0];
    k_ = trans_a_ ? a[0] : a[1];
    const int64_t k_of_b = trans_b_ ? b[1] : b[0];
    n_ = trans_b_ ? b[0] : b[1];
    DNNCOST_LAYER_EXPECT(k_of_b == k_, "inner dimensions disagree: A "
                                           << shape_str(a) << " (transA=" << trans_a << ") gives K = " << k_
                                           << ", but B " << shape_str(b) << " (transB=" << trans_b
                                           << ") gives K = " << k_of_b << "; expected equal K");
    if (has_c_) resolve_c(in[2].shape);
    return {{in[0].dtype, {m_, n_}}};
  }

  // MACs = M*N*K. FLOPs = 2*M*N*K, plus M*N for alpha != 1, M*N for adding C, M*N for beta != 1 (with C).
  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>&) const override {
    const int64_t macs = shape_numel({m_, n_, k_});
    const int64_t mn = m_ * n_;
    int64_t flops = 2 * macs;
    if (alpha_ != 1.f) flops += mn;
    if (has_c_) flops += mn;
    if (has_c_ && beta_ != 1.f) flops += mn;
    return {macs, flops};
  }

  // B (the weight) and C (the bias) are trainable parameters when they are initializers.
  InputRole input_role(size_t i, const ValueDesc&) const override {
    return i == 1 || i == 2 ? InputRole::kParam : InputRole::kData;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* a = in[0]->data<float>();
    const float* b = in[1]->data<float>();
    float* y = out[0]->data<float>();

    // A' as a contiguous [M, K] matrix: A itself, or a transposed copy (A is the activation, usually small).
    std::vector<float> a_transposed;
    if (trans_a_) {
      a_transposed.resize(static_cast<size_t>(m_ * k_));
      for (int64_t p = 0; p < k_; ++p)
        for (int64_t i = 0; i < m_; ++i) a_transposed[i * k_ + p] = a[p * m_ + i];
      a = a_transposed.data();
    }
    if (trans_b_) {
      matmul_abt(m_, n_, k_, a, k_, b, k_, y, n_);  // B is [N, K]: dot products of contiguous rows
    } else {
      matmul_ikj(m_, n_, k_, a, k_, b, n_, y, n_);  // B is [K, N]
    }

    const float* c = has_c_ ? in[2]->data<float>() : nullptr;
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t j = 0; j < n_; ++j) {
        float v = y[i * n_ + j];
        if (alpha_ != 1.f) v *= alpha_;
        if (c) {
          float cv = c[i * c_row_stride_ + j * c_col_stride_];
          if (beta_ != 1.f) cv *= beta_;
          v += cv;
        }
        y[i * n_ + j] = v;
      }
    }
  }

 private:
  // Checks that C broadcasts to [M, N] and records its strides (0 along broadcast dims).
  void resolve_c(const Shape& c) {
    const bool legacy = ctx().opset < 7;
    const bool broadcast = !legacy || attrs().get_int("broadcast", 0) != 0;
    if (!broadcast) {
      DNNCOST_LAYER_EXPECT(c == (Shape{m_, n_}), "input C has shape " << shape_str(c) << ", expected [" << m_ << ", "
                                                                      << n_ << "] (broadcast=0 in opset " << ctx().opset
                                                                      << ")");
    }
    DNNCOST_LAYER_EXPECT(c.size() <= 2, "input C has shape " << shape_str(c) << ", expected rank <= 2");
    const int64_t rows = c.size() == 2 ? c[0] : 1;
    const int64_t cols = c.empty() ? 1 : c.back();
    DNNCOST_LAYER_EXPECT((rows == 1 || rows == m_) && (cols == 1 || cols == n_),
                         "input C has shape " << shape_str(c) << ", which does not broadcast to [M, N] = [" << m_
                                              << ", " << n_ << "] (expected dims of 1 or equal to M, N)");
    c_row_stride_ = rows == 1 ? 0 : cols;
    c_col_stride_ = cols == 1 ? 0 : 1;
  }

  float alpha_ = 1.f, beta_ = 1.f;
  bool trans_a_ = false, trans_b_ = false, has_c_ = false;
  int64_t m_ = 0, n_ = 0, k_ = 0;
  int64_t c_row_stride_ = 0, c_col_stride_ = 0;
};

DNNCOST_REGISTER_LAYER("Gemm", Gemm);

}  // namespace
}  // namespace dnncost
