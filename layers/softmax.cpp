// Softmax and LogSoftmax. Opsets 1-12: the input is coerced to 2-D at `axis` (default 1) and each row of the
// flattened trailing dims [axis, rank) is normalized. Opset 13+: normalized along the single dim `axis`
// (default -1). The per-row math is in kernels/softmax_math.h.
#include <sstream>

#include "kernels/softmax_math.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// The input viewed as [outer, length, inner]: rows of `length` values, `inner` elements apart.
template <bool kLog>
class SoftmaxFamily : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    expect_float(in[0], "input");
    const Shape& x = in[0].shape;
    const int64_t rank = in[0].rank();
    const bool coerce_2d = ctx().opset < 13;
    const int64_t axis = attrs().get_int("axis", coerce_2d ? 1 : -1);
    DNNCOST_LAYER_EXPECT(axis >= -rank && axis < rank, "axis " << axis << " is out of range for an input of shape "
                                                               << shape_str(x) << " (expected " << -rank
                                                               << " <= axis < " << rank << ")");
    const int64_t a = axis < 0 ? axis + rank : axis;
    outer_ = 1;
    for (int64_t d = 0; d < a; ++d) outer_ *= x[d];
    if (coerce_2d) {
      length_ = 1;
      for (int64_t d = a; d < rank; ++d) length_ *= x[d];
      inner_ = 1;
    } else {
      length_ = x[a];
      inner_ = 1;
      for (int64_t d = a + 1; d < rank; ++d) inner_ *= x[d];
    }
    return {{in[0].dtype, x}};
  }

  // Softmax: 5 per element. LogSoftmax: 5 per element and 1 (the log) per row.
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    const int64_t n = in[0].numel();
    if (!kLog) return {0, n * kSoftmaxFlopsPerElement};
    const int64_t rows = length_ == 0 ? 0 : n / length_;
    return {0, n * kLogSoftmaxFlopsPerElement + rows * kLogSoftmaxFlopsPerRow};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    if (length_ == 0) return;
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < inner_; ++i) {
        const int64_t start = o * length_ * inner_ + i;
        if (kLog) {
          log_softmax_row(x + start, y + start, length_, inner_);
        } else {
          softmax_row(x + start, y + start, length_, inner_);
        }
      }
    }
  }

 private:
  int64_t outer_ = 1, length_ = 1, inner_ = 1;
};

using Softmax = SoftmaxFamily<false>;
using LogSoftmax = SoftmaxFamily<true>;

DNNCOST_REGISTER_LAYER("Softmax", Softmax);
DNNCOST_REGISTER_LAYER("LogSoftmax", LogSoftmax);

}  // namespace
}  // namespace dnncost
