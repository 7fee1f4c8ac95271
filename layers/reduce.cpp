// ReduceMean: mean of a float32 tensor over some axes. FLOPs = input elements (one add each) + output elements
// (one divide each).
//
// Axes come from the `axes` attribute (opsets 1-17) or, as opset 18 models write them, from input 1 (constant at
// plan time); negative axes count from the end; no axes means all axes, unless noop_with_empty_axes (opset 18)
// is set, which makes the op an identity. keepdims (default 1) keeps reduced axes as size 1.
#include <sstream>

#include "layers/plan_time_input.h"
#include "layers/reduce.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class ReduceMean : public PlanTimeInputLayer, public ParsedAttributes<ReduceParams> {
 public:
  using PlanTimeInputLayer::PlanTimeInputLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 2);
    expect_float(in[0], "input 'data'");
    const int64_t rank = in[0].rank();
    std::vector<int64_t> axes;
    const bool axes_input = in.size() > 1 && in[1].present;
    if (axes_input) {
      DNNCOST_LAYER_EXPECT(!attrs().has("axes"), "axes are given both as attribute and as input 1; expected one");
      DNNCOST_LAYER_EXPECT(in[1].dtype == DType::kInt64, "input 'axes' must be int64, got " << dtype_name(in[1].dtype));
      axes = plan_time_ints(in[1], "input 'axes'");
    } else {
      axes = attrs().get_ints("axes", {});
    }
    reduced_.assign(static_cast<size_t>(rank), false);
    if (axes.empty()) {
      if (attrs().get_int("noop_with_empty_axes", 0) == 0) reduced_.assign(static_cast<size_t>(rank), true);
    }
    for (int64_t axis : axes) {
      DNNCOST_LAYER_EXPECT(axis >= -rank && axis < rank, "axis " << axis << " is out of range for a " << rank
                                                                 << "-D input (expected -" << rank << " <= axis < "
                                                                 << rank << ")");
      const int64_t a = axis < 0 ? axis + rank : axis;
      DNNCOST_LAYER_EXPECT(!reduced_[a], "axis " << axis << " is listed twice in axes");
      reduced_[a] = true;
    }
    parsed_.reduced = reduced_;
    const int64_t keepdims = attrs().get_int("keepdims", 1);
    DNNCOST_LAYER_EXPECT(keepdims == 0 || keepdims == 1, "keepdims must be 0 or 1, got " << keepdims);
    Shape out_shape;
    kept_shape_.clear();
    for (int64_t a = 0; a < rank; ++a) {
      kept_shape_.push_back(reduced_[a] ? 1 : in[0].shape[a]);
      if (!reduced_[a] || keepdims) out_shape.push_back(kept_shape_.back());
    }
    return {{DType::kFloat32, out_shape}};
  }

  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    return {0, in[0].numel() + out[0].numel()};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& x = *in[0];
    const int64_t rank = x.rank();
    const int64_t out_count = shape_numel(kept_shape_);
    const int64_t group = out_count == 0 ? 0 : x.numel() / out_count;  // inputs averaged into one output
    // Sum every input element into its output (the reduced coordinates set to 0), in double, then divide.
    std::vector<double> sums(static_cast<size_t>(out_count), 0.0);
    const std::vector<int64_t> out_strides = shape_strides(kept_shape_);
    const float* px = x.data<float>();
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);  // input coordinates
    for (int64_t i = 0; i < x.numel(); ++i) {
      int64_t o = 0;
      for (int64_t a = 0; a < rank; ++a)
        if (!reduced_[a]) o += pos[a] * out_strides[a];
      sums[o] += px[i];
      for (int64_t a = rank - 1; a >= 0; --a) {  // next input coordinate
        if (++pos[a] < x.shape()[a]) break;
        pos[a] = 0;
      }
    }
    float* py = out[0]->data<float>();
    for (int64_t o = 0; o < out_count; ++o)
      py[o] = static_cast<float>(sums[o] / static_cast<double>(group));  // an empty group gives NaN (0/0)
  }

 private:
  std::vector<bool> reduced_;  // per input axis
  Shape kept_shape_;           // output shape with reduced axes kept as 1
};

DNNCOST_REGISTER_LAYER("ReduceMean", ReduceMean);

}  // namespace
}  // namespace dnncost
