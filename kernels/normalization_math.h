// Per-element and per-channel math of BatchNormalization, InstanceNormalization and LayerNormalization, shared by
// the ref loops and the CUDA kernels. Each piece states its FLOPs (the counting rules in docs/COSTS.md).
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

// LayerNormalization over rows of S values (the trailing dims from `axis`), in the order of ONNX's function body and
// of PyTorch's opset < 17 exports (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add), so a fused
// decomposition counts what its nodes counted:
//   mean = sum(x) / S                     S adds + 1 divide
//   var = sum((x - mean)^2) / S           3S (subtract, square, add) + 1 divide
//   std = sqrt(var + epsilon)             add, sqrt (2 per row)
//   y = (x - mean) / std * scale (+ bias) divide, multiply (+ add) per element (x - mean counted in var)
//   InvStdDev = 1 / std                   1 divide per row, only when that output is requested
constexpr int kLayerNormFlopsPerElement = 6;  // 1 (mean) + 3 (variance) + 2 (divide, scale)
constexpr int kLayerNormBiasFlopsPerElement = 1;
constexpr int kLayerNormFlopsPerRow = 4;  // 2 divides (mean, variance), add epsilon, sqrt
constexpr int kLayerNormInvStdFlopsPerRow = 1;

struct LayerNormStats {
  float mean = 0.f;
  float std = 1.f;  // sqrt(var + epsilon)
};

// Mean and standard deviation of one row of n values, accumulated in double (rows can be long).
DNNCOST_HD LayerNormStats layer_norm_stats(const float* x, int64_t n, float epsilon) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const double mean = sum / static_cast<double>(n);
  double sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    sq += d * d;
  }
  LayerNormStats s;
  s.mean = static_cast<float>(mean);
  s.std = sqrtf(static_cast<float>(sq / static_cast<double>(n)) + epsilon);
  return s;
}

// One output element: (x - mean) / std * scale + bias.
DNNCOST_HD float layer_norm_apply(float x, LayerNormStats s, float scale, float bias) {
  return (x - s.mean) / s.std * scale + bias;
}

}  // namespace dnncost
