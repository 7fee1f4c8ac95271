// Ops whose output is known from shapes and attributes alone: Shape (the input's shape as int64, evaluated at plan
// time even when the data is not), Size (its element count as an int64 scalar, likewise), Constant (a tensor attribute) and ConstantOfShape (a tensor of a given shape
// filled with one value). All have FLOPs 0; the plan folds them, so they never become steps.
#include <cstring>
#include <sstream>

#include "layers/plan_time_input.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Shape: 1-D int64 of the input's dims; opset 15 adds start/end (negative counts from the end, clamped to
// [0, rank]).
class ShapeOp : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    const Shape& s = in[0].shape;
    const int64_t rank = in[0].rank();
    auto clamp_to_rank = [rank](int64_t v) {
      if (v < 0) v += rank;
      return v < 0 ? 0 : (v > rank ? rank : v);
    };
    const int64_t start = clamp_to_rank(attrs().get_int("start", 0));
    const int64_t end = clamp_to_rank(attrs().get_int("end", rank));
    dims_.assign(s.begin() + start, s.begin() + (end > start ? end : start));
    return {{DType::kInt64, {static_cast<int64_t>(dims_.size())}}};
  }

  void forward_ref(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override {
    if (!dims_.empty()) std::memcpy(out[0]->raw(), dims_.data(), dims_.size() * sizeof(int64_t));
  }

  bool shape_only() const override { return true; }

 private:
  std::vector<int64_t> dims_;
};

// Constant: the tensor in `value`, or (opset 12+) a float/int scalar or list; exactly one attribute is set.
// Size (opset 1, 13): the input's element count as an int64 scalar (function-expanded LayerNormalization uses it).
class SizeOp : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    numel_ = in[0].numel();
    return {{DType::kInt64, {}}};
  }

  void forward_ref(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override {
    std::memcpy(out[0]->raw(), &numel_, sizeof numel_);
  }

  bool shape_only() const override { return true; }

 private:
  int64_t numel_ = 0;
};

class Constant : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 0, 0);
    static const char* const kValueAttributes[] = {"value",     "sparse_value", "value_float",  "value_floats",
                                                   "value_int", "value_ints",   "value_string", "value_strings"};
    std::string set;
    int count = 0;
    for (const char* name : kValueAttributes) {
      if (attrs().has(name)) {
        set += (count++ ? ", " : "") + std::string(name);
      }
    }
    DNNCOST_LAYER_EXPECT(count == 1,
                         "expected exactly one of the attributes value, value_float, value_floats, "
                         "value_int, value_ints; got "
                             << (count ? set : std::string("none")));
    if (attrs().has("value")) {
      value_ = *attrs().get_tensor("value");
    } else if (attrs().has("value_float")) {
      value_ = Tensor::from_float({attrs().get_float("value_float", 0.f)}, {});
    } else if (attrs().has("value_floats")) {
      const std::vector<float> v = attrs().get_floats("value_floats", {});
      value_ = Tensor::from_float(v, {static_cast<int64_t>(v.size())});
    } else if (attrs().has("value_int")) {
      value_ = Tensor::from_int64({attrs().get_int("value_int")}, {});
    } else if (attrs().has("value_ints")) {
      const std::vector<int64_t> v = attrs().get_ints("value_ints");
      value_ = Tensor::from_int64(v, {static_cast<int64_t>(v.size())});
    } else if (attrs().has("sparse_value")) {
      fail("attribute 'sparse_value' (a sparse tensor) is not supported; expected a dense 'value' tensor");
    } else {
      fail("attribute '" + set + "' holds strings, which dnncost cannot hold; expected a numeric value");
    }
    return {{value_.dtype(), value_.shape()}};
  }

  void forward_ref(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override {
    if (value_.bytes() > 0) std::memcpy(out[0]->raw(), value_.raw(), value_.bytes());
  }

 private:
  Tensor value_;
};

// ConstantOfShape: output of the shape given by input 0 (int64, known at plan time), every element `value`
// (a one-element tensor; default float32 0).
class ConstantOfShape : public PlanTimeInputLayer {
 public:
  using PlanTimeInputLayer::PlanTimeInputLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    DNNCOST_LAYER_EXPECT(in[0].rank() == 1,
                         "input 'input' (the output shape) must be 1-D, got shape " << shape_str(in[0].shape));
    const Shape out_shape = plan_time_ints(in[0], "input 'input' (the output shape)");
    for (int64_t d : out_shape)
      DNNCOST_LAYER_EXPECT(d >= 0, "output shape " << shape_str(out_shape) << " has a negative dimension");
    if (attrs().has("value")) {
      value_ = *attrs().get_tensor("value");
      DNNCOST_LAYER_EXPECT(value_.numel() == 1,
                           "attribute 'value' must have exactly one element, got shape " << shape_str(value_.shape()));
    } else {
      value_ = Tensor::from_float({0.f}, {1});
    }
    return {{value_.dtype(), out_shape}};
  }

  void forward_ref(const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) override {
    const size_t elem = dtype_size(value_.dtype());
    auto* dst = static_cast<unsigned char*>(out[0]->raw());
    for (int64_t i = 0; i < out[0]->numel(); ++i) std::memcpy(dst + i * static_cast<int64_t>(elem), value_.raw(), elem);
  }

 private:
  Tensor value_;
};

DNNCOST_REGISTER_LAYER("Shape", ShapeOp);
DNNCOST_REGISTER_LAYER("Size", SizeOp);
DNNCOST_REGISTER_LAYER("Constant", Constant);
DNNCOST_REGISTER_LAYER("ConstantOfShape", ConstantOfShape);

}  // namespace
}  // namespace dnncost
