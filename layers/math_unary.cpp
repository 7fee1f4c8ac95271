// Element-wise math of one operand: Sqrt, Exp, Log, Reciprocal (float32) and Neg, Abs (float32, int64, int32). They
// arrive in LayerNorm decomposed at opset < 17 (Sqrt), in exports of softmax and GELU variants (Exp, Log) and in shape
// subgraphs (Neg, Abs on int64). Cost: 1 FLOP per element (functors in kernels/math_functors.h).
#include <sstream>
#include <stdexcept>

#include "kernels/math_functors.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// One input, same-shaped output of the same type; kIntegers adds int64 and int32 to float32.
template <typename Fn, bool kIntegers>
class UnaryMath : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    const DType t = in[0].dtype;
    DNNCOST_LAYER_EXPECT(t == DType::kFloat32 || (kIntegers && (t == DType::kInt64 || t == DType::kInt32)),
                         "input X has element type " << dtype_name(t) << "; " << node().op_type << " computes "
                                                     << (kIntegers ? "float32, int64 or int32" : "float32 only"));
    dtype_ = t;
    return {{t, in[0].shape}};
  }
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    return {0, in[0].numel() * Fn::kFlops};
  }
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    switch (dtype_) {
      case DType::kFloat32: apply<float>(*in[0], *out[0]); break;
      case DType::kInt64:
        if constexpr (kIntegers) apply<int64_t>(*in[0], *out[0]);
        break;
      case DType::kInt32:
        if constexpr (kIntegers) apply<int32_t>(*in[0], *out[0]);
        break;
      default: throw std::logic_error(node().op_type + " reached forward with type " + dtype_name(dtype_));
    }
  }
  int in_place_input() const override { return 0; }  // y[i] depends on x[i] only

 private:
  template <typename T>
  static void apply(const Tensor& x, Tensor& y) {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const Fn fn;
    for (int64_t i = 0; i < x.numel(); ++i) py[i] = fn(px[i]);
  }

  DType dtype_ = DType::kUndefined;
};

class Sqrt : public UnaryMath<SqrtFn, false> {
  using UnaryMath::UnaryMath;
};
class Exp : public UnaryMath<ExpFn, false> {
  using UnaryMath::UnaryMath;
};
class Log : public UnaryMath<LogFn, false> {
  using UnaryMath::UnaryMath;
};
class Reciprocal : public UnaryMath<ReciprocalFn, false> {
  using UnaryMath::UnaryMath;
};
class Neg : public UnaryMath<NegFn, true> {
  using UnaryMath::UnaryMath;
};
class Abs : public UnaryMath<AbsFn, true> {
  using UnaryMath::UnaryMath;
};

DNNCOST_REGISTER_LAYER("Sqrt", Sqrt);
DNNCOST_REGISTER_LAYER("Exp", Exp);
DNNCOST_REGISTER_LAYER("Log", Log);
DNNCOST_REGISTER_LAYER("Reciprocal", Reciprocal);
DNNCOST_REGISTER_LAYER("Neg", Neg);
DNNCOST_REGISTER_LAYER("Abs", Abs);

}  // namespace
}  // namespace dnncost
