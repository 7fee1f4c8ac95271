// Element-wise activations on the cpu device, in the layout of the input, in place when the input dies here:
//   Relu, LeakyRelu, Elu, Sigmoid, Tanh, HardSwish and Clip as one oneDNN eltwise; HardSigmoid as two (linear,
//   then clip to [0, 1] in place). Clip's bounds must be known at plan time (attributes before opset 11,
//   constant inputs from 11); run-time bounds run the reference.
//   PRelu with a constant slope as oneDNN PReLU (the slope, broadcast to X, reordered once).
//   Gelu as one oneDNN eltwise (gelu_erf, or gelu_tanh for approximate = "tanh"). Erf alone has no oneDNN eltwise:
//   it runs the reference loop.
#include <algorithm>
#include <limits>

#include "kernels/cpu/cpu_kernel.h"
#include "layers/activation.h"
#include "layers/gelu.h"

namespace dnncost::cpu {
namespace {

// A chain of eltwise primitives: the first reads the input, the others work in place on the output.
class EltwiseChainKernel : public CpuKernel {
 public:
  std::vector<dnnl::eltwise_forward::primitive_desc> pds;

  void bind(const dnnl::engine& engine, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
            void* scratchpad) override {
    args_.clear();
    for (size_t i = 0; i < pds.size(); ++i) {
      std::unordered_map<int, memory> a;
      a[DNNL_ARG_SRC] = memory(pds[i].src_desc(), engine, i == 0 ? inputs[0] : outputs[0]);
      a[DNNL_ARG_DST] = memory(pds[i].dst_desc(), engine, outputs[0]);
      if (pds[i].scratchpad_desc().get_size() > 0)
        a[DNNL_ARG_SCRATCHPAD] = memory(pds[i].scratchpad_desc(), engine, scratchpad);
      primitives_.push_back(dnnl::eltwise_forward(pds[i]));
      args_.push_back(std::move(a));
    }
  }
  void execute(dnnl::stream& stream) override {
    for (size_t i = 0; i < primitives_.size(); ++i) primitives_[i].execute(stream, args_[i]);
  }

 private:
  std::vector<dnnl::primitive> primitives_;
  std::vector<std::unordered_map<int, memory>> args_;
};

// The chain as one kernel on input 0 in its producer's layout, in place.
std::unique_ptr<CpuKernel> make_chain(const KernelRequest& r, const std::vector<EltwiseStep>& chain) {
  if (chain.empty()) return nullptr;
  const memory::desc& md = r.layouts[0];
  auto k = std::make_unique<EltwiseChainKernel>();
  for (const EltwiseStep& e : chain) {
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, e.algorithm, md, e.alpha, e.beta);
    k->pds.emplace_back(desc, user_scratchpad_attr(), r.engine);
    if (k->pds.back().dst_desc() != md) return nullptr;
    k->scratchpad_bytes = std::max(k->scratchpad_bytes, k->pds.back().scratchpad_desc().get_size());
  }
  k->implementation = implementation_of(k->pds[0]) + (chain.size() > 1 ? " x" + std::to_string(chain.size()) : "");
  k->input_layouts.assign(r.input_count(), memory::desc());
  k->input_layouts[0] = md;
  k->output_layouts.assign(r.step.outputs.size(), memory::desc());
  k->output_layouts[0] = md;
  k->in_place_input = 0;
  return k;
}

std::unique_ptr<CpuKernel> make_eltwise(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const ActivationParams* p = r.parsed<ActivationParams>();
  if (!p || p->bounds_at_run_time) return nullptr;
  return make_chain(r, eltwise_chain(activation_op_type(p->function.kind), p->function.alpha, p->function.beta));
}

std::unique_ptr<CpuKernel> make_gelu(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const GeluParams* p = r.parsed<GeluParams>();
  if (!p) return nullptr;
  return make_chain(r, {{p->tanh ? dnnl::algorithm::eltwise_gelu_tanh : dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f}});
}

// `s` with leading 1s up to `rank` dims.
Shape left_padded(const Shape& s, size_t rank) {
  Shape p(rank - std::min(rank, s.size()), 1);
  p.insert(p.end(), s.begin(), s.end());
  return p;
}

std::unique_ptr<CpuKernel> make_prelu(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Tensor* slope = r.constant(1);
  const Shape& x = r.input(0).shape;
  if (!slope || slope->dtype() != DType::kFloat32 || slope->shape().size() > x.size()) return nullptr;
  const Shape slope_view = left_padded(slope->shape(), x.size());
  for (size_t d = 0; d < x.size(); ++d)
    if (slope_view[d] != 1 && slope_view[d] != x[d]) return nullptr;
  const memory::desc& md = r.layouts[0];
  const dnnl::prelu_forward::desc desc(dnnl::prop_kind::forward_inference, md, any_desc(slope_view));
  const dnnl::prelu_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::prelu_forward(pd), pd);
  k->input_layouts = {md, memory::desc()};
  k->output_layouts = {pd.dst_desc()};
  if (pd.dst_desc() == md) k->in_place_input = 0;
  k->arg_input(DNNL_ARG_SRC, 0, md);
  k->arg_weight(DNNL_ARG_WEIGHTS, reorder_constant(r.engine, *slope, plain_desc(slope_view), pd.weights_desc()));
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
DNNCOST_REGISTER_CPU_KERNEL("HardSigmoid", make_eltwise);
DNNCOST_REGISTER_CPU_KERNEL("PRelu", make_prelu);
DNNCOST_REGISTER_CPU_KERNEL("Gelu", make_gelu);

}  // namespace
}  // namespace dnncost::cpu
