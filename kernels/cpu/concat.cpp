// Concat on the cpu device: oneDNN concat of float inputs computed at run time, each read in its producer's
// layout; the primitive picks the output layout (the inputs' blocked layout when they share one). Constant
// inputs and integer tensors (shape subgraphs) run the reference.
#include "kernels/cpu/cpu_kernel.h"
#include "layers/concat_split.h"

namespace dnncost::cpu {
namespace {


std::unique_ptr<CpuKernel> make_concat(const KernelRequest& r) {
  const size_t n = r.input_count();
  if (n < 1 || !r.only_first_output()) return nullptr;
  std::vector<memory::desc> srcs;
  for (size_t i = 0; i < n; ++i) {
    if (!r.runtime_float(i)) return nullptr;
    srcs.push_back(r.layouts[i]);
  }
  const int64_t rank = static_cast<int64_t>(r.output(0).shape.size());
  const ConcatSplitParams* p = r.parsed<ConcatSplitParams>();
  if (!p || p->axis < 0 || p->axis >= rank) return nullptr;
  const int64_t axis = p->axis;
  const dnnl::concat::primitive_desc pd(static_cast<int>(axis), srcs, r.engine, user_scratchpad_attr());
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::concat(pd), pd);
  k->input_layouts = srcs;
  k->output_layouts = {pd.dst_desc()};
  for (size_t i = 0; i < n; ++i) k->arg_input(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), i, srcs[i]);
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Concat", make_concat);

}  // namespace
}  // namespace dnncost::cpu
