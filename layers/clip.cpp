// Clip: Y = min(max(X, min), max) element-wise, as numpy.clip.
//
// Opset < 11: the bounds are the attributes min and max. Opset >= 11: they are the optional scalar inputs 1
// and 2, read when the layer runs (they are data, not parameters). An absent bound is the ONNX default,
// numeric_limits<float>::lowest() / max(), so it never clips a finite value.
#include <limits>
#include <sstream>

#include "kernels/elementwise_functors.h"
#include "layers/activation.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

constexpr float kNoLowerBound = std::numeric_limits<float>::lowest();
constexpr float kNoUpperBound = std::numeric_limits<float>::max();

class Clip : public Layer, public ParsedAttributes<ActivationParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    if (ctx().opset < 11) {
      expect_inputs(in, 1, 1);
      attribute_bounds_ = {attrs().get_float("min", kNoLowerBound), attrs().get_float("max", kNoUpperBound)};
    } else {
      expect_inputs(in, 1, 3);
      const char* const names[] = {"", "min", "max"};
      for (size_t i = 1; i < in.size(); ++i) {
        if (!in[i].present) continue;
        DNNCOST_LAYER_EXPECT(in[i].dtype == in[0].dtype, "input " << names[i] << " must have X's element type "
                                                                  << dtype_name(in[0].dtype) << ", got "
                                                                  << dtype_name(in[i].dtype));
        DNNCOST_LAYER_EXPECT(in[i].numel() == 1, "input " << names[i] << " must be a scalar (one element), got shape "
                                                          << shape_str(in[i].shape));
      }
    }
    expect_float(in[0], "input X");
    parsed_.function = {ActivationKind::kClip, attribute_bounds_.lo, attribute_bounds_.hi};
    parsed_.bounds_at_run_time = false;
    if (ctx().opset >= 11) {
      for (size_t i = 1; i < in.size() && i < 3; ++i) {
        if (!in[i].present) continue;
        if (!in[i].constant) {
          parsed_.bounds_at_run_time = true;
          continue;
        }
        (i == 1 ? parsed_.function.alpha : parsed_.function.beta) = in[i].constant->data<float>()[0];
      }
    }
    return {{in[0].dtype, in[0].shape}};
  }

  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    return {0, ClampFn::kFlops * in[0].numel()};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    ClampFn clamp = attribute_bounds_;
    if (ctx().opset >= 11) {
      clamp.lo = in.size() > 1 && in[1] ? in[1]->data<float>()[0] : kNoLowerBound;
      clamp.hi = in.size() > 2 && in[2] ? in[2]->data<float>()[0] : kNoUpperBound;
    }
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    const int64_t n = in[0]->numel();
    for (int64_t i = 0; i < n; ++i) y[i] = clamp(x[i]);
  }
  int in_place_input() const override { return 0; }

 private:
  ClampFn attribute_bounds_{kNoLowerBound, kNoUpperBound};
};

DNNCOST_REGISTER_LAYER("Clip", Clip);

}  // namespace
}  // namespace dnncost
