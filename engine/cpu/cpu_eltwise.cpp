// Element-wise activations on the cpu device: Relu, LeakyRelu, Elu, Sigmoid, Tanh, HardSwish and Clip as oneDNN
// eltwise in the layout of the input, in place when the input dies here. Clip's bounds must be known at plan
// time (attributes before opset 11, constant inputs from 11). HardSigmoid (two oneDNN algorithms in a row) and
// Clip with run-time bounds run the reference.
#include <limits>

#include "engine/cpu/cpu_kernel.h"

namespace dnncost::cpu {
namespace {


// Clip's bounds: attributes (opset < 11) or constant scalar inputs 1 and 2; false when an input is not constant.
bool clip_bounds(const KernelRequest& r, float& lo, float& hi) {
  const AttributeReader a = r.attrs();
  lo = std::numeric_limits<float>::lowest();
  hi = std::numeric_limits<float>::max();
  if (r.plan.graph().opset < 11) {
    lo = a.get_float("min", lo);
    hi = a.get_float("max", hi);
    return true;
  }
  for (size_t i = 1; i < 3; ++i) {
    if (!r.present(i)) continue;
    const Tensor* t = r.constant(i);
    if (!t || t->dtype() != DType::kFloat32 || t->numel() != 1) return false;
    (i == 1 ? lo : hi) = t->data<float>()[0];
  }
  return true;
}

std::unique_ptr<CpuKernel> make_eltwise(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const std::string& op = r.node().op_type;
  const AttributeReader a = r.attrs();
  auto [alpha, beta] = activation_defaults(op);
  if (op == "Clip") {
    if (!clip_bounds(r, alpha, beta)) return nullptr;
  } else {
    alpha = a.get_float("alpha", alpha);
    beta = a.get_float("beta", beta);
  }
  const std::vector<EltwiseStep> chain = eltwise_chain(op, alpha, beta);
  if (chain.size() != 1) return nullptr;
  const memory::desc& md = r.layouts[0];
  const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, chain[0].algorithm, md, chain[0].alpha,
                                         chain[0].beta);
  const dnnl::eltwise_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::eltwise_forward(pd), pd);
  k->input_layouts.assign(r.input_count(), memory::desc());
  k->input_layouts[0] = md;
  k->output_layouts.assign(r.step.outputs.size(), memory::desc());
  k->output_layouts[0] = pd.dst_desc();
  if (pd.dst_desc() == md) k->in_place_input = 0;
  k->arg_input(DNNL_ARG_SRC, 0, md);
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Relu", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("LeakyRelu", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("Elu", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("Sigmoid", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("Tanh", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("HardSwish", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("Clip", make_eltwise);

}  // namespace
}  // namespace dnncost::cpu
