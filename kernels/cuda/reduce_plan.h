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
#include "layers/reduce.h"
#include "layers/step.h"

namespace dnncost::cuda {

inline bool plan_reduce_mean(const StepView& s, ReduceTable* t, std::string* why) {
  if (!s.only_first_output() || !s.present(0) || s.input(0).dtype != DType::kFloat32)
    return refuse(why, "expects one float32 input and one output");
  const Shape& in = s.input(0).shape;
  const ReduceParams* p = s.parsed<ReduceParams>();
  if (!p || p->reduced.size() != in.size()) return refuse(why, "not a ReduceMean layer of this rank");
  const std::vector<bool>& reduced = p->reduced;
  if (!make_reduce_table(in, reduced, t)) return refuse(why, "more than 8 dimensions after merging");
  if (t->outputs != shape_numel(s.output(0).shape)) return refuse(why, "output size differs from the plan's");
  return true;
}

}  // namespace dnncost::cuda
