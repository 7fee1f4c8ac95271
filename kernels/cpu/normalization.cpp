// Normalizations on the cpu device, in the layout of the input:
//   BatchNormalization (inference form: per-channel statistics, training_mode = 0) as oneDNN batch normalization
//     with global statistics, scale and shift, in place when the input dies here. spatial = 0 (opsets < 9),
//     training mode and the training outputs run the reference.
//   LRN across channels with an odd size (oneDNN's window is symmetric; ONNX's even-size window is not).
//   LayerNormalization as oneDNN layer normalization (inference: statistics computed, not given; scale and
//     shift from the constant Scale and B) on the plain input viewed as [rows, row_size], in place when the input
//     dies here. The optional outputs Mean and InvStdDev, or Scale / B computed at run time, run the reference.
#include <cstring>

#include "kernels/cpu/cpu_kernel.h"
#include "layers/batchnorm.h"
#include "layers/layernorm.h"
#include "layers/lrn.h"

namespace dnncost::cpu {
namespace {

// A constant 1-D float tensor of `n` elements, copied into memory the kernel owns.
memory channel_vector(const KernelRequest& r, size_t i, int64_t n) {
  const Tensor* t = r.constant(i);
  if (!t || t->dtype() != DType::kFloat32 || t->numel() != n) return memory();
  memory m(plain_desc({n}), r.engine);
  std::memcpy(m.get_data_handle(), t->raw(), static_cast<size_t>(t->bytes()));
  return m;
}

std::unique_ptr<CpuKernel> make_batchnorm(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output() || r.input_count() != 5) return nullptr;
  const BatchNormParams* p = r.parsed<BatchNormParams>();
  if (!p || !p->spatial || p->training) return nullptr;
  const Shape& x = r.input(0).shape;
  if (x.size() < 2 || x.size() > 5) return nullptr;
  const int64_t channels = x[1];
  memory stats[4];  // scale, shift, mean, variance
  for (size_t i = 0; i < 4; ++i) {
    stats[i] = channel_vector(r, i + 1, channels);
    if (!stats[i]) return nullptr;
  }
  const memory::desc& md = r.layouts[0];
  const auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                     dnnl::normalization_flags::use_shift;
  const dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, md,
                                                     p->epsilon, flags);
  const dnnl::batch_normalization_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::batch_normalization_forward(pd), pd);
  k->input_layouts.assign(r.input_count(), memory::desc());
  k->input_layouts[0] = md;
  k->output_layouts.assign(r.step.outputs.size(), memory::desc());
  k->output_layouts[0] = pd.dst_desc();
  if (pd.dst_desc() == md) k->in_place_input = 0;
  k->arg_input(DNNL_ARG_SRC, 0, md);
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  k->arg_weight(DNNL_ARG_SCALE, stats[0]);
  k->arg_weight(DNNL_ARG_SHIFT, stats[1]);
  k->arg_weight(DNNL_ARG_MEAN, stats[2]);
  k->arg_weight(DNNL_ARG_VARIANCE, stats[3]);
  return k;
}

std::unique_ptr<CpuKernel> make_lrn(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const LrnParams* p = r.parsed<LrnParams>();
  if (!p) return nullptr;
  const int64_t size = p->size;
  if (size % 2 == 0) return nullptr;
  const Shape& x = r.input(0).shape;
  if (x.size() < 3 || x.size() > 5) return nullptr;
  const memory::desc& md = r.layouts[0];
  // oneDNN: dst = src * (k + alpha / size * sum of squares over the size channels around c)^-beta, as ONNX.
  const dnnl::lrn_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, md,
                                     size, p->alpha, p->beta, p->bias);
  const dnnl::lrn_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::lrn_forward(pd), pd);
  k->input_layouts = {md};
  k->output_layouts = {pd.dst_desc()};
  k->arg_input(DNNL_ARG_SRC, 0, md);
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return k;
}

std::unique_ptr<CpuKernel> make_layernorm(const KernelRequest& r) {
  const LayerNormParams* p = r.parsed<LayerNormParams>();
  if (!p || !r.runtime_float(0) || !r.only_first_output() || p->rows == 0 || p->row_size == 0) return nullptr;
  const memory scale = channel_vector(r, 1, p->row_size);
  const memory shift = p->has_bias ? channel_vector(r, 2, p->row_size) : memory();
  if (!scale || (p->has_bias && !shift)) return nullptr;
  const memory::desc view = plain_desc({p->rows, p->row_size});
  auto flags = dnnl::normalization_flags::use_scale;
  if (p->has_bias) flags = flags | dnnl::normalization_flags::use_shift;
  const dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, view, p->epsilon, flags);
  const dnnl::layer_normalization_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::layer_normalization_forward(pd), pd);
  k->input_layouts.assign(r.input_count(), memory::desc());
  k->input_layouts[0] = plain_desc(r.input(0).shape);
  k->output_layouts.assign(r.step.outputs.size(), memory::desc());
  k->output_layouts[0] = plain_desc(r.output(0).shape);
  k->in_place_input = 0;
  k->arg_input(DNNL_ARG_SRC, 0, view);
  k->arg_output(DNNL_ARG_DST, 0, view);
  k->arg_weight(DNNL_ARG_SCALE, scale);
  if (p->has_bias) k->arg_weight(DNNL_ARG_SHIFT, shift);
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("BatchNormalization", make_batchnorm);
DNNCOST_REGISTER_CPU_KERNEL("LRN", make_lrn);
DNNCOST_REGISTER_CPU_KERNEL("LayerNormalization", make_layernorm);

}  // namespace
}  // namespace dnncost::cpu
