// Per-element math of the activation ops, shared by the ref/cpu loops and the CUDA kernels.
// Each functor also states its FLOPs per element (the counting rule in docs/COSTS.md).
#pragma once

#include <cmath>

#include "kernels/hostdevice.h"

namespace dnncost {

struct ReluFn {
  static constexpr int kFlops = 1;  // one comparison
  DNNCOST_HD float operator()(float x) const { return x > 0.f ? x : 0.f; }
};
struct LeakyReluFn {
  static constexpr int kFlops = 2;  // comparison, multiply
  float alpha;
  DNNCOST_HD float operator()(float x) const { return x >= 0.f ? x : alpha * x; }
};
struct EluFn {
  static constexpr int kFlops = 3;  // comparison, exp, subtract-multiply
  float alpha;
  DNNCOST_HD float operator()(float x) const { return x >= 0.f ? x : alpha * (expf(x) - 1.f); }
};
struct SigmoidFn {
  static constexpr int kFlops = 4;  // negate, exp, add, divide
  DNNCOST_HD float operator()(float x) const {
    // Two forms keep exp from overflowing for large |x|.
    if (x >= 0.f) return 1.f / (1.f + expf(-x));
    const float e = expf(x);
    return e / (1.f + e);
  }
};
struct TanhFn {
  static constexpr int kFlops = 1;  // one transcendental
  DNNCOST_HD float operator()(float x) const { return tanhf(x); }
};
struct HardSigmoidFn {
  static constexpr int kFlops = 4;  // multiply, add, min, max
  float alpha, beta;
  DNNCOST_HD float operator()(float x) const {
    const float y = alpha * x + beta;
    return y < 0.f ? 0.f : (y > 1.f ? 1.f : y);
  }
};
struct HardSwishFn {
  static constexpr int kFlops = 5;  // hard-sigmoid (4) and a multiply
  DNNCOST_HD float operator()(float x) const {
    const float y = x / 6.f + 0.5f;
    return x * (y < 0.f ? 0.f : (y > 1.f ? 1.f : y));
  }
};
// Erf and GELU (layers/gelu.cpp). erf counts 1 FLOP, as one transcendental (like tanh).
struct ErfFn {
  static constexpr int kFlops = 1;  // one transcendental
  DNNCOST_HD float operator()(float x) const { return erff(x); }
};
// GELU, approximate = "none": x * 0.5 * (1 + erf(x / sqrt(2))), the form PyTorch's exporter writes at opsets < 20
// (Div, Erf, Add, Mul, Mul): divide (here a multiply by 1/sqrt(2)), erf, add, multiply, multiply.
struct GeluErfFn {
  static constexpr int kFlops = 5;
  DNNCOST_HD float operator()(float x) const { return x * 0.5f * (1.f + erff(x * 0.70710678118654752f)); }
};
// GELU, approximate = "tanh": 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))): cube (one pow), multiply,
// add, multiply, tanh, add, multiply, multiply. A cube written as x * x * x is one FLOP more
// (kGeluTanhCubeByMultiplies).
struct GeluTanhFn {
  static constexpr int kFlops = 8;
  DNNCOST_HD float operator()(float x) const {
    const float inner = 0.7978845608028654f * (x + 0.044715f * (x * x * x));
    return 0.5f * x * (1.f + tanhf(inner));
  }
};
constexpr int kGeluTanhCubeByMultiplies = 1;  // x * x * x is two multiplies where Pow(x, 3) is one

}  // namespace dnncost
