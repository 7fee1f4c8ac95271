// Softmax and LogSoftmax. Opsets 1-12: the input is coerced to 2-D at `axis` (default 1) and each row of the
// flattened trailing dims [axis, rank) is normalized. Opset 13+: normalized along the single dim `axis`
// (default -1). The per-row math is in kernels/softmax_math.h.
#include <sstream>

#include "kernels/softmax_math.h"
#include "layers/softmax.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// The input viewed as [outer, length, inner]: rows of `length` values, `inner` elements apart.
template <bool kLog>
class SoftmaxFamily : public Layer, public ParsedAttributes<SoftmaxParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    expect_float(in[0], "input");
    const Shape& x = in[0].shape;
    const int64_t rank = in[0].rank();
    const bool coerce_2d = ctx().opset < 13;
    const int64_t axis = attrs().get_int("axis", coerce_2d ? 1 : -1);
    DNNCOST_LAYER_EXPECT(axis >= -rank && axis < rank, "axis " << axis << " is out of range for an input of shape "
                                                               << shape_str(x) << " (expected " << -rank
                                                               << " <= axis < " << rank << ")");
    const int64_t a = axis < 0 ? axis + rank : axis;
    parsed_.log = kLog;
    parsed_.outer = 1;
    for (int64_t d = 0; d < a; ++d) parsed_.outer *= x[d];
    if (coerce_2d) {
      parsed_.length = 1;
      for (int64_t d = a; d < rank; ++d) parsed_.length *= x[d];
      parsed_.inner = 1;
    } else {
      parsed_.length = x[a];
      parsed_.inner = 1;
      for (int64_t d = a + 1; d < rank; ++d) parsed_.inner *= x[d];
    }
    return {{in[0].dtype, x}};
  }

  // Softmax: 5 per element. LogSoftmax: 5 per element and 1 (the log) per row.
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    const int64_t n = in[0].numel();
    if (!kLog) return {0, n * kSoftmaxFlopsPerElement};
    const int64_t rows = parsed_.length == 0 ? 0 : n / parsed_.length;
    return {0, n * kLogSoftmaxFlopsPerElement + rows * kLogSoftmaxFlopsPerRow};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    if (parsed_.length == 0) return;
    for (int64_t o = 0; o < parsed_.outer; ++o) {
      for (int64_t i = 0; i < parsed_.inner; ++i) {
        const int64_t start = o * parsed_.length * parsed_.inner + i;
        if (kLog) {
          log_softmax_row(x + start, y + start, parsed_.length, parsed_.inner);
        } else {
          softmax_row(x + start, y + start, parsed_.length, parsed_.inner);
        }
      }
    }
  }
};

using Softmax = SoftmaxFamily<false>;
using LogSoftmax = SoftmaxFamily<true>;

DNNCOST_REGISTER_LAYER("Softmax", Softmax);
DNNCOST_REGISTER_LAYER("LogSoftmax", LogSoftmax);

}  // namespace
}  // namespace dnncost
