// Pooling on the cpu device: MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool as oneDNN pooling
// (1-D to 3-D, dilated max pooling included) in the layout of the input. ceil_mode becomes extra padding at the
// end of an axis; AveragePool with count_include_pad = 1 whose last window reaches into that extra padding runs
// the reference (oneDNN would count the extra padding in the divisor, ONNX does not). MaxPool with the Indices
// output, integer inputs and dilated AveragePool (opset 19; oneDNN's divisor with dilations is not checked against
// ONNX's) run the reference too.
#include <algorithm>

#include "kernels/cpu/cpu_kernel.h"
#include "layers/pool.h"

namespace dnncost::cpu {
namespace {

std::unique_ptr<CpuKernel> make_pool(const KernelRequest& r) {
  const PoolParams* p = r.parsed<PoolParams>();
  if (!p || !r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Shape& x = r.input(0).shape;
  const Shape& y = r.output(0).shape;
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size()) return nullptr;
  const bool dilated = std::any_of(p->dilations.begin(), p->dilations.end(), [](int64_t d) { return d != 1; });
  if (dilated && !p->max) return nullptr;
  const size_t rank = x.size() - 2;
  const bool max = p->max;

  memory::dims kernel(p->kernel.begin(), p->kernel.end()), strides(p->strides.begin(), p->strides.end());
  memory::dims dilation, pad_l, pad_r;
  bool extended = false;  // ceil_mode added padding beyond the explicit pads
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in = x[2 + d], out = y[2 + d], s = strides[d];
    const int64_t extent = (kernel[d] - 1) * p->dilations[d] + 1;
    int64_t begin = p->pads_begin[d], end = p->pads_end[d];
    if ((in + begin + end - extent) / s + 1 != out) {
      // ceil_mode: the last window starts inside the input and reaches past the explicit end padding.
      const int64_t needed = (out - 1) * s + extent - in - begin;
      if (needed < end || (in + begin + needed - extent) / s + 1 != out) return nullptr;
      end = needed;
      extended = true;
    }
    dilation.push_back(p->dilations[d] - 1);  // oneDNN counts the gaps: 0 = dense
    pad_l.push_back(begin);
    pad_r.push_back(end);
  }
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  if (!max) {
    const bool include_pad = p->count_include_pad;
    if (include_pad && extended) return nullptr;
    alg = include_pad ? dnnl::algorithm::pooling_avg_include_padding : dnnl::algorithm::pooling_avg_exclude_padding;
  }
  const dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg, r.layouts[0], any_desc(y),
                                            strides, kernel, dilation, pad_l, pad_r);
  const dnnl::pooling_v2_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::pooling_v2_forward(pd), pd);
  k->input_layouts = {pd.src_desc()};
  k->output_layouts.assign(r.step.outputs.size(), memory::desc());
  k->output_layouts[0] = pd.dst_desc();
  k->arg_input(DNNL_ARG_SRC, 0, pd.src_desc());
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("MaxPool", make_pool);
DNNCOST_REGISTER_CPU_KERNEL("AveragePool", make_pool);
DNNCOST_REGISTER_CPU_KERNEL("GlobalMaxPool", make_pool);
DNNCOST_REGISTER_CPU_KERNEL("GlobalAveragePool", make_pool);

}  // namespace
}  // namespace dnncost::cpu
