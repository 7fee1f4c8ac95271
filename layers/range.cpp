// Range (opset 11): the 1-D sequence start, start + delta, ... up to (not including) limit, of
// max(ceil((limit - start) / delta), 0) elements, for float32, int64 or int32 scalars (one type for all three).
//
// Its length depends on the inputs' values, so they must be known at plan time (constants, or computed from shapes as
// in Swin's relative-position and mask subgraphs); the planner then folds the node. Cost: 0 FLOPs (it makes an index
// sequence, counted as data movement like Shape).
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "layers/registry.h"

namespace dnncost {
namespace {

class Range : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 3, 3);
    static const char* const kNames[] = {"input 'start'", "input 'limit'", "input 'delta'"};
    const DType t = in[0].dtype;
    for (size_t k = 0; k < 3; ++k) {
      DNNCOST_LAYER_EXPECT(in[k].present, kNames[k] << " is missing (all three are required)");
      DNNCOST_LAYER_EXPECT(in[k].dtype == t, kNames[k] << " has element type " << dtype_name(in[k].dtype)
                                                       << ", expected " << dtype_name(t) << " like input 'start'");
      DNNCOST_LAYER_EXPECT(in[k].numel() == 1 && in[k].rank() <= 1,
                           kNames[k] << " must be a scalar, got shape " << shape_str(in[k].shape));
    }
    DNNCOST_LAYER_EXPECT(t == DType::kFloat32 || t == DType::kInt64 || t == DType::kInt32,
                         "inputs have element type " << dtype_name(t) << "; Range makes float32, int64 or int32");
    for (size_t k = 0; k < 3; ++k) {
      DNNCOST_LAYER_EXPECT(in[k].constant != nullptr,
                           kNames[k] << " is computed at run time, so the output's length would depend on the "
                                        "input's values (data-dependent); dnncost plans static shapes and needs it "
                                        "known at plan time (a constant or computed from shapes)");
    }
    const int64_t n = length(*in[0].constant, *in[1].constant, *in[2].constant);
    return {{t, {n}}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    Tensor& y = *out[0];
    switch (y.dtype()) {
      case DType::kFloat32: fill<float>(*in[0], *in[2], y); break;
      case DType::kInt64: fill<int64_t>(*in[0], *in[2], y); break;
      case DType::kInt32: fill<int32_t>(*in[0], *in[2], y); break;
      default: fail("Range reached forward with type " + dtype_name(y.dtype()));
    }
  }

 private:
  // Number of elements: max(ceil((limit - start) / delta), 0); a zero delta is an error.
  int64_t length(const Tensor& start, const Tensor& limit, const Tensor& delta) const {
    if (start.dtype() == DType::kFloat32) {
      const double s = start.data<float>()[0], l = limit.data<float>()[0], d = delta.data<float>()[0];
      DNNCOST_LAYER_EXPECT(d != 0 && std::isfinite(s) && std::isfinite(l) && std::isfinite(d),
                           "start " << s << ", limit " << l << ", delta " << d
                                    << ": expected finite values and a non-zero delta");
      const double count = std::ceil((l - s) / d);
      DNNCOST_LAYER_EXPECT(count < 9.0e18, "start " << s << ", limit " << l << ", delta " << d << " make "
                                                    << count << " elements, more than int64 holds");
      return count > 0 ? static_cast<int64_t>(count) : 0;
    }
    const int64_t s = start.to_int64_vector()[0], l = limit.to_int64_vector()[0], d = delta.to_int64_vector()[0];
    DNNCOST_LAYER_EXPECT(d != 0, "delta is 0; expected a non-zero step");
    if (d > 0 ? l <= s : l >= s) return 0;
    // ceil(span / |delta|) in unsigned arithmetic, which holds any span of two int64 values.
    const uint64_t span = d > 0 ? static_cast<uint64_t>(l) - static_cast<uint64_t>(s)
                                : static_cast<uint64_t>(s) - static_cast<uint64_t>(l);
    const uint64_t step = d > 0 ? static_cast<uint64_t>(d) : static_cast<uint64_t>(-(d + 1)) + 1;
    const uint64_t count = (span - 1) / step + 1;
    DNNCOST_LAYER_EXPECT(count <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                         "start " << s << ", limit " << l << ", delta " << d << " make more elements than int64 holds");
    return static_cast<int64_t>(count);
  }

  template <typename T>
  static void fill(const Tensor& start, const Tensor& delta, Tensor& y) {
    const T s = start.data<T>()[0], d = delta.data<T>()[0];
    T* py = y.data<T>();
    for (int64_t i = 0; i < y.numel(); ++i) {
      if constexpr (std::is_integral_v<T>)  // start + i * delta lies between start and limit; the steps may not
        py[i] = static_cast<T>(static_cast<uint64_t>(static_cast<int64_t>(s)) +
                               static_cast<uint64_t>(i) * static_cast<uint64_t>(static_cast<int64_t>(d)));
      else
        py[i] = s + static_cast<T>(i) * d;
    }
  }
};

DNNCOST_REGISTER_LAYER("Range", Range);

}  // namespace
}  // namespace dnncost
