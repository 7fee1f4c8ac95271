// LayerNormalization (opset 17): each row of the trailing dims [axis, rank) of X is normalized with its own mean and
// (population) variance, y = (x - mean) / sqrt(var + epsilon) * scale + B (B optional); the optional outputs Mean and
// InvStdDev have X's shape with the normalized dims set to 1. The per-row math is in kernels/normalization_math.h.
// stash_type must be 1 (statistics in float32: the only type ONNX exporters write).
#include "layers/layernorm.h"

#include <sstream>

#include "kernels/normalization_math.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// `s` without its leading 1s.
Shape without_leading_ones(const Shape& s) {
  size_t k = 0;
  while (k < s.size() && s[k] == 1) ++k;
  return Shape(s.begin() + static_cast<std::ptrdiff_t>(k), s.end());
}

class LayerNormalization : public Layer, public ParsedAttributes<LayerNormParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 3);
    expect_float(in[0], "input X");
    expect_float(in[1], "Scale");
    const bool has_bias = in.size() > 2 && in[2].present;
    if (has_bias) expect_float(in[2], "B");
    const Shape& x = in[0].shape;
    const int64_t rank = in[0].rank();
    const int64_t axis = attrs().get_int("axis", -1);
    DNNCOST_LAYER_EXPECT(axis >= -rank && axis < rank, "axis " << axis << " is out of range for an input of shape "
                                                               << shape_str(x) << " (expected " << -rank
                                                               << " <= axis < " << rank << ")");
    const int64_t a = axis < 0 ? axis + rank : axis;
    const float epsilon = attrs().get_float("epsilon", 1e-5f);
    DNNCOST_LAYER_EXPECT(epsilon >= 0.f, "epsilon must be >= 0, got " << epsilon);
    const int64_t stash_type = attrs().get_int("stash_type", 1);
    DNNCOST_LAYER_EXPECT(stash_type == 1,
                         "stash_type " << stash_type << " is not supported (expected 1: statistics in float32)");
    const Shape normalized(x.begin() + a, x.end());
    const char* names[] = {"X", "Scale", "B"};
    for (size_t i = 1; i < (has_bias ? 3u : 2u); ++i) {
      DNNCOST_LAYER_EXPECT(without_leading_ones(in[i].shape) == without_leading_ones(normalized),
                           "input '" << names[i] << "' has shape " << shape_str(in[i].shape) << ", expected "
                                     << shape_str(normalized) << " (the dims of X " << shape_str(x) << " from axis "
                                     << axis << ")");
    }
    parsed_.axis = axis;
    parsed_.epsilon = epsilon;
    parsed_.has_bias = has_bias;
    parsed_.rows = shape_numel(Shape(x.begin(), x.begin() + a));
    parsed_.row_size = shape_numel(normalized);
    Shape stats_shape(x.begin(), x.begin() + a);
    stats_shape.resize(x.size(), 1);
    return {{in[0].dtype, x}, {DType::kFloat32, stats_shape}, {DType::kFloat32, stats_shape}};
  }

  // Per element 6 (+ 1 with B), per row 4 (+ 1 when InvStdDev is requested): kernels/normalization_math.h.
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    const int64_t n = in[0].numel();
    const bool inv_std = out.size() > 2 && out[2].present;
    return {0, n * (kLayerNormFlopsPerElement + (parsed_.has_bias ? kLayerNormBiasFlopsPerElement : 0)) +
                   parsed_.rows * (kLayerNormFlopsPerRow + (inv_std ? kLayerNormInvStdFlopsPerRow : 0))};
  }

  InputRole input_role(size_t i, const ValueDesc&) const override {
    return i == 1 || i == 2 ? InputRole::kParam : InputRole::kData;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    const float* scale = in[1]->data<float>();
    const float* bias = parsed_.has_bias ? in[2]->data<float>() : nullptr;
    float* y = out[0]->data<float>();
    float* mean = out.size() > 1 && out[1] ? out[1]->data<float>() : nullptr;
    float* inv_std = out.size() > 2 && out[2] ? out[2]->data<float>() : nullptr;
    const int64_t size = parsed_.row_size;  // 0: no Y elements, Mean and InvStdDev NaN
    for (int64_t r = 0; r < parsed_.rows; ++r) {
      const float* xr = x + r * size;
      float* yr = y + r * size;
      const LayerNormStats s = layer_norm_stats(xr, size, parsed_.epsilon);
      for (int64_t i = 0; i < size; ++i) yr[i] = layer_norm_apply(xr[i], s, scale[i], bias ? bias[i] : 0.f);
      if (mean) mean[r] = s.mean;
      if (inv_std) inv_std[r] = 1.f / s.std;
    }
  }
};

DNNCOST_REGISTER_LAYER("LayerNormalization", LayerNormalization);

}  // namespace
}  // namespace dnncost
