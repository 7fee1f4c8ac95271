// Conv (opsets 1 and 11): N-D grouped, strided, dilated, padded convolution with optional bias.
//
//   Y[n, m, o] = B[m] + sum_{c in group(m), k} W[m, c, k] * X[n, g(m)*C/group + c, o*stride + k*dilation - pad]
//
// Cost: MACs = N * C_out * prod(out spatial) * (C_in / group) * prod(kernel), padding positions included (as
// torchvision/fvcore count); FLOPs = 2 * MACs + one add per output element when B is present. W and B are
// params. Opset 1 and 11 differ only in documentation; both are handled here.
//
// Fused forms, made by the graph passes (engine/passes.h) for devices that fuse; attribute names with a dot never
// collide with ONNX's:
//   dnncost.sum = 1         a 4th input R (the residual, B may be "") of the output's shape: Y = conv + B + R
//   dnncost.activation      an activation applied last (kernels/fused_activation.h): Y = act(conv + B [+ R]),
//   dnncost.activation_alpha/beta  its parameters
// They cost what the separate ops would: 1 FLOP per element for the sum, the activation's per-element FLOPs.
#include <sstream>
#include <algorithm>

#include "kernels/conv_taps.h"
#include "kernels/fused_activation.h"
#include "layers/conv.h"
#include "layers/registry.h"

namespace dnncost {

// --- attributes and checked arithmetic shared with ConvTranspose (layers/conv.h) ---------------------------

std::string ints_str(const std::vector<int64_t>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

int64_t checked_mul(const AttributeReader& attrs, int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) attrs.fail(std::string(what) + " overflows int64");
  return r;
}

int64_t checked_add(const AttributeReader& attrs, int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) attrs.fail(std::string(what) + " overflows int64");
  return r;
}

int64_t effective_kernel(const AttributeReader& attrs, int64_t kernel, int64_t dilation) {
  return checked_add(attrs, checked_mul(attrs, kernel - 1, dilation, "dilated kernel extent"), 1,
                     "dilated kernel extent");
}

std::vector<int64_t> read_axis_values(const AttributeReader& attrs, const std::string& name, size_t count, int64_t dflt,
                                      int64_t min_value, const std::string& rank_text) {
  std::vector<int64_t> v = attrs.get_ints(name, {});
  if (v.empty()) return std::vector<int64_t>(count, dflt);  // absent, or written as an empty list
  if (v.size() != count) {
    attrs.fail(name + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(count) + " " +
               rank_text);
  }
  for (int64_t x : v) {
    if (x < min_value) {
      attrs.fail(name + " must be >= " + std::to_string(min_value) + " on every axis, got " + ints_str(v));
    }
  }
  return v;
}

ConvOperands conv_operands(const AttributeReader& attrs, size_t input_count, bool input2_present) {
  ConvOperands o;
  o.bias = input2_present ? 2 : kNoOperand;
  if (attrs.get_int("dnncost.sum", 0) == 1) {
    if (input_count < 3) return o;
    o.residual = input_count - 1;
    if (input_count < 4) o.bias = kNoOperand;
  } else if (input_count > 3) {
    return o;
  }
  o.ok = true;
  return o;
}

bool resolve_conv_pads(const ConvAttributes& g, const Shape& x, const Shape& y, std::vector<int64_t>& begin,
                       std::vector<int64_t>& end) {
  for (size_t d = 0; d + 2 < x.size(); ++d) {
    const int64_t in = x[2 + d], out = y[2 + d], stride = g.strides[d];
    const int64_t extent = (g.kernel[d] - 1) * g.dilations[d] + 1;
    int64_t b = 0, e = 0;
    switch (g.auto_pad) {
      case AutoPad::kNotSet:
        b = g.pads_begin[d];
        e = g.pads_end[d];
        break;
      case AutoPad::kValid:
        break;
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        const int64_t total = std::max<int64_t>(0, (out - 1) * stride + extent - in);
        b = g.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        e = total - b;
        break;
      }
    }
    if ((in + b + e - extent) / stride + 1 != out) return false;
    begin.push_back(b);
    end.push_back(e);
  }
  return true;
}

