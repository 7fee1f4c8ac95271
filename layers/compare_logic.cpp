// Comparisons and logic with numpy broadcasting, all with bool outputs: Equal, Less, Greater, LessOrEqual,
// GreaterOrEqual (float32, int64, int32 operands; Equal also bool), And, Or, Xor (bool) and the unary Not.
//
// They appear in masks (attention masks, Swin's shifted-window mask) and in the shape subgraphs the planner folds at
// plan time (ViT's Equal/Where on a shape vector). Cost: 1 FLOP per output element (one comparison or logical
// operation), as Relu's comparison counts. Constant operands are data, never params.
#include <sstream>
#include <stdexcept>

#include "kernels/broadcast.h"
#include "kernels/compare_functors.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Bool bytes compared as truth values (any non-zero byte is true).
struct BoolEqualFn {
  static constexpr int kFlops = 1;
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) == (b != 0) ? 1 : 0; }
};

// Shared by the binary ops: two operands of one allowed type broadcast to a bool output.
class BinaryBoolLayer : public Layer {
 public:
  using Layer::Layer;

  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    return {0, out[0].numel()};  // one comparison or logical operation per output element
  }

 protected:
  // Checks both operands (present, one shared type that `allowed` accepts, described by `types` in messages),
  // broadcasts their shapes and builds the indexer; returns the operands' element type.
  template <typename Allowed>
  DType infer_operands(const std::vector<ValueDesc>& in, Allowed allowed, const char* types) {
    expect_inputs(in, 2, 2);
    for (size_t k = 0; k < 2; ++k) {
      const char* name = k == 0 ? "input A" : "input B";
      DNNCOST_LAYER_EXPECT(in[k].present, name << " is missing (both inputs are required)");
      DNNCOST_LAYER_EXPECT(allowed(in[k].dtype), name << " has element type " << dtype_name(in[k].dtype) << "; "
                                                      << node().op_type << " compares " << types);
    }
    DNNCOST_LAYER_EXPECT(in[0].dtype == in[1].dtype, "inputs A and B must have the same element type, got "
                                                         << dtype_name(in[0].dtype) << " and "
                                                         << dtype_name(in[1].dtype));
    if (ctx().opset < 7) {
      // Opset 1 broadcasts only with the legacy `broadcast`/`axis` attributes, which PyTorch never writes.
      DNNCOST_LAYER_EXPECT(attrs().get_int("broadcast", 0) == 0,
                           "the legacy broadcast=1 attribute (opset " << ctx().opset << " < 7) is not supported; "
                                                                      << "expected numpy broadcasting (opset >= 7)");
      DNNCOST_LAYER_EXPECT(in[0].shape == in[1].shape, "inputs A " << shape_str(in[0].shape) << " and B "
                                                                   << shape_str(in[1].shape)
                                                                   << " must have the same shape before opset 7");
      out_shape_ = in[0].shape;
    } else {
      std::string why;
      DNNCOST_LAYER_EXPECT(broadcast_shapes({in[0].shape, in[1].shape}, &out_shape_, &why), "inputs A and B: " << why);
    }
    indexer_ = BroadcastIndexer({in[0].shape, in[1].shape}, out_shape_);
    return in[0].dtype;
  }

  Shape out_shape_;
  BroadcastIndexer indexer_;
};

bool numeric_type(DType t) { return t == DType::kFloat32 || t == DType::kInt64 || t == DType::kInt32; }

// Equal, Less, Greater, LessOrEqual, GreaterOrEqual.
template <typename Fn, bool kAllowsBool>
class Comparison : public BinaryBoolLayer {
 public:
  using BinaryBoolLayer::BinaryBoolLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    dtype_ = infer_operands(
        in, [](DType t) { return numeric_type(t) || (kAllowsBool && t == DType::kBool); },
        kAllowsBool ? "float32, int64, int32 or bool" : "float32, int64 or int32");
    return {{DType::kBool, out_shape_}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    uint8_t* y = out[0]->data<uint8_t>();
    switch (dtype_) {
      case DType::kFloat32: broadcast_binary(indexer_, in[0]->data<float>(), in[1]->data<float>(), y, Fn{}); break;
      case DType::kInt64: broadcast_binary(indexer_, in[0]->data<int64_t>(), in[1]->data<int64_t>(), y, Fn{}); break;
      case DType::kInt32: broadcast_binary(indexer_, in[0]->data<int32_t>(), in[1]->data<int32_t>(), y, Fn{}); break;
      case DType::kBool:
        broadcast_binary(indexer_, in[0]->data<uint8_t>(), in[1]->data<uint8_t>(), y, BoolEqualFn{});
        break;
      default: throw std::logic_error("comparison reached forward with type " + dtype_name(dtype_));
    }
  }

 private:
  DType dtype_ = DType::kUndefined;
};

// And, Or, Xor on bool operands.
template <typename Fn>
class BinaryLogic : public BinaryBoolLayer {
 public:
  using BinaryBoolLayer::BinaryBoolLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    infer_operands(in, [](DType t) { return t == DType::kBool; }, "bool tensors only");
    return {{DType::kBool, out_shape_}};
  }
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    broadcast_binary(indexer_, in[0]->data<uint8_t>(), in[1]->data<uint8_t>(), out[0]->data<uint8_t>(), Fn{});
  }
};

// Not: elementwise logical negation of a bool tensor.
class Not : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    DNNCOST_LAYER_EXPECT(in[0].dtype == DType::kBool,
                         "input X has element type " << dtype_name(in[0].dtype) << "; Not negates bool tensors only");
    return {{DType::kBool, in[0].shape}};
  }
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    return {0, in[0].numel() * NotFn::kFlops};
  }
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const uint8_t* x = in[0]->data<uint8_t>();
    uint8_t* y = out[0]->data<uint8_t>();
    const NotFn fn;
    for (int64_t i = 0; i < in[0]->numel(); ++i) y[i] = fn(x[i]);
  }
  int in_place_input() const override { return 0; }  // y[i] depends on x[i] only
};

class Equal : public Comparison<EqualFn, true> {
  using Comparison::Comparison;
};
class Less : public Comparison<LessFn, false> {
  using Comparison::Comparison;
};
class Greater : public Comparison<GreaterFn, false> {
  using Comparison::Comparison;
};
class LessOrEqual : public Comparison<LessOrEqualFn, false> {
  using Comparison::Comparison;
};
class GreaterOrEqual : public Comparison<GreaterOrEqualFn, false> {
  using Comparison::Comparison;
};
class And : public BinaryLogic<AndFn> {
  using BinaryLogic::BinaryLogic;
};
class Or : public BinaryLogic<OrFn> {
  using BinaryLogic::BinaryLogic;
};
class Xor : public BinaryLogic<XorFn> {
  using BinaryLogic::BinaryLogic;
};

DNNCOST_REGISTER_LAYER("Equal", Equal);
DNNCOST_REGISTER_LAYER("Less", Less);
DNNCOST_REGISTER_LAYER("Greater", Greater);
DNNCOST_REGISTER_LAYER("LessOrEqual", LessOrEqual);
DNNCOST_REGISTER_LAYER("GreaterOrEqual", GreaterOrEqual);
DNNCOST_REGISTER_LAYER("And", And);
DNNCOST_REGISTER_LAYER("Or", Or);
DNNCOST_REGISTER_LAYER("Xor", Xor);
DNNCOST_REGISTER_LAYER("Not", Not);

}  // namespace
}  // namespace dnncost
