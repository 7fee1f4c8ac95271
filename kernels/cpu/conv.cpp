// Conv on the cpu device: oneDNN convolution (1-D to 3-D, grouped and depthwise, strided, dilated, padded) with
// the bias and the fusions the graph passes mark on the node as post-ops:
//   "dnncost.sum" = 1         the node's last input is a residual added to the result (oneDNN sum post-op);
//   "dnncost.activation" = A  an activation applied last (eltwise post-op), parameters in
//                             "dnncost.activation_alpha" / "dnncost.activation_beta" (Clip: min / max).
// So y = act(conv(x) + bias + residual). The primitive chooses the source, weight and destination layouts
// (format_tag::any); the weights are reordered to its layout once, here. The sum post-op accumulates into the
// destination: the residual is either the destination buffer itself (in place, when it dies here in the same
// layout) or copied (reordered) into it before the convolution.
#include <cstring>

#include "kernels/cpu/cpu_kernel.h"
#include "layers/conv.h"

namespace dnncost::cpu {
namespace {

constexpr size_t kNone = kNoOperand;

class ConvKernel : public PrimitiveKernel {
 public:
  size_t residual = kNone;
  memory::desc residual_md, dst_md;
  dnnl::reorder::primitive_desc residual_copy_pd;

  void bind(const dnnl::engine& engine, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
            void* scratchpad) override {
    PrimitiveKernel::bind(engine, inputs, outputs, scratchpad);
    copy_args_.clear();
    copy_residual_ = residual != kNone && inputs[residual] != outputs[0];
    if (!copy_residual_) return;
    residual_copy_ = dnnl::reorder(residual_copy_pd);
    copy_args_[DNNL_ARG_SRC] = memory(residual_md, engine, inputs[residual]);
    copy_args_[DNNL_ARG_DST] = memory(dst_md, engine, outputs[0]);
    const memory::desc pad = residual_copy_pd.scratchpad_desc();
    if (pad.get_size() > 0) copy_args_[DNNL_ARG_SCRATCHPAD] = memory(pad, engine, scratchpad);
  }

  void execute(dnnl::stream& stream) override {
    if (copy_residual_) residual_copy_.execute(stream, copy_args_);
    primitive_.execute(stream, args_);
  }

 private:
  bool copy_residual_ = false;
  dnnl::reorder residual_copy_;
  std::unordered_map<int, memory> copy_args_;
};

std::unique_ptr<CpuKernel> make_conv(const KernelRequest& r) {
  const ConvParams* p = r.parsed<ConvParams>();
  if (!p || !p->operands.ok) return nullptr;
  const size_t inputs = r.input_count();
  const size_t bias = p->operands.bias, residual = p->operands.residual;
  if (!r.runtime_float(0) || !r.constant(1) || r.constant(1)->dtype() != DType::kFloat32) return nullptr;
  if (bias != kNone && !r.constant(bias)) return nullptr;
  if (residual != kNone && !r.runtime_float(residual)) return nullptr;
  if (!r.only_first_output()) return nullptr;

  std::vector<EltwiseStep> activation;
  if (p->activation.kind != ActivationKind::kNone) {
    activation = eltwise_chain(activation_op_type(p->activation.kind), p->activation.alpha, p->activation.beta);
    if (activation.empty()) return nullptr;
  }

  const Shape& x = r.input(0).shape;
  const Shape& w = r.input(1).shape;
  const Shape& y = r.output(0).shape;
  if (x.size() < 3 || x.size() > 5) return nullptr;
  const ConvAttributes& g = p->geometry;
  memory::dims strides(g.strides.begin(), g.strides.end()), dilates, pad_l, pad_r;
  for (int64_t d : g.dilations) dilates.push_back(d - 1);  // oneDNN counts the gaps: 0 = dense
  if (!resolve_conv_pads(g, x, y, pad_l, pad_r)) return nullptr;

  // Grouped weights are [G, OC/G, IC/G, k...]: the same bytes as ONNX's [OC, IC/G, k...].
  Shape w_dims = w;
  if (g.group > 1) {
    w_dims = {g.group, w[0] / g.group};
    w_dims.insert(w_dims.end(), w.begin() + 1, w.end());
  }
  const memory::desc bias_md = bias != kNone ? plain_desc({y[1]}) : memory::desc();
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             any_desc(x), any_desc(w_dims), bias_md, any_desc(y), strides, dilates,
                                             pad_l, pad_r);
  dnnl::primitive_attr attr = user_scratchpad_attr();
  dnnl::post_ops ops;
  if (residual != kNone) ops.append_sum(1.f);
  for (const EltwiseStep& e : activation) ops.append_eltwise(1.f, e.algorithm, e.alpha, e.beta);
  attr.set_post_ops(ops);
  const dnnl::convolution_forward::primitive_desc pd(desc, attr, r.engine);

  auto k = std::make_unique<ConvKernel>();
  k->set_primitive(dnnl::convolution_forward(pd), pd);
  k->input_layouts.assign(inputs, memory::desc());
  k->input_layouts[0] = pd.src_desc();
  k->output_layouts = {pd.dst_desc()};
  k->output_layouts.resize(r.step.outputs.size());
  k->arg_input(DNNL_ARG_SRC, 0, pd.src_desc());
  k->arg_weight(DNNL_ARG_WEIGHTS, reorder_constant(r.engine, *r.constant(1), plain_desc(w_dims), pd.weights_desc()));
  if (bias != kNone) {
    memory b(bias_md, r.engine);
    std::memcpy(b.get_data_handle(), r.constant(bias)->raw(), bias_md.get_size());
    k->arg_weight(DNNL_ARG_BIAS, b);
  }
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  if (residual != kNone) {
    k->residual = residual;
    k->residual_md = r.layouts[residual];
    k->dst_md = pd.dst_desc();
    k->input_layouts[residual] = r.layouts[residual];  // copied into the destination by the kernel itself
    if (k->residual_md == k->dst_md) k->in_place_input = static_cast<int>(residual);
    k->residual_copy_pd =
        dnnl::reorder::primitive_desc(r.engine, k->residual_md, r.engine, k->dst_md, user_scratchpad_attr());
    k->scratchpad_bytes = std::max(k->scratchpad_bytes, k->residual_copy_pd.scratchpad_desc().get_size());
  }
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Conv", make_conv);

}  // namespace
}  // namespace dnncost::cpu
