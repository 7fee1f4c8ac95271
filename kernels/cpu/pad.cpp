// Pad on the cpu device, constant mode with non-negative pads: the output keeps the input's dimension order
// (plain or channels-last), is filled with the constant, and the input is reordered into the window of the
// output that the pads leave (a oneDNN sub-memory). Reflect/edge modes, cropping (negative pads), run-time pads
// or values, and blocked inputs (nChw16c: a window would split the blocks) run the reference.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels/cpu/cpu_kernel.h"
#include "layers/pad.h"

namespace dnncost::cpu {
namespace {

class PadKernel : public CpuKernel {
 public:
  float value = 0.f;
  memory::desc src_md, window_md;
  int64_t dst_elements = 0;
  dnnl::reorder::primitive_desc copy_pd;

  void bind(const dnnl::engine& engine, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
            void* scratchpad) override {
    dst_ = static_cast<float*>(outputs[0]);
    copy_ = dnnl::reorder(copy_pd);
    args_[DNNL_ARG_SRC] = memory(src_md, engine, inputs[0]);
    args_[DNNL_ARG_DST] = memory(window_md, engine, outputs[0]);
    if (copy_pd.scratchpad_desc().get_size() > 0)
      args_[DNNL_ARG_SCRATCHPAD] = memory(copy_pd.scratchpad_desc(), engine, scratchpad);
  }

  void execute(dnnl::stream& stream) override {
    if (value == 0.f) std::memset(dst_, 0, static_cast<size_t>(dst_elements) * sizeof(float));
    else std::fill_n(dst_, dst_elements, value);
    copy_.execute(stream, args_);
  }

 private:
  float* dst_ = nullptr;
  dnnl::reorder copy_;
  std::unordered_map<int, memory> args_;
};

std::unique_ptr<CpuKernel> make_pad(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const PadParams* params = r.parsed<PadParams>();
  if (!params || params->mode != PadMode::kConstant) return nullptr;
  const Shape& x = r.input(0).shape;
  const Shape& y = r.output(0).shape;
  const std::vector<int64_t>& pads = params->pads;
  float value = params->value;
  if (!params->value_attribute && r.present(2)) {
    const Tensor* v = r.constant(2);
    if (!v || v->dtype() != DType::kFloat32 || v->numel() != 1) return nullptr;
    value = v->data<float>()[0];
  }
  const size_t rank = x.size();
  if (pads.size() != 2 * rank || y.size() != rank) return nullptr;
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) return nullptr;

  const memory::desc& src = r.layouts[0];
  if (src.data.format_kind != dnnl_blocked || src.data.format_desc.blocking.inner_nblks != 0) return nullptr;
  // The output in the input's dimension order (outermost = largest stride), densely packed.
  std::vector<size_t> order(rank);
  std::iota(order.begin(), order.end(), 0);
  const auto& src_strides = src.data.format_desc.blocking.strides;
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return src_strides[i] > src_strides[j]; });
  memory::dims strides(rank);
  int64_t stride = 1;
  for (size_t k = rank; k-- > 0;) {
    strides[order[k]] = stride;
    stride *= y[order[k]];
  }
  const memory::desc dst(to_dims(y), memory::data_type::f32, strides);
  const memory::desc window = dst.submemory_desc(to_dims(x), memory::dims(pads.begin(), pads.begin() + rank));

  auto k = std::make_unique<PadKernel>();
  k->value = value;
  k->src_md = src;
  k->window_md = window;
  k->dst_elements = shape_numel(y);
  k->copy_pd = dnnl::reorder::primitive_desc(r.engine, src, r.engine, window, user_scratchpad_attr());
  k->scratchpad_bytes = k->copy_pd.scratchpad_desc().get_size();
  k->implementation = "oneDNN fill + " + std::string(k->copy_pd.impl_info_str());
  k->input_layouts.assign(r.input_count(), memory::desc());
  k->input_layouts[0] = src;
  k->output_layouts = {dst};
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Pad", make_pad);

}  // namespace
}  // namespace dnncost::cpu
