// Per-element and per-channel math of BatchNormalization and InstanceNormalization, shared by the ref loops
// and the CUDA kernels. Each piece states its FLOPs (the counting rules in docs/COSTS.md).
#pragma once

#include <cmath>

#include "kernels/hostdevice.h"

namespace dnncost {

// The affine form of a normalization: y = x * a + b, with a and b fixed per channel (or per (n, c)).
struct ScaleShift {
  float a = 1.f;
  float b = 0.f;
};

// Folds scale, bias, mean and variance into one ScaleShift:
//   a = scale / sqrt(var + epsilon)   add, sqrt, divide   (3 FLOPs)
//   b = bias - mean * a               multiply, subtract  (2 FLOPs)
constexpr int kScaleShiftSetupFlops = 5;
DNNCOST_HD ScaleShift make_scale_shift(float scale, float bias, float mean, float var, float epsilon) {
  ScaleShift s;
  s.a = scale / sqrtf(var + epsilon);
  s.b = bias - mean * s.a;
  return s;
}

// y = x * a + b: multiply, add (2 FLOPs per element).
constexpr int kScaleShiftApplyFlops = 2;
DNNCOST_HD float apply_scale_shift(float x, ScaleShift s) { return x * s.a + s.b; }

}  // namespace dnncost
