// Erf (opsets 9, 13; float) and Gelu (opset 20: approximate "none" = x * 0.5 * (1 + erf(x / sqrt(2))), "tanh" =
// 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))): element-wise, with the functors and FLOPs of
// kernels/activation_functors.h. Gelu also stands for the decomposed GELU of opset < 20 exports, fused by the
// passes (engine/passes.h, fuse_gelu), counting what those nodes counted.
#include "layers/gelu.h"

#include <sstream>

#include "kernels/activation_functors.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// One float input, a same-shaped output, y[i] = f(x[i]).
class ElementwiseUnary : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    expect_float(in[0], "input X");
    parse();
    return {{in[0].dtype, in[0].shape}};
  }
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    return {0, in[0].numel() * flops_per_element()};
  }
  int in_place_input() const override { return 0; }  // y[i] depends on x[i] only

 protected:
  virtual void parse() {}
  virtual int64_t flops_per_element() const = 0;

  template <typename Fn>
  static void apply(Fn fn, const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    const int64_t n = in[0]->numel();
    for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
  }
};

class Erf : public ElementwiseUnary {
 public:
  using ElementwiseUnary::ElementwiseUnary;
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    apply(ErfFn{}, in, out);
  }

 protected:
  int64_t flops_per_element() const override { return ErfFn::kFlops; }
};

class Gelu : public ElementwiseUnary, public ParsedAttributes<GeluParams> {
 public:
  using ElementwiseUnary::ElementwiseUnary;
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (parsed_.tanh) {
      apply(GeluTanhFn{}, in, out);
    } else {
      apply(GeluErfFn{}, in, out);
    }
  }

 protected:
  void parse() override {
    const std::string approximate = attrs().get_string("approximate", "none");
    DNNCOST_LAYER_EXPECT(approximate == "none" || approximate == "tanh",
                         "approximate must be \"none\" or \"tanh\", got \"" << approximate << "\"");
    parsed_.tanh = approximate == "tanh";
    const int64_t cube = attrs().get_int("dnncost.cube_multiplies", 0);
    DNNCOST_LAYER_EXPECT(cube == 0 || (cube == 1 && parsed_.tanh),
                         "dnncost.cube_multiplies must be 0, or 1 with approximate \"tanh\", got " << cube);
    parsed_.cube_by_multiplies = cube == 1;
  }
  int64_t flops_per_element() const override {
    if (!parsed_.tanh) return GeluErfFn::kFlops;
    return GeluTanhFn::kFlops + (parsed_.cube_by_multiplies ? kGeluTanhCubeByMultiplies : 0);
  }
};

DNNCOST_REGISTER_LAYER("Erf", Erf);
DNNCOST_REGISTER_LAYER("Gelu", Gelu);

}  // namespace
}  // namespace dnncost
