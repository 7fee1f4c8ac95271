// Element-wise activations with no learned inputs: Relu, LeakyRelu, Elu, Sigmoid, Tanh, HardSigmoid,
// HardSwish. One template runs each functor from kernels/activation_functors.h.
#include <sstream>

#include "kernels/activation_functors.h"
#include "layers/activation.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Shared by every unary activation: one float input, same-shaped output, Fn::kFlops per element.
template <typename Fn>
class UnaryActivation : public Layer, public ParsedAttributes<ActivationParams> {
 public:
  UnaryActivation(const Node& n, const OpContext& c, Fn fn, FusedActivation parsed = {}) : Layer(n, c), fn_(fn) {
    parsed_.function = parsed;
    if (parsed_.function.kind == ActivationKind::kNone) parsed_.function.kind = activation_kind_of(n.op_type);
  }

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    expect_float(in[0], "input X");
    return {{in[0].dtype, in[0].shape}};
  }
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>&) const override {
    return {0, in[0].numel() * Fn::kFlops};
  }
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    const int64_t n = in[0]->numel();
    for (int64_t i = 0; i < n; ++i) y[i] = fn_(x[i]);
  }
  int in_place_input() const override { return 0; }  // y[i] depends on x[i] only

 private:
  Fn fn_;
};

class Relu : public UnaryActivation<ReluFn> {
 public:
  Relu(const Node& n, const OpContext& c) : UnaryActivation(n, c, ReluFn{}) {}
};
class LeakyRelu : public UnaryActivation<LeakyReluFn> {
 public:
  LeakyRelu(const Node& n, const OpContext& c) : LeakyRelu(n, c, AttributeReader(n, c.file).get_float("alpha", 0.01f)) {}

 private:
  LeakyRelu(const Node& n, const OpContext& c, float alpha)
      : UnaryActivation(n, c, LeakyReluFn{alpha}, {ActivationKind::kLeakyRelu, alpha, 0.f}) {}
};
class Elu : public UnaryActivation<EluFn> {
 public:
  Elu(const Node& n, const OpContext& c) : Elu(n, c, AttributeReader(n, c.file).get_float("alpha", 1.0f)) {}

 private:
  Elu(const Node& n, const OpContext& c, float alpha)
      : UnaryActivation(n, c, EluFn{alpha}, {ActivationKind::kElu, alpha, 0.f}) {}
};
class Sigmoid : public UnaryActivation<SigmoidFn> {
 public:
  Sigmoid(const Node& n, const OpContext& c) : UnaryActivation(n, c, SigmoidFn{}) {}
};
class Tanh : public UnaryActivation<TanhFn> {
 public:
  Tanh(const Node& n, const OpContext& c) : UnaryActivation(n, c, TanhFn{}) {}
};
class HardSigmoid : public UnaryActivation<HardSigmoidFn> {
 public:
  HardSigmoid(const Node& n, const OpContext& c)
      : HardSigmoid(n, c, AttributeReader(n, c.file).get_float("alpha", 0.2f),
                    AttributeReader(n, c.file).get_float("beta", 0.5f)) {}

 private:
  HardSigmoid(const Node& n, const OpContext& c, float alpha, float beta)
      : UnaryActivation(n, c, HardSigmoidFn{alpha, beta}, {ActivationKind::kHardSigmoid, alpha, beta}) {}
};
class HardSwish : public UnaryActivation<HardSwishFn> {
 public:
  HardSwish(const Node& n, const OpContext& c) : UnaryActivation(n, c, HardSwishFn{}) {}
};

DNNCOST_REGISTER_LAYER("Relu", Relu);
DNNCOST_REGISTER_LAYER("LeakyRelu", LeakyRelu);
DNNCOST_REGISTER_LAYER("Elu", Elu);
DNNCOST_REGISTER_LAYER("Sigmoid", Sigmoid);
DNNCOST_REGISTER_LAYER("Tanh", Tanh);
DNNCOST_REGISTER_LAYER("HardSigmoid", HardSigmoid);
DNNCOST_REGISTER_LAYER("HardSwish", HardSwish);

}  // namespace
}  // namespace dnncost
