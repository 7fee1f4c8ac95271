// MatMul (opsets 1, 9, 13) with numpy.matmul semantics: a 1-D A is [1, K] and a 1-D B is [K, 1] (the added dim
// is removed from the result); dims before the last two are batch dims and broadcast against each other.
#include <algorithm>
#include <sstream>

#include "kernels/gemm_ref.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class MatMul : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    expect_float(in[0], "input A");
    expect_float(in[1], "input B");
    const Shape& a = in[0].shape;
    const Shape& b = in[1].shape;
    DNNCOST_LAYER_EXPECT(!a.empty() && !b.empty(),
                         "inputs must have rank >= 1, got A " << shape_str(a) << " and B " << shape_str(b));
    const bool a_vector = a.size() == 1, b_vector = b.size() == 1;
    m_ = a_vector ? 1 : a[a.size() - 2];
    k_ = a.back();
    const int64_t k_of_b = b_vector ? b[0] : b[b.size() - 2];
    n_ = b_vector ? 1 : b.back();
    DNNCOST_LAYER_EXPECT(k_of_b == k_, "inner dimensions disagree: A "
                                           << shape_str(a) << " has K = " << k_ << " (its last dim), B " << shape_str(b)
                                           << " has K = " << k_of_b << " (its "
                                           << (b_vector ? "only" : "second-to-last") << " dim); expected equal K");

    // Batch dims, right-aligned and broadcast; strides of 0 along dims an operand broadcasts.
    const Shape batch_a(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
    const Shape batch_b(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
    const size_t rank = std::max(batch_a.size(), batch_b.size());
    batch_shape_.assign(rank, 1);
    a_batch_strides_.assign(rank, 0);
    b_batch_strides_.assign(rank, 0);
    int64_t a_stride = m_ * k_, b_stride = k_ * n_;  // elements of one matrix of each operand
    for (size_t r = 0; r < rank; ++r) {
      const size_t d = rank - 1 - r;  // walk from the innermost batch dim outwards
      const int64_t da = r < batch_a.size() ? batch_a[batch_a.size() - 1 - r] : 1;
      const int64_t db = r < batch_b.size() ? batch_b[batch_b.size() - 1 - r] : 1;
      DNNCOST_LAYER_EXPECT(da == db || da == 1 || db == 1, "batch dimensions of A "
                                                               << shape_str(a) << " and B " << shape_str(b)
                                                               << " do not broadcast (" << da << " vs " << db
                                                               << "; expected equal or 1)");
      batch_shape_[d] = da == 1 ? db : da;
      a_batch_strides_[d] = da == 1 ? 0 : a_stride;
      b_batch_strides_[d] = db == 1 ? 0 : b_stride;
      a_stride *= da;
      b_stride *= db;
    }
    batch_count_ = shape_numel(batch_shape_);

    Shape y = batch_shape_;
    if (!a_vector) y.push_back(m_);
    if (!b_vector) y.push_back(n_);
    return {{in[0].dtype, y}};
  }

  // MACs = prod(broadcast batch dims) * M * N * K; FLOPs = 2 * MACs.
  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>&) const override {
    const int64_t macs = shape_numel({batch_count_, m_, n_, k_});
    return {macs, 2 * macs};
  }

  // Either operand is a trainable weight when it is an initializer.
  InputRole input_role(size_t, const ValueDesc&) const override { return InputRole::kParam; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* a = in[0]->data<float>();
    const float* b = in[1]->data<float>();
    float* y = out[0]->data<float>();
    const int64_t rank = static_cast<int64_t>(batch_shape_.size());
    std::vector<int64_t> index(batch_shape_.size(), 0);  // batch multi-index, innermost last
    for (int64_t batch = 0; batch < batch_count_; ++batch) {
      int64_t a_offset = 0, b_offset = 0;
      for (int64_t d = 0; d < rank; ++d) {
        a_offset += index[d] * a_batch_strides_[d];
        b_offset += index[d] * b_batch_strides_[d];
      }
      matmul_ikj(m_, n_, k_, a + a_offset, k_, b + b_offset, n_, y + batch * m_ * n_, n_);
      for (int64_t d = rank - 1; d >= 0; --d) {  // next multi-index
        if (++index[d] < batch_shape_[d]) break;
        index[d] = 0;
      }
    }
  }

 private:
  int64_t m_ = 0, n_ = 0, k_ = 0, batch_count_ = 1;
  Shape batch_shape_;
  std::vector<int64_t> a_batch_strides_, b_batch_strides_;
};

DNNCOST_REGISTER_LAYER("MatMul", MatMul);

}  // namespace
}  // namespace dnncost
