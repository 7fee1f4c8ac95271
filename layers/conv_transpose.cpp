// ConvTranspose (opsets 1 and 11): N-D grouped, strided, dilated transposed convolution with optional bias.
//
// Every input element scatters into the output through every kernel tap of its group's output channels:
//   Y[n, g*M/group + m, i*stride + k*dilation - pad_begin] += X[n, g*C/group + c, i] * W[g*C/group + c, m, k]
// W has shape [C_in, C_out / group, k...]. The output size per axis is
//   stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pad_begin - pad_end,
// unless output_shape is given or auto_pad is SAME_*, in which case the output size is output_shape (or
// in * stride for SAME_*) and the pads are derived as the ONNX spec describes: total = natural size - output
// size, split total/2 at the beginning for SAME_UPPER, total - total/2 at the beginning otherwise. When the
// requested output is larger than the natural one (negative total), the pads are 0 and the extra positions at
// the end hold only the bias (as onnxruntime does).
//
// Cost: MACs = N * C_in * prod(in spatial) * (C_out / group) * prod(kernel) (taps that fall into the pads are
// counted too, as for Conv); FLOPs = 2 * MACs + one add per output element when B is present. W and B are params.
#include <sstream>

#include "kernels/conv_taps.h"
#include "layers/conv.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class ConvTranspose : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 3);
    expect_float(in[0], "input X");
    expect_float(in[1], "weight W");
    const Shape& x = in[0].shape;
    const Shape& w = in[1].shape;
    geom_ = read_conv_attributes(attrs(), x, w);
    const size_t spatial = x.size() - 2;
    const std::string rank_text = "for a " + std::to_string(x.size()) + "-D input";

    const int64_t c_in = x[1];
    const int64_t group = geom_.group;
    DNNCOST_LAYER_EXPECT(c_in >= 1, "input X must have at least one channel, got shape " << shape_str(x));
    DNNCOST_LAYER_EXPECT(c_in == w[0], "input channels " << c_in << " (X " << shape_str(x)
                                                         << ") must equal W.shape[0] = " << w[0] << " (W "
                                                         << shape_str(w) << ")");
    DNNCOST_LAYER_EXPECT(c_in % group == 0, "input channels " << c_in << " must be divisible by group " << group);
    const int64_t c_out = checked_mul(attrs(), w[1], group, "output channels");
    if (in.size() > 2 && in[2].present) {
      expect_float(in[2], "bias B");
      DNNCOST_LAYER_EXPECT(in[2].shape == Shape{c_out}, "bias B must have shape ["
                                                            << c_out << "] (W.shape[1] * group output channels), got "
                                                            << shape_str(in[2].shape));
      has_bias_ = true;
    }

    const std::vector<int64_t> output_padding = read_axis_values(attrs(), "output_padding", spatial, 0, 0, rank_text);
    // output_shape lists the spatial sizes; a full [N, C, spatial...] form is accepted too (older exporters).
    std::vector<int64_t> output_shape = attrs().get_ints("output_shape", {});
    if (output_shape.size() == spatial + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
    DNNCOST_LAYER_EXPECT(output_shape.empty() || output_shape.size() == spatial,
                         "output_shape has " << output_shape.size() << " values, expected " << spatial
                                             << " (one per spatial axis) " << rank_text);
    for (int64_t v : output_shape)
      DNNCOST_LAYER_EXPECT(v >= 1, "output_shape must be >= 1 on every axis, got " << ints_str(output_shape));

    Shape y{x[0], c_out};
    for (size_t d = 0; d < spatial; ++d) {
      const int64_t size = x[2 + d];
      const int64_t stride = geom_.strides[d];
      DNNCOST_LAYER_EXPECT(size >= 1, "input X spatial axis " << d << " is empty, shape " << shape_str(x));
      // The size covered without any padding: stride * (in - 1) + output_padding + dilated kernel extent.
      const int64_t natural = checked_add(
          attrs(),
          checked_add(attrs(), checked_mul(attrs(), size - 1, stride, "output size"), output_padding[d], "output size"),
          effective_kernel(attrs(), geom_.kernel[d], geom_.dilations[d]), "output size");
      int64_t out = 0;
      const bool same = geom_.auto_pad == AutoPad::kSameUpper || geom_.auto_pad == AutoPad::kSameLower;
      if (!output_shape.empty() || same) {
        out = !output_shape.empty() ? output_shape[d] : checked_mul(attrs(), size, stride, "output size");
        const int64_t total = std::max<int64_t>(0, natural - out);
        geom_.pads_begin[d] = geom_.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        geom_.pads_end[d] = total - geom_.pads_begin[d];
      } else {
        if (geom_.auto_pad == AutoPad::kValid) geom_.pads_begin[d] = geom_.pads_end[d] = 0;
        const int64_t after_begin = natural - geom_.pads_begin[d];  // pads are >= 0: no overflow
        out = geom_.pads_end[d] > after_begin - 1 ? 0 : after_begin - geom_.pads_end[d];
      }
      DNNCOST_LAYER_EXPECT(out >= 1, "output size along spatial axis "
                                         << d << " would be " << out << " (input " << size << ", stride " << stride
                                         << ", output_padding " << output_padding[d] << ", pads " << geom_.pads_begin[d]
                                         << "+" << geom_.pads_end[d] << "); expected >= 1");
      y.push_back(out);
    }
    shape_numel(y);

    macs_ = checked_mul(attrs(), shape_numel(x), c_out / group, "MAC count");
    for (int64_t k : geom_.kernel) macs_ = checked_mul(attrs(), macs_, k, "MAC count");
    checked_mul(attrs(), macs_, 2, "FLOP count");
    return {{DType::kFloat32, y}};
  }

  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    return {macs_, 2 * macs_ + (has_bias_ ? out[0].numel() : 0)};
  }

  InputRole input_role(size_t i, const ValueDesc&) const override {
    return i == 1 || i == 2 ? InputRole::kParam : InputRole::kData;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Shape& xs = in[0]->shape();
    const Shape& ys = out[0]->shape();
    const std::vector<int64_t> in_spatial(xs.begin() + 2, xs.end());
    const std::vector<int64_t> out_spatial(ys.begin() + 2, ys.end());
    const int64_t batch = xs[0], c_in = xs[1], c_out = ys[1];
    const int64_t group = geom_.group;
    const int64_t c_in_per_group = c_in / group, c_out_per_group = c_out / group;
    const int64_t in_plane = shape_numel(in_spatial), out_plane = shape_numel(out_spatial);
    const int64_t kernel_size = shape_numel(geom_.kernel);
    // The tap plan is built on the first run, not in infer(): planning (dnncost info) must stay cheap even for
    // a model whose activations could never be allocated, and its size follows the output's.
    if (!taps_built_) {
      taps_ = build_conv_tap_plan(in_spatial, out_spatial, geom_.kernel, geom_.strides, geom_.dilations,
                                  geom_.pads_begin);
      taps_built_ = true;
    }
    const float* x = in[0]->data<float>();
    const float* w = in[1]->data<float>();
    const float* b = in.size() > 2 && in[2] ? in[2]->data<float>() : nullptr;
    float* y = out[0]->data<float>();

    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t m = 0; m < c_out; ++m) {
        float* y_plane = y + (n * c_out + m) * out_plane;
        const float bias = b ? b[m] : 0.f;
        for (int64_t i = 0; i < out_plane; ++i) y_plane[i] = bias;
        const int64_t g = m / c_out_per_group;
        const int64_t m_in_group = m % c_out_per_group;
        for (int64_t c = 0; c < c_in_per_group; ++c) {
          const int64_t channel = g * c_in_per_group + c;
          const float* x_plane = x + (n * c_in + channel) * in_plane;
          const float* w_kernel = w + (channel * c_out_per_group + m_in_group) * kernel_size;
          for (const ConvTap& tap : taps_.taps) {
            const float wv = w_kernel[tap.kernel_index];
            for (size_t r = tap.rows_begin; r < tap.rows_end; ++r) {
              const ConvRowSegment& seg = taps_.rows[r];
              conv_accumulate_row(y_plane + seg.strided, taps_.strided_step, x_plane + seg.dense, 1, wv,
                                  tap.row_length);
            }
          }
        }
      }
    }
  }

 private:
  ConvAttributes geom_;
  bool has_bias_ = false;
  int64_t macs_ = 0;
  ConvTapPlan taps_;  // built by the first forward_ref() from the geometry infer() resolved
  bool taps_built_ = false;
};

DNNCOST_REGISTER_LAYER("ConvTranspose", ConvTranspose);

}  // namespace
}  // namespace dnncost
