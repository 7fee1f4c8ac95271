// What the cuda device's own kernel for Cast (kernels/cuda/cast.cu) decides at plan time, in host-only code: whether it
// handles the step and with which parameters, or why the step falls back to the layer's forward_ref (the reason goes in
// *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/cast_element.h"
#include "kernels/cuda/plan_common.h"
#include "layers/element_convert.h"
#include "layers/step.h"

namespace dnncost::cuda {

// --- Cast ----------------------------------------------------------------------------------------------

struct CastConfig {
  DType from = DType::kUndefined, to = DType::kUndefined;
  int64_t elements = 0;
};

inline bool plan_cast(const StepView& s, CastConfig* c, std::string* why) {
  if (!s.only_first_output() || !s.present(0)) return refuse(why, "expects one input and one output");
  c->from = s.input(0).dtype;
  c->to = s.output(0).dtype;
  if (!cast_type_on_device(c->from) || !cast_type_on_device(c->to))
    return refuse(why, "cast between " + dtype_name(c->from) + " and " + dtype_name(c->to) +
                           " (float16/bfloat16 rounding stays on the host)");
  c->elements = shape_numel(s.input(0).shape);
  return true;
}

}  // namespace dnncost::cuda