ConvAttributes read_conv_attributes(const AttributeReader& attrs, const Shape& x_shape, const Shape& w_shape) {
  const size_t rank = x_shape.size();
  if (rank < 3) {
    attrs.fail("input X must have rank >= 3 (N, C and at least one spatial axis), got shape " + shape_str(x_shape));
  }
  if (w_shape.size() != rank) {
    attrs.fail("weight W has rank " + std::to_string(w_shape.size()) + ", expected " + std::to_string(rank) +
               " (the rank of X " + shape_str(x_shape) + "), got W shape " + shape_str(w_shape));
  }
  const size_t spatial = rank - 2;
  const std::string rank_text = "for a " + std::to_string(rank) + "-D input";

  ConvAttributes a;
  const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET")
    a.auto_pad = AutoPad::kNotSet;
  else if (auto_pad == "SAME_UPPER")
    a.auto_pad = AutoPad::kSameUpper;
  else if (auto_pad == "SAME_LOWER")
    a.auto_pad = AutoPad::kSameLower;
  else if (auto_pad == "VALID")
    a.auto_pad = AutoPad::kValid;
  else
    attrs.fail("auto_pad is '" + auto_pad + "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");

  a.group = attrs.get_int("group", 1);
  if (a.group < 1) attrs.fail("group must be >= 1, got " + std::to_string(a.group));

  for (size_t d = 0; d < rank; ++d) {
    if (w_shape[d] < 1) attrs.fail("weight W must have no empty dimension, got shape " + shape_str(w_shape));
  }
  const std::vector<int64_t> w_kernel(w_shape.begin() + 2, w_shape.end());
  a.kernel = read_axis_values(attrs, "kernel_shape", spatial, 1, 1, rank_text);
  if (!attrs.get_ints("kernel_shape", {}).empty() && a.kernel != w_kernel) {
    attrs.fail("kernel_shape " + ints_str(a.kernel) + " disagrees with the kernel dims " + ints_str(w_kernel) +
               " of W " + shape_str(w_shape));
  }
  a.kernel = w_kernel;

  a.strides = read_axis_values(attrs, "strides", spatial, 1, 1, rank_text);
  a.dilations = read_axis_values(attrs, "dilations", spatial, 1, 1, rank_text);
  const std::vector<int64_t> pads =
      read_axis_values(attrs, "pads", 2 * spatial, 0, 0, rank_text + " (begin and end of each spatial axis)");
  a.pads_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  a.pads_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(spatial), pads.end());
  return a;
}

// --- Conv ------------------------------------------------------------------------------------------------

namespace {

class Conv : public Layer, public ParsedAttributes<ConvParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    read_fused_attributes();
    expect_inputs(in, 2, has_sum_ ? 4 : 3);
    DNNCOST_LAYER_EXPECT(!has_sum_ || (in.size() == 4 && in[3].present),
                         "dnncost.sum = 1 needs the residual R as input 3 (X, W, B or \"\", R), got "
                             << in.size() << " input(s)");
    expect_float(in[0], "input X");
    expect_float(in[1], "weight W");
    const Shape& x = in[0].shape;
    const Shape& w = in[1].shape;
    geom_ = read_conv_attributes(attrs(), x, w);
    const size_t spatial = x.size() - 2;

    const int64_t c_in = x[1];
    const int64_t c_out = w[0];
    const int64_t group = geom_.group;
    DNNCOST_LAYER_EXPECT(c_in >= 1, "input X must have at least one channel, got shape " << shape_str(x));
    const int64_t w_channels = checked_mul(attrs(), w[1], group, "W.shape[1] * group");
    DNNCOST_LAYER_EXPECT(c_in == w_channels, "input channels " << c_in << " (X " << shape_str(x)
                                                               << ") must equal W.shape[1] * group = " << w[1]
                                                               << " * " << group << " = " << w_channels << " (W "
                                                               << shape_str(w) << ")");
    DNNCOST_LAYER_EXPECT(c_out % group == 0,
                         "output channels W.shape[0] = " << c_out << " must be divisible by group " << group);
    if (in.size() > 2 && in[2].present) {
      expect_float(in[2], "bias B");
      DNNCOST_LAYER_EXPECT(in[2].shape == Shape{c_out}, "bias B must have shape [" << c_out
                                                                                   << "] (the output channels), got "
                                                                                   << shape_str(in[2].shape));
      has_bias_ = true;
    }

    // Output size and pads per axis.
    Shape y{x[0], c_out};
    for (size_t d = 0; d < spatial; ++d) {
      const int64_t size = x[2 + d];
      const int64_t stride = geom_.strides[d];
      const int64_t extent = effective_kernel(attrs(), geom_.kernel[d], geom_.dilations[d]);
      DNNCOST_LAYER_EXPECT(size >= 1, "input X spatial axis " << d << " is empty, shape " << shape_str(x));
      int64_t out = 0;
      switch (geom_.auto_pad) {
        case AutoPad::kNotSet: {
          const int64_t padded = checked_add(
              attrs(), size, checked_add(attrs(), geom_.pads_begin[d], geom_.pads_end[d], "pads"), "padded size");
          out = padded < extent ? 0 : (padded - extent) / stride + 1;
          break;
        }
        case AutoPad::kValid:
          geom_.pads_begin[d] = geom_.pads_end[d] = 0;
          out = size < extent ? 0 : (size - extent) / stride + 1;
          break;
        case AutoPad::kSameUpper:
        case AutoPad::kSameLower: {
          // Output ceil(size / stride); the total padding needed is split, the odd one at the end (UPPER) or
          // at the beginning (LOWER).
          out = size / stride + (size % stride != 0);  // ceil without overflowing for huge strides
          const int64_t needed =
              checked_add(attrs(), checked_mul(attrs(), out - 1, stride, "padding"), extent, "padding");
          const int64_t total = std::max<int64_t>(0, needed - size);
          geom_.pads_begin[d] = geom_.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
          geom_.pads_end[d] = total - geom_.pads_begin[d];
          break;
        }
      }
      DNNCOST_LAYER_EXPECT(out >= 1, "output size along spatial axis "
                                         << d << " would be " << out << " (input " << size << ", pads "
                                         << geom_.pads_begin[d] << "+" << geom_.pads_end[d] << ", kernel extent "
                                         << extent << ", stride " << stride << "); expected >= 1");
      y.push_back(out);
    }
    shape_numel(y);
    if (has_sum_) {
      expect_float(in[3], "residual R (dnncost.sum)");
      DNNCOST_LAYER_EXPECT(in[3].shape == y, "residual R (dnncost.sum) must have the output's shape "
                                                 << shape_str(y) << ", got " << shape_str(in[3].shape));
    }

