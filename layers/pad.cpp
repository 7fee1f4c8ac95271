// Pad: constant, reflect, edge or (opset 19) wrap padding of any element type; negative pads crop. FLOPs 0 (data
// movement).
//
// Opset forms: opset 1 reads the `paddings` attribute, opsets 2-10 `pads`, both with the float `value`
// attribute; opset 11+ reads pads from input 1 (constant at plan time) and the optional scalar constant_value
// from input 2 at forward time; opset 18+ may name the padded axes in input 3 (constant at plan time; negative
// counts from the end), pads then holding begin and end of those axes only. Negative pads crop first and padding
// is then applied to the kept extent (as onnxruntime does), so reflect/edge/wrap mirror or repeat the cropped data.
#include <cstring>
#include <sstream>

#include "kernels/pad_index.h"
#include "layers/element_convert.h"
#include "layers/pad.h"
#include "layers/plan_time_input.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Pad : public PlanTimeInputLayer, public ParsedAttributes<PadParams> {
 public:
  using PlanTimeInputLayer::PlanTimeInputLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    const std::string mode = attrs().get_string("mode", "constant");
    if (mode == "constant")
      mode_ = PadMode::kConstant;
    else if (mode == "reflect")
      mode_ = PadMode::kReflect;
    else if (mode == "edge")
      mode_ = PadMode::kEdge;
    else if (mode == "wrap" && ctx().opset >= 19)
      mode_ = PadMode::kWrap;
    else if (mode == "wrap")
      fail("mode 'wrap' exists from opset 19 on; this model uses opset " + std::to_string(ctx().opset));
    else
      fail("mode '" + mode + "' is not supported; expected 'constant', 'reflect', 'edge' or (opset 19+) 'wrap'");

    std::vector<int64_t> pads;
    const DType dtype = in.empty() ? DType::kUndefined : in[0].dtype;
    if (ctx().opset < 11) {
      expect_inputs(in, 1, 1);
      if (attrs().has("pads"))
        pads = attrs().get_ints("pads");
      else if (attrs().has("paddings"))
        pads = attrs().get_ints("paddings");  // opset 1 spelling
      else
        fail("missing required attribute 'pads' (opset " + std::to_string(ctx().opset) + ")");
      // The float `value` attribute, converted once to the data's element type.
      attribute_fill_ = Tensor(dtype, {});
      const float value = attrs().get_float("value", 0.f);
      convert_elements(DType::kFloat32, &value, dtype, attribute_fill_.raw(), 1);
      use_attribute_fill_ = true;
      parsed_.value = value;
    } else {
      expect_inputs(in, 2, 4);
      pads = plan_time_ints(in[1], "input 'pads'");
      if (in.size() > 3 && in[3].present) pads = pads_of_all_axes(pads, in[3], in[0].rank());
      if (in.size() > 2 && in[2].present) {
        DNNCOST_LAYER_EXPECT(in[2].dtype == dtype, "input 'constant_value' must have the data's element type "
                                                       << dtype_name(dtype) << ", got " << dtype_name(in[2].dtype));
        DNNCOST_LAYER_EXPECT(in[2].numel() == 1, "input 'constant_value' must be a scalar (one element), got shape "
                                                     << shape_str(in[2].shape));
      }
    }

    const ValueDesc& x = in[0];
    const int64_t rank = x.rank();
    DNNCOST_LAYER_EXPECT(static_cast<int64_t>(pads.size()) == 2 * rank,
                         "pads has " << pads.size() << " values, expected " << 2 * rank
                                     << " (begin and end for each axis) for a " << rank << "-D input of shape "
                                     << shape_str(x.shape));
    axes_.assign(static_cast<size_t>(rank), AxisPad{});
    Shape out_shape(static_cast<size_t>(rank));
    for (int64_t a = 0; a < rank; ++a) {
      const int64_t dim = x.shape[a], begin = pads[a], end = pads[a + rank];
      DNNCOST_LAYER_EXPECT(begin >= -dim && end >= -dim && (begin < 0 ? -begin : 0) + (end < 0 ? -end : 0) <= dim,
                           "pads " << begin << " (begin) and " << end << " (end) on axis " << a
                                   << " crop more than the dimension " << dim);
      AxisPad& p = axes_[a];
      p.crop_begin = begin < 0 ? -begin : 0;
      p.extent = dim - p.crop_begin - (end < 0 ? -end : 0);
      p.pad_begin = begin > 0 ? begin : 0;
      const int64_t pad_end = end > 0 ? end : 0;
      DNNCOST_LAYER_EXPECT(p.pad_begin <= INT64_MAX - p.extent && pad_end <= INT64_MAX - p.extent - p.pad_begin,
                           "pads " << begin << " and " << end << " on axis " << a << " are too large");
      if (p.pad_begin > 0 || pad_end > 0) {
        if (mode_ == PadMode::kReflect) {
          DNNCOST_LAYER_EXPECT(p.pad_begin < p.extent && pad_end < p.extent,
                               "reflect pads " << p.pad_begin << " (begin) and " << pad_end << " (end) on axis " << a
                                               << " must be smaller than the dimension " << p.extent
                                               << " (after cropping)");
        } else if (mode_ == PadMode::kEdge || mode_ == PadMode::kWrap) {
          DNNCOST_LAYER_EXPECT(p.extent > 0, (mode_ == PadMode::kEdge ? "edge" : "wrap")
                                                 << " padding on axis " << a << " needs a non-empty dimension, got 0");
        }
      }
      out_shape[a] = p.extent + p.pad_begin + pad_end;
    }
    parsed_.mode = mode_;
    parsed_.pads = pads;
    parsed_.value_attribute = use_attribute_fill_;
    return {{dtype, out_shape}};
  }

  // Opset 18's axes input: pads holds begin and end of the listed axes only; returns them for every axis (0 for
  // the unlisted ones).
  std::vector<int64_t> pads_of_all_axes(const std::vector<int64_t>& pads, const ValueDesc& axes_in,
                                        int64_t rank) const {
    DNNCOST_LAYER_EXPECT(ctx().opset >= 18,
                         "input 'axes' exists from opset 18 on; this model uses opset " << ctx().opset);
    const std::vector<int64_t> axes = plan_time_ints(axes_in, "input 'axes'");
    const int64_t n = static_cast<int64_t>(axes.size());
    DNNCOST_LAYER_EXPECT(static_cast<int64_t>(pads.size()) == 2 * n,
                         "pads has " << pads.size() << " values, expected " << 2 * n
                                     << " (begin and end for each of the " << n << " axes in input 'axes')");
    std::vector<int64_t> full(static_cast<size_t>(2 * rank), 0);
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t axis = axes[i];
      DNNCOST_LAYER_EXPECT(axis >= -rank && axis < rank,
                           "axis " << axis << " in input 'axes' is out of range for a " << rank << "-D input");
      const int64_t a = axis < 0 ? axis + rank : axis;
      DNNCOST_LAYER_EXPECT(!seen[a], "axis " << axis << " is listed twice in input 'axes'");
      seen[a] = true;
      full[a] = pads[i];
      full[a + rank] = pads[i + n];
    }
    return full;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    const size_t elem = dtype_size(x.dtype());
    // The fill element: the attribute value (opset < 11), the constant_value input, or zero.
    std::vector<unsigned char> fill(elem, 0);
    if (use_attribute_fill_)
      std::memcpy(fill.data(), attribute_fill_.raw(), elem);
    else if (in.size() > 2 && in[2] != nullptr)
      std::memcpy(fill.data(), in[2]->raw(), elem);

    const int64_t rank = x.rank();
    const std::vector<int64_t> in_strides = shape_strides(x.shape());
    const auto* src = static_cast<const unsigned char*>(x.raw());
    auto* dst = static_cast<unsigned char*>(y.raw());
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);  // output coordinates
    for (int64_t o = 0; o < y.numel(); ++o) {
      int64_t offset = 0;
      bool is_fill = false;
      for (int64_t a = 0; a < rank && !is_fill; ++a) {
        const AxisPad& p = axes_[a];
        const int64_t i = pad_source_index(pos[a] - p.pad_begin, p.extent, mode_);
        if (i < 0)
          is_fill = true;
        else
          offset += (p.crop_begin + i) * in_strides[a];
      }
      std::memcpy(dst + o * static_cast<int64_t>(elem),
                  is_fill ? fill.data() : src + offset * static_cast<int64_t>(elem), elem);
      for (int64_t a = rank - 1; a >= 0; --a) {  // next output coordinate
        if (++pos[a] < y.shape()[a]) break;
        pos[a] = 0;
      }
    }
  }

 private:
  struct AxisPad {
    int64_t crop_begin = 0;  // input elements dropped at the start (negative begin pad)
    int64_t extent = 0;      // input elements kept
    int64_t pad_begin = 0;   // output elements added before the kept extent
  };
  PadMode mode_ = PadMode::kConstant;
  std::vector<AxisPad> axes_;
  bool use_attribute_fill_ = false;
  Tensor attribute_fill_;
};

DNNCOST_REGISTER_LAYER("Pad", Pad);

}  // namespace
}  // namespace dnncost
