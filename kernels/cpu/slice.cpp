// Slice on the cpu device: with every step 1, one oneDNN reorder from the window of the plain input (a sub-memory at
// the starts) into the plain output; splitting a fused QKV projection into Q, K and V is three of them. Other steps,
// integer tensors (shape subgraphs) and plan-time constants run the reference.
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
    if (p->step[i] != 1 || p->start[i] < 0 || p->start[i] + y[i] > x[i]) return nullptr;
  }
  const memory::desc src = plain_desc(x);
  const memory::desc dst = plain_desc(y);
  if (src.is_zero() || dst.is_zero()) return nullptr;
  const memory::desc window = src.submemory_desc(to_dims(y), memory::dims(p->start.begin(), p->start.end()));
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
