// Slice on the cpu device: with positive steps, one oneDNN reorder from a strided view of the plain input (offset at
// the starts, each output axis walking its input axis step elements at a time) into the plain output. Splitting a
// fused QKV projection into Q, K and V is three of them, Swin's patch merging (x[:, 0::2, 1::2, :]) four. Negative
// steps, integer tensors (shape subgraphs) and plan-time constants run the reference.
#include "kernels/cpu/cpu_kernel.h"
#include "layers/slice.h"

namespace dnncost::cpu {
namespace {

std::unique_ptr<CpuKernel> make_slice(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const SliceParams* p = r.parsed<SliceParams>();
  const Shape& x = r.input(0).shape;
  const Shape& y = r.output(0).shape;
  if (!p || p->start.size() != x.size() || p->step.size() != x.size() || y.size() != x.size()) return nullptr;
  for (size_t i = 0; i < x.size(); ++i) {
    if (p->step[i] < 1 || p->start[i] < 0 || (y[i] > 0 && p->start[i] + (y[i] - 1) * p->step[i] >= x[i])) return nullptr;
  }
  const memory::desc src = plain_desc(x);
  const memory::desc dst = plain_desc(y);
  if (src.is_zero() || dst.is_zero()) return nullptr;
  std::vector<int64_t> x_strides(x.size(), 1);
  for (size_t i = x.size(); i-- > 1;) x_strides[i - 1] = x_strides[i] * x[i];
  memory::dims view_strides(x.size());
  int64_t offset = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    view_strides[i] = x_strides[i] * p->step[i];
    offset += p->start[i] * x_strides[i];
  }
  memory::desc window(to_dims(y), memory::data_type::f32, view_strides);
  window.data.offset0 = offset;
  const dnnl::reorder::primitive_desc pd(r.engine, window, r.engine, dst, user_scratchpad_attr());
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::reorder(pd), pd);
  k->input_layouts = {src};
  for (size_t i = 1; i < r.input_count(); ++i) k->input_layouts.emplace_back();
  k->output_layouts = {dst};
  k->arg_input(DNNL_ARG_SRC, 0, window);
  k->arg_output(DNNL_ARG_DST, 0, dst);
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Slice", make_slice);

}  // namespace
}  // namespace dnncost::cpu
