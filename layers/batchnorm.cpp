// BatchNormalization in every opset form (1-5 with is_test/spatial/consumed_inputs, 6, 7-8 with spatial, 9-13,
// 14-15 with training_mode). Inference form: y = x * a + b per channel on axis 1, with a and b folded once per
// execution from scale, B, mean and var (kernels/normalization_math.h). training_mode=1 (opset 14+) normalizes with
// the batch statistics and also writes the updated running mean and variance.
#include <sstream>

#include "kernels/normalization_math.h"
#include "layers/batchnorm.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

const char* const kParamNames[] = {"X", "scale", "B", "input_mean", "input_var"};

class BatchNormalization : public Layer, public ParsedAttributes<BatchNormParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 5, 5);
    for (size_t i = 0; i < 5; ++i) expect_float(in[i], kParamNames[i]);
    const ValueDesc& x = in[0];
    DNNCOST_LAYER_EXPECT(x.rank() >= 2,
                         "input X must have rank >= 2 (N x C x D1 x ...), got shape " << shape_str(x.shape));
    epsilon_ = attrs().get_float("epsilon", 1e-5f);
    momentum_ = attrs().get_float("momentum", 0.9f);
    DNNCOST_LAYER_EXPECT(epsilon_ >= 0.f, "epsilon must be >= 0, got " << epsilon_);

    // spatial (opsets 1-8): 1 = one statistic per channel, 0 = one per activation (per element of X[n]).
    bool spatial = true;
    if (ctx().opset < 9) {
      const int64_t s = attrs().get_int("spatial", 1);
      DNNCOST_LAYER_EXPECT(s == 0 || s == 1, "spatial must be 0 or 1, got " << s);
      spatial = s == 1;
    }
    training_ = false;
    if (ctx().opset >= 14) {
      const int64_t t = attrs().get_int("training_mode", 0);
      DNNCOST_LAYER_EXPECT(t == 0 || t == 1, "training_mode must be 0 or 1, got " << t);
      training_ = t == 1;
    }
    // Opsets 1-13 list the training outputs (mean, var, saved_mean, saved_var); is_test (1-6) is ignored as
    // every inference runtime does, but the training outputs themselves are not produced.
    const size_t num_outputs = ctx().opset >= 14 ? 3 : 5;
    for (size_t i = 1; i < node().outputs.size(); ++i) {
      if (!node().has_output(i)) continue;
      DNNCOST_LAYER_EXPECT(ctx().opset >= 14,
                           "output " << i << " ('" << node().outputs[i]
                                     << "') is a training-mode output; dnncost runs BatchNormalization (opset "
                                     << ctx().opset << ") in inference form, producing Y only");
      DNNCOST_LAYER_EXPECT(training_, "output " << i << " ('" << node().outputs[i]
                                                << "') is only produced with training_mode=1 (got training_mode=0)");
    }

    channels_ = x.shape[1];
    outer_ = x.shape[0];
    inner_ = 1;
    for (int64_t d = 2; d < x.rank(); ++d) inner_ *= x.shape[d];
    // Number of distinct (a, b) pairs: per channel, or per activation when spatial=0.
    groups_ = spatial ? channels_ : channels_ * inner_;
    parsed_ = {epsilon_, spatial, training_};
    per_activation_ = !spatial;
    for (size_t i = 1; i < 5; ++i) {
      if (spatial) {
        DNNCOST_LAYER_EXPECT(in[i].numel() == channels_,
                             "input '" << kParamNames[i] << "' has shape " << shape_str(in[i].shape) << ", expected ["
                                       << channels_ << "] (one value per channel of X " << shape_str(x.shape) << ")");
      } else {
        Shape expected(x.shape.begin() + 1, x.shape.end());
        DNNCOST_LAYER_EXPECT(in[i].numel() == groups_,
                             "input '" << kParamNames[i] << "' has shape " << shape_str(in[i].shape) << ", expected "
                                       << shape_str(expected) << " (spatial=0: one value per activation of X "
                                       << shape_str(x.shape) << ")");
      }
    }
    std::vector<OutputDesc> outs(num_outputs);
    outs[0] = {x.dtype, x.shape};
    for (size_t i = 1; i < num_outputs; ++i) outs[i] = {in[3].dtype, {channels_}};
    return outs;
  }

  // Inference: per (a, b) pair kScaleShiftSetupFlops (add, sqrt, divide, multiply, subtract), then 2 per element.
  // Training adds the batch statistics: mean = sum (1 add per element) / m (1 divide per channel); variance =
  // sum of (x - mean)^2 (subtract, multiply, add per element) / m (1 divide per channel); and each running
  // output present costs 3 per channel (momentum * old, (1 - momentum) * new, add).
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    const int64_t n = in[0].numel();
    int64_t flops = n * kScaleShiftApplyFlops + groups_ * kScaleShiftSetupFlops;
    if (training_) {
      flops += n + channels_ + 3 * n + channels_;
      for (size_t i = 1; i < out.size(); ++i)
        if (out[i].present) flops += 3 * channels_;
    }
    return {0, flops};
  }

  InputRole input_role(size_t i, const ValueDesc&) const override {
    if (i == 1 || i == 2) return InputRole::kParam;
    if (i == 3 || i == 4) return InputRole::kState;
    return InputRole::kData;
  }

  // Y[i] reads X[i] only (training-mode batch statistics are computed before Y is written).
  int in_place_input() const override { return 0; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    const float* scale = in[1]->data<float>();
    const float* bias = in[2]->data<float>();
    const float* mean = in[3]->data<float>();
    const float* var = in[4]->data<float>();
    float* y = out[0]->data<float>();

    std::vector<float> batch_mean, batch_var;
    if (training_) {
      batch_statistics(x, &batch_mean, &batch_var);
      mean = batch_mean.data();
      var = batch_var.data();
    }

    // a and b once per (a, b) pair, then one multiply-add per element.
    std::vector<ScaleShift> affine(static_cast<size_t>(groups_));
    for (int64_t g = 0; g < groups_; ++g) affine[g] = make_scale_shift(scale[g], bias[g], mean[g], var[g], epsilon_);
    for (int64_t n = 0; n < outer_; ++n) {
      for (int64_t c = 0; c < channels_; ++c) {
        const int64_t base = (n * channels_ + c) * inner_;
        for (int64_t s = 0; s < inner_; ++s) {
          const ScaleShift& ab = per_activation_ ? affine[c * inner_ + s] : affine[c];
          y[base + s] = apply_scale_shift(x[base + s], ab);
        }
      }
    }

    if (training_) {
      const float* old_mean = in[3]->data<float>();
      const float* old_var = in[4]->data<float>();
      const float keep = momentum_, take = 1.f - momentum_;
      if (out.size() > 1 && out[1]) {
        float* running_mean = out[1]->data<float>();
        for (int64_t c = 0; c < channels_; ++c) running_mean[c] = keep * old_mean[c] + take * batch_mean[c];
      }
      if (out.size() > 2 && out[2]) {
        float* running_var = out[2]->data<float>();
        for (int64_t c = 0; c < channels_; ++c) running_var[c] = keep * old_var[c] + take * batch_var[c];
      }
    }
  }

 private:
  // Per-channel mean and (population) variance over N and the spatial dims, accumulated in double.
  void batch_statistics(const float* x, std::vector<float>* mean_out, std::vector<float>* var_out) const {
    mean_out->assign(static_cast<size_t>(channels_), 0.f);
    var_out->assign(static_cast<size_t>(channels_), 0.f);
    const int64_t m = outer_ * inner_;
    if (m == 0) return;
    for (int64_t c = 0; c < channels_; ++c) {
      double sum = 0;
      for (int64_t n = 0; n < outer_; ++n)
        for (int64_t s = 0; s < inner_; ++s) sum += x[(n * channels_ + c) * inner_ + s];
      const double mu = sum / static_cast<double>(m);
      double sq = 0;
      for (int64_t n = 0; n < outer_; ++n) {
        for (int64_t s = 0; s < inner_; ++s) {
          const double d = x[(n * channels_ + c) * inner_ + s] - mu;
          sq += d * d;
        }
      }
      (*mean_out)[c] = static_cast<float>(mu);
      (*var_out)[c] = static_cast<float>(sq / static_cast<double>(m));
    }
  }

  float epsilon_ = 1e-5f;
  float momentum_ = 0.9f;
  bool training_ = false;
  bool per_activation_ = false;
  int64_t channels_ = 0, outer_ = 0, inner_ = 0, groups_ = 0;
};

DNNCOST_REGISTER_LAYER("BatchNormalization", BatchNormalization);

}  // namespace
}  // namespace dnncost
