// InstanceNormalization (opsets 1 and 6): for every (n, c), the mean and (population) variance over the spatial
// dims, then y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c], applied as y = x * a + b
// (kernels/normalization_math.h).
#include <sstream>

#include "kernels/normalization_math.h"
#include "layers/instancenorm.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class InstanceNormalization : public Layer, public ParsedAttributes<InstanceNormParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 3, 3);
    expect_float(in[0], "input");
    expect_float(in[1], "scale");
    expect_float(in[2], "B");
    const ValueDesc& x = in[0];
    DNNCOST_LAYER_EXPECT(x.rank() >= 3,
                         "input must have rank >= 3 (N x C x D1 x ...), got shape " << shape_str(x.shape));
    epsilon_ = attrs().get_float("epsilon", 1e-5f);
    parsed_.epsilon = epsilon_;
    DNNCOST_LAYER_EXPECT(epsilon_ >= 0.f, "epsilon must be >= 0, got " << epsilon_);
    batch_ = x.shape[0];
    channels_ = x.shape[1];
    spatial_ = 1;
    for (int64_t d = 2; d < x.rank(); ++d) spatial_ *= x.shape[d];
    const char* names[] = {"input", "scale", "B"};
    for (size_t i = 1; i < 3; ++i) {
      DNNCOST_LAYER_EXPECT(in[i].numel() == channels_,
                           "input '" << names[i] << "' has shape " << shape_str(in[i].shape) << ", expected ["
                                     << channels_ << "] (one value per channel of input " << shape_str(x.shape) << ")");
    }
    return {{x.dtype, x.shape}};
  }

  // Per (n, c) over S spatial elements: mean = S adds + 1 divide; variance = S * (subtract, multiply, add) +
  // 1 divide; a, b = kScaleShiftSetupFlops (5); y = 2 per element. Total 6 * numel + 7 * N * C.
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    const int64_t planes = batch_ * channels_;
    return {0, in[0].numel() * (1 + 3 + kScaleShiftApplyFlops) + planes * (2 + kScaleShiftSetupFlops)};
  }

  InputRole input_role(size_t i, const ValueDesc&) const override {
    return i == 1 || i == 2 ? InputRole::kParam : InputRole::kData;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    const float* scale = in[1]->data<float>();
    const float* bias = in[2]->data<float>();
    float* y = out[0]->data<float>();
    if (spatial_ == 0) return;
    for (int64_t n = 0; n < batch_; ++n) {
      for (int64_t c = 0; c < channels_; ++c) {
        const float* xp = x + (n * channels_ + c) * spatial_;
        float* yp = y + (n * channels_ + c) * spatial_;
        // Statistics accumulated in double: a plane can hold hundreds of thousands of values.
        double sum = 0;
        for (int64_t s = 0; s < spatial_; ++s) sum += xp[s];
        const double mean = sum / static_cast<double>(spatial_);
        double sq = 0;
        for (int64_t s = 0; s < spatial_; ++s) {
          const double d = xp[s] - mean;
          sq += d * d;
        }
        const double var = sq / static_cast<double>(spatial_);
        const ScaleShift ab =
            make_scale_shift(scale[c], bias[c], static_cast<float>(mean), static_cast<float>(var), epsilon_);
        for (int64_t s = 0; s < spatial_; ++s) yp[s] = apply_scale_shift(xp[s], ab);
      }
    }
  }

 private:
  float epsilon_ = 1e-5f;
  int64_t batch_ = 0, channels_ = 0, spatial_ = 0;
};

DNNCOST_REGISTER_LAYER("InstanceNormalization", InstanceNormalization);

}  // namespace
}  // namespace dnncost
