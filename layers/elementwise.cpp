// Element-wise arithmetic with numpy broadcasting: the binary Add, Sub, Mul, Div (with the legacy `broadcast` /
// `axis` form of opset < 7) and the variadic Sum and Max.
//
// Element types: float32 for data, int64 and int32 for the shape subgraphs these ops appear in. Cost: one
// operation per output element and per combining step, so (k - 1) per output element for k inputs.
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "kernels/broadcast.h"
#include "kernels/elementwise_functors.h"
#include "layers/arithmetic_type.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// What the element-wise ops share: operand type checks, the accounting role of constants and the cost rule.
class ElementwiseLayer : public Layer {
 public:
  using Layer::Layer;

  // k inputs combine in (k - 1) operations per output element.
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    return {0, static_cast<int64_t>(in.size() - 1) * out[0].numel()};
  }
  // A tensor operand that is a model initializer is a learned bias or scale; a scalar constant (x * 0.5,
  // x + 1) is not a parameter.
  InputRole input_role(size_t, const ValueDesc& v) const override {
    return v.numel() > 1 ? InputRole::kParam : InputRole::kData;
  }

 protected:
  virtual std::string operand_name(size_t k) const { return "input " + std::to_string(k); }

  // Every input is present and all share one element type from float32, int64, int32; returns it.
  DType check_operand_types(const std::vector<ValueDesc>& in) const {
    for (size_t k = 0; k < in.size(); ++k) {
      DNNCOST_LAYER_EXPECT(in[k].present, operand_name(k) << " is missing (every input is required)");
      DNNCOST_LAYER_EXPECT(arithmetic_type(in[k].dtype),
                           operand_name(k) << " has element type " << dtype_name(in[k].dtype) << "; " << node().op_type
                                           << " computes float (float32), int64 or int32");
      DNNCOST_LAYER_EXPECT(in[k].dtype == in[0].dtype,
                           operand_name(0) << " and " << operand_name(k) << " must have the same element type, got "
                                           << dtype_name(in[0].dtype) << " and " << dtype_name(in[k].dtype));
    }
    return in[0].dtype;
  }
};

// Add, Sub, Mul, Div: Y = Fn(A, B).
template <typename Fn>
class BinaryArithmetic : public ElementwiseLayer {
 public:
  using ElementwiseLayer::ElementwiseLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    dtype_ = check_operand_types(in);
    Shape b_aligned = in[1].shape;  // B's shape as the indexer sees it (legacy form: padded to A's rank)
    if (ctx().opset < 7) {
      out_shape_ = legacy_broadcast(in[0].shape, in[1].shape, &b_aligned);
    } else {
      std::string why;
      DNNCOST_LAYER_EXPECT(broadcast_shapes({in[0].shape, in[1].shape}, &out_shape_, &why), "inputs A and B: " << why);
    }
    indexer_ = BroadcastIndexer({in[0].shape, b_aligned}, out_shape_);
    // Y may overwrite an operand of its own shape: element i of Y reads element i of that operand only.
    in_place_ = in[0].shape == out_shape_ ? 0 : (in[1].shape == out_shape_ ? 1 : -1);
    return {{dtype_, out_shape_}};
  }
  int in_place_input() const override { return in_place_; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    with_arithmetic_type(dtype_, node().op_type, [&](auto tag) {
      using T = decltype(tag);
      const T* a = in[0]->data<T>();
      const T* b = in[1]->data<T>();
      if constexpr (std::is_integral_v<T> && std::is_same_v<Fn, DivFn>) {
        if (indexer_.numel() > 0) expect_no_zero_divisor(b, in[1]->numel());
      }
      broadcast_binary(indexer_, a, b, out[0]->data<T>(), Fn{});
    });
  }

 protected:
  std::string operand_name(size_t k) const override { return k == 0 ? "input A" : "input B"; }

 private:
  // Opset < 7: B is broadcast onto A only when broadcast=1, its shape matching a contiguous run of A's
  // dimensions starting at `axis` (default: aligned with A's last dimensions), or B holding one element.
  Shape legacy_broadcast(const Shape& a, const Shape& b, Shape* b_aligned) const {
    const int64_t broadcast = attrs().get_int("broadcast", 0);
    DNNCOST_LAYER_EXPECT(broadcast == 0 || broadcast == 1, "attribute broadcast must be 0 or 1, got " << broadcast);
    if (broadcast == 0) {
      DNNCOST_LAYER_EXPECT(a == b, "inputs A " << shape_str(a) << " and B " << shape_str(b)
                                               << " must have the same shape: before opset 7, broadcasting needs "
                                                  "the attribute broadcast=1");
      *b_aligned = b;
      return a;
    }
    const int64_t rank_a = static_cast<int64_t>(a.size());
    const int64_t rank_b = static_cast<int64_t>(b.size());
    *b_aligned = Shape(a.size(), 1);
    if (shape_numel(b) == 1) return a;  // one value for every element of A
    DNNCOST_LAYER_EXPECT(rank_b <= rank_a, "with broadcast=1, input B " << shape_str(b)
                                                                        << " must not have more dimensions than A "
                                                                        << shape_str(a));
    int64_t axis = rank_a - rank_b;
    if (attrs().has("axis")) {
      axis = attrs().get_int("axis");
      if (axis < 0) axis += rank_a;
      DNNCOST_LAYER_EXPECT(axis >= 0 && axis <= rank_a - rank_b,  // no overflow for a huge axis
                           "attribute axis " << attrs().get_int("axis") << " places B " << shape_str(b) << " outside A "
                                             << shape_str(a) << " (expected 0 <= axis <= " << rank_a - rank_b << ")");
    }
    for (int64_t i = 0; i < rank_b; ++i) {
      DNNCOST_LAYER_EXPECT(b[i] == a[axis + i] || b[i] == 1,
                           "with broadcast=1 and axis " << axis << ", input B " << shape_str(b) << " must match A "
                                                        << shape_str(a) << " at dimensions " << axis << " to "
                                                        << axis + rank_b - 1
                                                        << " (legacy unidirectional broadcasting, opset < 7)");
      (*b_aligned)[axis + i] = b[i];
    }
    return a;
  }

  template <typename T>
  void expect_no_zero_divisor(const T* b, int64_t n) const {
    for (int64_t i = 0; i < n; ++i) {
      DNNCOST_LAYER_EXPECT(b[i] != 0, "integer division by zero: divisor B is 0 at element "
                                          << i << " (expected every divisor of an integer Div to be non-zero)");
    }
  }

  DType dtype_ = DType::kUndefined;
  Shape out_shape_;
  BroadcastIndexer indexer_;
  int in_place_ = -1;
};

