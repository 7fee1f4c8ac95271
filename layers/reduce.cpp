// Reductions over some axes: ReduceMean and ReduceL2 (float32), ReduceSum, ReduceMax, ReduceMin (float32, int64, int32).
//
// Axes come from the `axes` attribute or, as newer opsets write them (ReduceSum from opset 13, the others from 18),
// from input 1 (constant at plan time); negative axes count from the end; no axes means all axes, unless
// noop_with_empty_axes is set, which makes the op an identity. keepdims (default 1) keeps reduced axes as size 1.
//
// FLOPs: ReduceMean counts input elements (one add each) + output elements (one divide each). ReduceSum counts the
// adds and ReduceMax/ReduceMin the comparisons of a group of g inputs as g - 1: input elements - output elements in
// all. ReduceL2 (Swin-V2's cosine attention normalises Q and K with it) counts a square per input element, the adds
// of the squares (input - output elements) and a square root per output: 2 x input elements. An empty group gives 0
// (sum, L2), NaN (mean), -inf / +inf or the type's lowest / highest value (max / min).
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "kernels/elementwise_functors.h"
#include "layers/plan_time_input.h"
#include "layers/reduce.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

enum class ReduceKind { kMean, kSum, kMax, kMin, kL2 };

template <ReduceKind kKind>
class Reduce : public PlanTimeInputLayer, public ParsedAttributes<ReduceParams> {
 public:
  using PlanTimeInputLayer::PlanTimeInputLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 2);
    if constexpr (kKind == ReduceKind::kMean || kKind == ReduceKind::kL2) {
      expect_float(in[0], "input 'data'");
    } else {
      const DType t = in[0].dtype;
      DNNCOST_LAYER_EXPECT(t == DType::kFloat32 || t == DType::kInt64 || t == DType::kInt32,
                           "input 'data' has element type " << dtype_name(t) << "; " << node().op_type
                                                            << " computes float32, int64 or int32");
    }
    dtype_ = in[0].dtype;
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
    return {{dtype_, out_shape}};
  }

  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    if constexpr (kKind == ReduceKind::kMean) {
      return {0, in[0].numel() + out[0].numel()};
    } else if constexpr (kKind == ReduceKind::kL2) {
      return {0, 2 * in[0].numel()};
    } else {
      const int64_t steps = in[0].numel() - out[0].numel();  // g - 1 per group of g
      return {0, steps > 0 ? steps : 0};
    }
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    switch (dtype_) {
      case DType::kFloat32: reduce<float>(*in[0], *out[0]); break;
      case DType::kInt64:
        if constexpr (kKind != ReduceKind::kMean && kKind != ReduceKind::kL2) reduce<int64_t>(*in[0], *out[0]);
        break;
      case DType::kInt32:
        if constexpr (kKind != ReduceKind::kMean && kKind != ReduceKind::kL2) reduce<int32_t>(*in[0], *out[0]);
        break;
      default: throw std::logic_error(node().op_type + " reached forward with type " + dtype_name(dtype_));
    }
  }

 private:
  // Sums and means accumulate floats in double; max and min in the element type.
  template <typename T>
  using Accumulator = std::conditional_t<std::is_floating_point_v<T> && (kKind == ReduceKind::kMean ||
                                                                          kKind == ReduceKind::kSum ||
                                                                          kKind == ReduceKind::kL2),
                                         double, T>;

  template <typename T>
  static Accumulator<T> identity() {
    using A = Accumulator<T>;
    if constexpr (kKind == ReduceKind::kMax)
      return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                  : std::numeric_limits<A>::lowest();
    else if constexpr (kKind == ReduceKind::kMin)
      return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity() : std::numeric_limits<A>::max();
    else
      return A(0);
  }

  // Folds every input element into its output (the reduced coordinates set to 0), then finishes the mean.
  template <typename T>
  void reduce(const Tensor& x, Tensor& y) const {
    using A = Accumulator<T>;
    const int64_t rank = x.rank();
    const int64_t out_count = shape_numel(kept_shape_);
    std::vector<A> acc(static_cast<size_t>(out_count), identity<T>());
    const std::vector<int64_t> out_strides = shape_strides(kept_shape_);
    const T* px = x.data<T>();
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);  // input coordinates
    for (int64_t i = 0; i < x.numel(); ++i) {
      int64_t o = 0;
      for (int64_t a = 0; a < rank; ++a)
        if (!reduced_[a]) o += pos[a] * out_strides[a];
      if constexpr (kKind == ReduceKind::kMax)
        acc[o] = MaxFn{}(acc[o], px[i]);
      else if constexpr (kKind == ReduceKind::kMin)
        acc[o] = MinFn{}(acc[o], px[i]);
      else if constexpr (kKind == ReduceKind::kL2)
        acc[o] += static_cast<A>(px[i]) * static_cast<A>(px[i]);
      else if constexpr (std::is_integral_v<A>)
        acc[o] = wrapping_add(acc[o], px[i]);
      else
        acc[o] += px[i];
      for (int64_t a = rank - 1; a >= 0; --a) {  // next input coordinate
        if (++pos[a] < x.shape()[a]) break;
        pos[a] = 0;
      }
    }
    T* py = y.data<T>();
    if constexpr (kKind == ReduceKind::kMean) {
      const int64_t group = out_count == 0 ? 0 : x.numel() / out_count;  // inputs averaged into one output
      for (int64_t o = 0; o < out_count; ++o)
        py[o] = static_cast<T>(acc[o] / static_cast<double>(group));  // an empty group gives NaN (0/0)
    } else if constexpr (kKind == ReduceKind::kL2) {
      for (int64_t o = 0; o < out_count; ++o) py[o] = static_cast<T>(std::sqrt(acc[o]));
    } else {
      for (int64_t o = 0; o < out_count; ++o) py[o] = static_cast<T>(acc[o]);
    }
  }

  DType dtype_ = DType::kUndefined;
  std::vector<bool> reduced_;  // per input axis
  Shape kept_shape_;           // output shape with reduced axes kept as 1
};

class ReduceL2 : public Reduce<ReduceKind::kL2> {
  using Reduce::Reduce;
};
class ReduceMean : public Reduce<ReduceKind::kMean> {
  using Reduce::Reduce;
};
class ReduceSum : public Reduce<ReduceKind::kSum> {
  using Reduce::Reduce;
};
class ReduceMax : public Reduce<ReduceKind::kMax> {
  using Reduce::Reduce;
};
class ReduceMin : public Reduce<ReduceKind::kMin> {
  using Reduce::Reduce;
};

DNNCOST_REGISTER_LAYER("ReduceMean", ReduceMean);
DNNCOST_REGISTER_LAYER("ReduceL2", ReduceL2);
DNNCOST_REGISTER_LAYER("ReduceSum", ReduceSum);
DNNCOST_REGISTER_LAYER("ReduceMax", ReduceMax);
DNNCOST_REGISTER_LAYER("ReduceMin", ReduceMin);

}  // namespace
}  // namespace dnncost
