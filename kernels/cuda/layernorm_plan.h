// What the cuda device's own kernel for LayerNormalization (kernels/cuda/layernorm.cu) decides at plan time, in
// host-only code: the [rows, row_size] view the layer resolved (layers/layernorm.h), which optional inputs and outputs
// take part, the launch geometry and index width, or why the step falls back to the layer's forward_ref (the reason
// goes in *why). No CUDA includes, so the unit tests run it in every build.
#pragma once

#include <string>

#include "kernels/cuda/launch_geometry.h"
#include "kernels/cuda/plan_common.h"
#include "layers/layernorm.h"
#include "layers/step.h"

namespace dnncost::cuda {

struct LayerNormConfig {
  int64_t rows = 0, row_size = 0;
  float epsilon = 1e-5f;
  bool has_bias = false;
  bool mean_output = false;     // output 1 (Mean) is requested
  bool inv_std_output = false;  // output 2 (InvStdDev) is requested
};

inline bool plan_layer_norm(const StepView& s, LayerNormConfig* c, std::string* why) {
  const LayerNormParams* p = s.parsed<LayerNormParams>();
  if (!p) return refuse(why, "not a LayerNormalization layer");
  if (!s.has_output(0)) return refuse(why, "output Y is absent");
  const size_t inputs = p->has_bias ? 3 : 2;
  for (size_t i = 0; i < inputs; ++i)
    if (!s.present(i) || s.input(i).dtype != DType::kFloat32) return refuse(why, "expects float32 X, Scale (and B)");
  if (s.output(0).dtype != DType::kFloat32) return refuse(why, "output Y is not float32");
  // Mean and InvStdDev: layers/layernorm.cpp writes them as float32 (stash_type 1).
  for (size_t o = 1; o < 3; ++o)
    if (s.has_output(o) && s.output(o).dtype != DType::kFloat32) return refuse(why, "statistics not float32");
  if (p->rows <= 0 || p->row_size <= 0) return refuse(why, "empty rows (the statistics are NaN)");
  if (shape_numel(s.input(1).shape) != p->row_size || (p->has_bias && shape_numel(s.input(2).shape) != p->row_size))
    return refuse(why, "Scale or B does not hold one value per row element");
  c->rows = p->rows;
  c->row_size = p->row_size;
  c->epsilon = p->epsilon;
  c->has_bias = p->has_bias;
  c->mean_output = s.has_output(1);
  c->inv_std_output = s.has_output(2);
  return true;
}

// One block per row (a power of two threads, at most kThreadsPerBlock, no more than the row needs); blocks loop over
// rows grid-stride beyond kMaxGridBlocks.
inline LaunchGeometry layer_norm_geometry(const LayerNormConfig& c) {
  return block_per_row_geometry(c.rows, c.row_size);
}

// int32 indices when every offset (row * row_size + i, i < row_size + blockDim) and every row index a block reaches
// (row + gridDim) stays below 2^31.
inline bool layer_norm_int32(const LayerNormConfig& c, const LaunchGeometry& g) {
  return !int64_indexing_forced() && c.rows * c.row_size + c.row_size + g.threads <= kInt32Limit &&
         c.rows + g.blocks <= kInt32Limit;
}

}  // namespace dnncost::cuda
