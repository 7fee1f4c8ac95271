// What the cuda device's own kernel for InstanceNormalization (kernels/cuda/instancenorm.cu) decides at plan time, in
// host-only code: whether it handles the step and with which parameters, or why the step falls back to the layer's
// forward_ref (the reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/plan_common.h"
#include "layers/instancenorm.h"
#include "layers/step.h"

namespace dnncost::cuda {

struct InstanceNormConfig {
  int64_t planes = 0, channels = 0, spatial = 0;
  float epsilon = 1e-5f;
};

inline bool plan_instance_norm(const StepView& s, InstanceNormConfig* c, std::string* why) {
  if (!s.only_first_output()) return refuse(why, "extra outputs");
  for (size_t i = 0; i < 3; ++i)
    if (!s.present(i) || s.input(i).dtype != DType::kFloat32) return refuse(why, "expects float32 input, scale, B");
  const Shape& x = s.input(0).shape;
  if (x.size() < 3) return refuse(why, "rank below 3");
  c->channels = x[1];
  c->planes = x[0] * x[1];
  c->spatial = 1;
  for (size_t d = 2; d < x.size(); ++d) c->spatial *= x[d];
  const InstanceNormParams* p = s.parsed<InstanceNormParams>();
  if (!p) return refuse(why, "not an InstanceNormalization layer");
  c->epsilon = p->epsilon;
  return true;
}

}  // namespace dnncost::cuda
