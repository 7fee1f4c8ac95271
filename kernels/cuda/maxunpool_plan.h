// What the cuda device's own kernel for MaxUnpool (kernels/cuda/maxunpool.cu) decides at plan time, in host-only code:
// whether it handles the step and with which parameters, or why the step falls back to the layer's forward_ref (the
// reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/plan_common.h"
#include "layers/step.h"

namespace dnncost::cuda {

struct MaxUnpoolConfig {
  int64_t x_elements = 0, y_elements = 0;
};

inline bool plan_max_unpool(const StepView& s, MaxUnpoolConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0) || !s.present(1)) return refuse(why, "expects X and I");
  if (s.input(0).dtype != DType::kFloat32 || s.input(1).dtype != DType::kInt64)
    return refuse(why, "expects float32 X and int64 I");
  c->x_elements = shape_numel(s.input(0).shape);
  c->y_elements = shape_numel(s.output(0).shape);
  if (const Tensor* idx = s.constant(1)) {
    for (int64_t v : idx->to_int64_vector())
      if (v < 0 || v >= c->y_elements) return refuse(why, "index out of range");
  }
  return true;
}

}  // namespace dnncost::cuda
