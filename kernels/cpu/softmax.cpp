// Softmax and LogSoftmax on the cpu device: oneDNN softmax (accurate / log algorithm) on the plain input viewed
// as [outer, length, inner] and normalized along the middle axis (opsets < 13 flatten the trailing dims into
// the length, inner = 1; opset 13 normalizes along one axis).
#include "kernels/cpu/cpu_kernel.h"
#include "layers/softmax.h"

namespace dnncost::cpu {
namespace {

std::unique_ptr<CpuKernel> make_softmax(const KernelRequest& r) {
  const SoftmaxParams* p = r.parsed<SoftmaxParams>();
  if (!p || !r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Shape& x = r.input(0).shape;
  const bool log = p->log;
  const int64_t outer = p->outer, length = p->length, inner = p->inner;
  const memory::desc view = plain_desc({outer, length, inner});
  const dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference,
                                            log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate,
                                            view, view, 1);
  const dnnl::softmax_v2_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::softmax_v2_forward(pd), pd);
  k->input_layouts = {plain_desc(x)};
  k->output_layouts = {plain_desc(r.output(0).shape)};
  k->in_place_input = 0;
  k->arg_input(DNNL_ARG_SRC, 0, view);
  k->arg_output(DNNL_ARG_DST, 0, view);
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Softmax", make_softmax);
DNNCOST_REGISTER_CPU_KERNEL("LogSoftmax", make_softmax);

}  // namespace
}  // namespace dnncost::cpu
