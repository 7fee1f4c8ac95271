// Transpose on the cpu device: one oneDNN reorder from a strided view of the input (the output's dims, each with
// the stride of the input axis it comes from) into the plain row-major output. The input is read plain (the session
// reorders a blocked producer's output first). Integer tensors (shape subgraphs), plan-time constants and ranks
// oneDNN cannot describe run the reference.
#include "kernels/cpu/cpu_kernel.h"
#include "layers/transpose.h"

namespace dnncost::cpu {
namespace {

std::unique_ptr<CpuKernel> make_transpose(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const TransposeParams* p = r.parsed<TransposeParams>();
  const Shape& x = r.input(0).shape;
  const Shape& y = r.output(0).shape;
  if (!p || p->perm.size() != x.size() || y.size() != x.size()) return nullptr;
  const memory::desc src = plain_desc(x);
  const memory::desc dst = plain_desc(y);
  if (src.is_zero() || dst.is_zero()) return nullptr;
  // Row-major strides of the input, then the view: output axis i walks input axis perm[i].
  std::vector<int64_t> x_strides(x.size(), 1);
  for (size_t i = x.size(); i-- > 1;) x_strides[i - 1] = x_strides[i] * x[i];
  memory::dims view_strides(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const int64_t axis = p->perm[i];
    if (axis < 0 || axis >= static_cast<int64_t>(x.size())) return nullptr;
    view_strides[i] = x_strides[static_cast<size_t>(axis)];
  }
  const memory::desc view(to_dims(y), memory::data_type::f32, view_strides);
  const dnnl::reorder::primitive_desc pd(r.engine, view, r.engine, dst, user_scratchpad_attr());
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::reorder(pd), pd);
  k->input_layouts = {src};
  k->output_layouts = {dst};
  k->arg_input(DNNL_ARG_SRC, 0, view);
  k->arg_output(DNNL_ARG_DST, 0, dst);
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Transpose", make_transpose);

}  // namespace
}  // namespace dnncost::cpu