    // Exact MACs, checked for overflow once here so count() cannot wrap.
    macs_ = checked_mul(attrs(), shape_numel(y), c_in / group, "MAC count");
    for (int64_t k : geom_.kernel) macs_ = checked_mul(attrs(), macs_, k, "MAC count");
    checked_mul(attrs(), macs_, 2, "FLOP count");
    parsed_ = {geom_, conv_operands(attrs(), in.size(), in.size() > 2 && in[2].present), activation_};
    return {{DType::kFloat32, y}};
  }

  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    const int64_t n = out[0].numel();
    return {macs_, 2 * macs_ + (has_bias_ ? n : 0) + (has_sum_ ? n : 0) + activation_.flops_per_element() * n};
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
      taps_ = build_conv_tap_plan(out_spatial, in_spatial, geom_.kernel, geom_.strides, geom_.dilations,
                                  geom_.pads_begin);
      taps_built_ = true;
    }
    const float* x = in[0]->data<float>();
    const float* w = in[1]->data<float>();
    const float* b = in.size() > 2 && in[2] ? in[2]->data<float>() : nullptr;
    const float* residual = has_sum_ ? in[3]->data<float>() : nullptr;
    float* y = out[0]->data<float>();

    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t m = 0; m < c_out; ++m) {
        float* y_plane = y + (n * c_out + m) * out_plane;
        const float bias = b ? b[m] : 0.f;
        for (int64_t i = 0; i < out_plane; ++i) y_plane[i] = bias;
        const int64_t g = m / c_out_per_group;
        for (int64_t c = 0; c < c_in_per_group; ++c) {
          const float* x_plane = x + (n * c_in + g * c_in_per_group + c) * in_plane;
          const float* w_kernel = w + (m * c_in_per_group + c) * kernel_size;
          for (const ConvTap& tap : taps_.taps) {
            const float wv = w_kernel[tap.kernel_index];
            for (size_t r = tap.rows_begin; r < tap.rows_end; ++r) {
              const ConvRowSegment& seg = taps_.rows[r];
              conv_accumulate_row(y_plane + seg.dense, 1, x_plane + seg.strided, taps_.strided_step, wv,
                                  tap.row_length);
            }
          }
        }
        // Fused epilogue, in the order the separate Add and activation ops would compute it.
        if (residual) {
          const float* r_plane = residual + (n * c_out + m) * out_plane;
          for (int64_t i = 0; i < out_plane; ++i) y_plane[i] = AddFn{}(y_plane[i], r_plane[i]);
        }
        if (activation_.kind != ActivationKind::kNone) {
          for (int64_t i = 0; i < out_plane; ++i) y_plane[i] = activation_(y_plane[i]);
        }
      }
    }
  }

 private:
  // The dnncost.* attributes of a fused Conv (see the header comment).
  void read_fused_attributes() {
    const int64_t sum = attrs().get_int("dnncost.sum", 0);
    DNNCOST_LAYER_EXPECT(sum == 0 || sum == 1, "dnncost.sum must be 0 or 1, got " << sum);
    has_sum_ = sum == 1;
    if (!attrs().has("dnncost.activation")) return;
    const std::string op = attrs().get_string("dnncost.activation", "");
    const ActivationKind kind = activation_kind_of(op);
    DNNCOST_LAYER_EXPECT(kind != ActivationKind::kNone,
                         "dnncost.activation '" << op << "' is not one of " << fusable_activation_list());
    activation_ = default_activation(kind);
    activation_.alpha = attrs().get_float("dnncost.activation_alpha", activation_.alpha);
    activation_.beta = attrs().get_float("dnncost.activation_beta", activation_.beta);
  }

  ConvAttributes geom_;
  bool has_bias_ = false;
  bool has_sum_ = false;
  FusedActivation activation_;
  int64_t macs_ = 0;
  ConvTapPlan taps_;  // built by the first forward_ref() from the geometry infer() resolved
  bool taps_built_ = false;
};

DNNCOST_REGISTER_LAYER("Conv", Conv);

}  // namespace
}  // namespace dnncost
