// Pow and Mod: binary arithmetic with numpy broadcasting whose operands need more than Add's one shared type.
//
// Pow (opset 7, 12, 13, 15): base float32, int64 or int32, exponent float32, int64, int32, uint64 or uint32 (opset
// 12 lets them differ); the output has the base's type. The decomposed LayerNorm of opset < 17 exports writes
// Pow(x - mean, 2.0).
// Mod (opset 10, 13): int64/int32 with fmod=0 (Python's sign rule, as Swin's padding arithmetic uses it) or fmod=1
// (C's), float32 with fmod=1 only (the ONNX rule). Cost: 1 FLOP per output element; constant operands are data.
#include <sstream>
#include <stdexcept>

#include "kernels/broadcast.h"
#include "kernels/math_functors.h"
#include "layers/arithmetic_type.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Two operands broadcast to one output; 1 FLOP per output element.
class BroadcastBinaryLayer : public Layer {
 public:
  using Layer::Layer;

  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    return {0, out[0].numel()};
  }

 protected:
  // Broadcasts A and B (numpy rules; before opset 7 the shapes must agree) and builds the indexer.
  Shape broadcast_operands(const std::vector<ValueDesc>& in, const char* a, const char* b) {
    Shape out;
    if (ctx().opset < 7) {
      DNNCOST_LAYER_EXPECT(attrs().get_int("broadcast", 0) == 0,
                           "the legacy broadcast=1 attribute (opset " << ctx().opset << " < 7) is not supported; "
                                                                      << "expected numpy broadcasting (opset >= 7)");
      DNNCOST_LAYER_EXPECT(in[0].shape == in[1].shape, "inputs " << a << " " << shape_str(in[0].shape) << " and " << b
                                                                 << " " << shape_str(in[1].shape)
                                                                 << " must have the same shape before opset 7");
      out = in[0].shape;
    } else {
      std::string why;
      DNNCOST_LAYER_EXPECT(broadcast_shapes({in[0].shape, in[1].shape}, &out, &why),
                           "inputs " << a << " and " << b << ": " << why);
    }
    indexer_ = BroadcastIndexer({in[0].shape, in[1].shape}, out);
    in_place_ = in[0].shape == out ? 0 : -1;  // the output has A's type: element i reads A's element i only
    return out;
  }

  BroadcastIndexer indexer_;
  int in_place_ = -1;
};

class Pow : public BroadcastBinaryLayer {
 public:
  using BroadcastBinaryLayer::BroadcastBinaryLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    DNNCOST_LAYER_EXPECT(in[0].present && in[1].present, "inputs X and Y are both required");
    base_ = in[0].dtype;
    exponent_ = in[1].dtype;
    DNNCOST_LAYER_EXPECT(arithmetic_type(base_), "input X (the base) has element type "
                                                     << dtype_name(base_) << "; Pow computes float32, int64 or int32");
    DNNCOST_LAYER_EXPECT(arithmetic_type(exponent_) || exponent_ == DType::kUint64 || exponent_ == DType::kUint32,
                         "input Y (the exponent) has element type " << dtype_name(exponent_)
                                                                    << "; expected float32, int64, int32, uint64 or "
                                                                       "uint32");
    DNNCOST_LAYER_EXPECT(ctx().opset >= 12 || base_ == exponent_,
                         "inputs X and Y have element types " << dtype_name(base_) << " and " << dtype_name(exponent_)
                                                              << "; before opset 12 they must be the same");
    return {{base_, broadcast_operands(in, "X", "Y")}};
  }
  int in_place_input() const override { return in_place_; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    with_arithmetic_type(base_, node().op_type, [&](auto base_tag) {
      using TB = decltype(base_tag);
      auto apply = [&](auto exponent_tag) {
        using TE = decltype(exponent_tag);
        broadcast_binary(indexer_, in[0]->data<TB>(), in[1]->data<TE>(), out[0]->data<TB>(), PowFn{});
      };
      if (exponent_ == DType::kUint64)
        apply(uint64_t{});
      else if (exponent_ == DType::kUint32)
        apply(uint32_t{});
      else
        with_arithmetic_type(exponent_, node().op_type, apply);
    });
  }

 private:
  DType base_ = DType::kUndefined;
  DType exponent_ = DType::kUndefined;
};

class Mod : public BroadcastBinaryLayer {
 public:
  using BroadcastBinaryLayer::BroadcastBinaryLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    DNNCOST_LAYER_EXPECT(in[0].present && in[1].present, "inputs A and B are both required");
    dtype_ = in[0].dtype;
    DNNCOST_LAYER_EXPECT(arithmetic_type(dtype_), "input A has element type " << dtype_name(dtype_)
                                                                              << "; Mod computes float32 (fmod=1), "
                                                                                 "int64 or int32");
    DNNCOST_LAYER_EXPECT(in[1].dtype == dtype_, "inputs A and B must have the same element type, got "
                                                    << dtype_name(dtype_) << " and " << dtype_name(in[1].dtype));
    fmod_ = attrs().get_int("fmod", 0);
    DNNCOST_LAYER_EXPECT(fmod_ == 0 || fmod_ == 1, "attribute fmod must be 0 or 1, got " << fmod_);
    DNNCOST_LAYER_EXPECT(fmod_ == 1 || dtype_ != DType::kFloat32,
                         "float inputs need fmod=1 (C's fmod); fmod=0 is the integer modulus (the ONNX rule)");
    return {{dtype_, broadcast_operands(in, "A", "B")}};
  }
  int in_place_input() const override { return in_place_; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    with_arithmetic_type(dtype_, node().op_type, [&](auto tag) {
      using T = decltype(tag);
      const T* a = in[0]->data<T>();
      const T* b = in[1]->data<T>();
      T* y = out[0]->data<T>();
      if constexpr (std::is_integral_v<T>) {
        if (indexer_.numel() > 0) {
          for (int64_t i = 0; i < in[1]->numel(); ++i)
            DNNCOST_LAYER_EXPECT(b[i] != 0, "integer modulus by zero: divisor B is 0 at element "
                                                << i << " (expected every divisor of an integer Mod to be non-zero)");
        }
      }
      if (fmod_)
        broadcast_binary(indexer_, a, b, y, FmodFn{});
      else if constexpr (std::is_integral_v<T>)
        broadcast_binary(indexer_, a, b, y, ModFn{});
    });
  }

 private:
  DType dtype_ = DType::kUndefined;
  int64_t fmod_ = 0;
};

DNNCOST_REGISTER_LAYER("Pow", Pow);
DNNCOST_REGISTER_LAYER("Mod", Mod);

}  // namespace
}  // namespace dnncost
