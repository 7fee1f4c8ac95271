// What the cuda device's own kernel for ReduceMean (kernels/cuda/reduce.cu) decides at plan time, in host-only code:
// whether it handles the step and with which parameters, or why the step falls back to the layer's forward_ref (the
// reason goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/index_tables.h"
#include "kernels/cuda/plan_common.h"
#include "layers/step.h"

namespace dnncost::cuda {

inline bool plan_reduce_mean(const StepView& s, ReduceTable* t, std::string* why) {
  if (!s.only_first_output() || !s.present(0) || s.input(0).dtype != DType::kFloat32)
    return refuse(why, "expects one float32 input and one output");
  const Shape& in = s.input(0).shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (s.present(1)) {
    const Tensor* a = s.constant(1);
    if (!a) return refuse(why, "axes computed at run time");
    axes = a->to_int64_vector();
  } else {
    axes = s.attrs().get_ints("axes", {});
  }
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  if (axes.empty() && s.attrs().get_int("noop_with_empty_axes", 0) == 0)
    reduced.assign(static_cast<size_t>(rank), true);
  for (int64_t a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return refuse(why, "axis out of range");
    reduced[static_cast<size_t>(a)] = true;
  }
  if (!make_reduce_table(in, reduced, t)) return refuse(why, "more than 8 dimensions after merging");
  if (t->outputs != shape_numel(s.output(0).shape)) return refuse(why, "output size differs from the plan's");
  return true;
}

}  // namespace dnncost::cuda
