// Slice: a strided window of any element type along some axes. FLOPs 0 (data movement).
//
// Opsets 1-9 read starts/ends/axes attributes; opset 10+ reads inputs starts, ends and the optional axes and
// steps (all known at plan time). Starts and ends are clamped exactly as the ONNX spec says (negative values count
// from the end; positive steps clamp to [0, dim], negative steps clamp start to [0, dim-1] and end to [-1, dim-1]),
// so INT64_MAX / INT64_MIN ends mean "to the end" in either direction.
#include <cstring>
#include <sstream>

#include "kernels/slice_axis.h"
#include "layers/plan_time_input.h"
#include "layers/slice.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Slice : public PlanTimeInputLayer, public ParsedAttributes<SliceParams> {
 public:
  using PlanTimeInputLayer::PlanTimeInputLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    std::vector<int64_t> starts, ends, axes, steps;
    bool have_axes = false, have_steps = false;
    if (ctx().opset < 10) {
      expect_inputs(in, 1, 1);
      starts = attrs().get_ints("starts");
      ends = attrs().get_ints("ends");
      have_axes = attrs().has("axes");
      if (have_axes) axes = attrs().get_ints("axes");
    } else {
      expect_inputs(in, 3, 5);
      starts = plan_time_ints(in[1], "input 'starts'");
      ends = plan_time_ints(in[2], "input 'ends'");
      have_axes = in.size() > 3 && in[3].present;
      if (have_axes) axes = plan_time_ints(in[3], "input 'axes'");
      have_steps = in.size() > 4 && in[4].present;
      if (have_steps) steps = plan_time_ints(in[4], "input 'steps'");
    }
    const ValueDesc& x = in[0];
    const int64_t rank = x.rank();
    const size_t n = starts.size();
    DNNCOST_LAYER_EXPECT(ends.size() == n,
                         "starts has " << n << " values but ends has " << ends.size() << "; expected the same count");
    if (have_axes) {
      DNNCOST_LAYER_EXPECT(axes.size() == n,
                           "axes has " << axes.size() << " values, expected " << n << " (one per start)");
    } else {
      DNNCOST_LAYER_EXPECT(static_cast<int64_t>(n) <= rank,
                           "starts has " << n << " values, more than the input's rank " << rank);
      for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (have_steps) {
      DNNCOST_LAYER_EXPECT(steps.size() == n,
                           "steps has " << steps.size() << " values, expected " << n << " (one per start)");
    } else {
      steps.assign(n, 1);
    }

    start_.assign(static_cast<size_t>(rank), 0);
    step_.assign(static_cast<size_t>(rank), 1);
    Shape out_shape = x.shape;
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (size_t i = 0; i < n; ++i) {
      DNNCOST_LAYER_EXPECT(axes[i] >= -rank && axes[i] < rank, "axis " << axes[i] << " is out of range for a " << rank
                                                                       << "-D input (expected -" << rank
                                                                       << " <= axis < " << rank << ")");
      const int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
      DNNCOST_LAYER_EXPECT(!seen[a], "axis " << axes[i] << " is listed twice in axes");
      seen[a] = true;
      const int64_t step = steps[i];
      DNNCOST_LAYER_EXPECT(step != 0, "step for axis " << axes[i] << " is 0; expected a nonzero step");
      const SliceAxis resolved = resolve_slice_axis(starts[i], ends[i], step, x.shape[a]);
      start_[a] = resolved.start;
      step_[a] = step;
      out_shape[a] = resolved.count;
    }
    parsed_ = {start_, step_};
    return {{x.dtype, out_shape}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    const int64_t rank = x.rank();
    const int64_t elem = static_cast<int64_t>(dtype_size(x.dtype()));
    const std::vector<int64_t> in_strides = shape_strides(x.shape());
    const auto* src = static_cast<const unsigned char*>(x.raw());
    auto* dst = static_cast<unsigned char*>(y.raw());
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);  // output coordinates
    for (int64_t o = 0; o < y.numel(); ++o) {
      int64_t offset = 0;
      for (int64_t a = 0; a < rank; ++a) offset += (start_[a] + pos[a] * step_[a]) * in_strides[a];
      std::memcpy(dst + o * elem, src + offset * elem, static_cast<size_t>(elem));
      for (int64_t a = rank - 1; a >= 0; --a) {  // next output coordinate
        if (++pos[a] < y.shape()[a]) break;
        pos[a] = 0;
      }
    }
  }

 private:
  std::vector<int64_t> start_;  // per input axis: first element taken
  std::vector<int64_t> step_;   // per input axis
};

DNNCOST_REGISTER_LAYER("Slice", Slice);

}  // namespace
}  // namespace dnncost
