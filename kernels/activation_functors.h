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
}  // namespace dnncost