// Sum, Max: Y = Fn(...Fn(Fn(X0, X1), X2)..., Xk-1); one input is copied.
template <typename Fn>
class VariadicArithmetic : public ElementwiseLayer {
 public:
  using ElementwiseLayer::ElementwiseLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    DNNCOST_LAYER_EXPECT(!in.empty(), "expected at least 1 input, got 0");
    dtype_ = check_operand_types(in);
    std::vector<Shape> shapes;
    for (const auto& v : in) shapes.push_back(v.shape);
    if (ctx().opset < 8) {
      for (size_t k = 1; k < in.size(); ++k) {
        DNNCOST_LAYER_EXPECT(shapes[k] == shapes[0], "input 0 " << shape_str(shapes[0]) << " and input " << k << " "
                                                                << shape_str(shapes[k])
                                                                << " must have the same shape (before opset 8, "
                                                                << node().op_type << " does not broadcast)");
      }
      out_shape_ = shapes[0];
    } else {
      std::string why;
      DNNCOST_LAYER_EXPECT(broadcast_shapes(shapes, &out_shape_, &why), "inputs: " << why);
    }
    // Step 0 combines inputs 0 and 1 into the output; step k - 1 folds input k into it.
    indexers_.clear();
    if (shapes.size() == 1)
      indexers_.emplace_back(std::vector<Shape>{shapes[0]}, out_shape_);
    else
      indexers_.emplace_back(std::vector<Shape>{shapes[0], shapes[1]}, out_shape_);
    for (size_t k = 2; k < shapes.size(); ++k)
      indexers_.emplace_back(std::vector<Shape>{out_shape_, shapes[k]}, out_shape_);
    return {{dtype_, out_shape_}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    with_arithmetic_type(dtype_, node().op_type, [&](auto tag) {
      using T = decltype(tag);
      T* y = out[0]->data<T>();
      if (in.size() == 1) {
        broadcast_copy(indexers_[0], in[0]->data<T>(), y);
        return;
      }
      broadcast_binary(indexers_[0], in[0]->data<T>(), in[1]->data<T>(), y, Fn{});
      for (size_t k = 2; k < in.size(); ++k) broadcast_binary(indexers_[k - 1], y, in[k]->data<T>(), y, Fn{});
    });
  }

 private:
  DType dtype_ = DType::kUndefined;
  Shape out_shape_;
  std::vector<BroadcastIndexer> indexers_;
};

class Add : public BinaryArithmetic<AddFn> {
  using BinaryArithmetic::BinaryArithmetic;
};
class Sub : public BinaryArithmetic<SubFn> {
  using BinaryArithmetic::BinaryArithmetic;
};
class Mul : public BinaryArithmetic<MulFn> {
  using BinaryArithmetic::BinaryArithmetic;
};
class Div : public BinaryArithmetic<DivFn> {
  using BinaryArithmetic::BinaryArithmetic;
};
class Sum : public VariadicArithmetic<AddFn> {
  using VariadicArithmetic::VariadicArithmetic;
};
class Max : public VariadicArithmetic<MaxFn> {
  using VariadicArithmetic::VariadicArithmetic;
};

DNNCOST_REGISTER_LAYER("Add", Add);
DNNCOST_REGISTER_LAYER("Sub", Sub);
DNNCOST_REGISTER_LAYER("Mul", Mul);
DNNCOST_REGISTER_LAYER("Div", Div);
DNNCOST_REGISTER_LAYER("Sum", Sum);
DNNCOST_REGISTER_LAYER("Max", Max);

}  // namespace
}  // namespace dnncost
