// LRN: local response normalisation across channels (AlexNet, GoogLeNet). For channel c the square sum runs
// over channels c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2), clipped to the existing channels, and
// y = x / (bias + alpha / size * square_sum) ^ beta (kernels/lrn_functors.h). Opsets 1 and 13 are the same.
#include <algorithm>
#include <limits>
#include <sstream>

#include "kernels/lrn_functors.h"
#include "layers/lrn.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Lrn : public Layer, public ParsedAttributes<LrnParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    expect_float(in[0], "input X");
    DNNCOST_LAYER_EXPECT(
        in[0].rank() >= 3,
        "input X must have rank >= 3 (N, C and at least one spatial axis), got shape " << shape_str(in[0].shape));
    DNNCOST_LAYER_EXPECT(attrs().has("size"), "missing required attribute 'size' (the number of channels to sum over)");
    size_ = attrs().get_int("size");
    DNNCOST_LAYER_EXPECT(size_ >= 1 && size_ <= std::numeric_limits<int32_t>::max(),
                         "size is " << size_ << ", expected a channel count >= 1");
    parsed_ = {size_, attrs().get_float("alpha", 1e-4f), attrs().get_float("beta", 0.75f),
               attrs().get_float("bias", 1.0f)};
    fn_ = LrnFn{parsed_.alpha / static_cast<float>(size_), parsed_.beta, parsed_.bias};
    return {{DType::kFloat32, in[0].shape}};
  }

  // Per element: size multiplies and size - 1 adds for the square sum (full window, also at the channel edges),
  // then multiply by alpha / size, add bias, pow, divide.
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    const int64_t per_element = 2 * size_ - 1 + LrnFn::kFlopsAfterSquareSum;
    const int64_t n = in[0].numel();
    DNNCOST_LAYER_EXPECT(n <= std::numeric_limits<int64_t>::max() / per_element, "LRN FLOPs overflow int64");
    return {0, n * per_element};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Shape& shape = in[0]->shape();
    const int64_t batch = shape[0], channels = shape[1];
    const int64_t spatial = batch * channels == 0 ? 0 : in[0]->numel() / (batch * channels);
    const int64_t below = (size_ - 1) / 2;    // floor((size - 1) / 2) channels before c
    const int64_t above = size_ - 1 - below;  // ceil((size - 1) / 2) channels after c
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    std::vector<float> square_sum(static_cast<size_t>(spatial));
    for (int64_t n = 0; n < batch; ++n) {
      const float* xn = x + n * channels * spatial;
      for (int64_t c = 0; c < channels; ++c) {
        std::fill(square_sum.begin(), square_sum.end(), 0.f);
        const int64_t first = std::max<int64_t>(0, c - below);
        const int64_t last = std::min<int64_t>(channels - 1, c + above);
        for (int64_t c2 = first; c2 <= last; ++c2) {
          const float* xc2 = xn + c2 * spatial;
          for (int64_t s = 0; s < spatial; ++s) square_sum[s] += xc2[s] * xc2[s];
        }
        const float* xc = xn + c * spatial;
        float* yc = y + (n * channels + c) * spatial;
        for (int64_t s = 0; s < spatial; ++s) yc[s] = fn_(xc[s], square_sum[s]);
      }
    }
  }

 private:
  int64_t size_ = 0;
  LrnFn fn_{0.f, 0.f, 0.f};
};

DNNCOST_REGISTER_LAYER("LRN", Lrn);

}  // namespace
}  // namespace dnncost
