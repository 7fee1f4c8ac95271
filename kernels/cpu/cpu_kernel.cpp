// Kernel registry, memory-descriptor helpers and the one-primitive kernel of the `cpu` device.
#include "kernels/cpu/cpu_kernel.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace dnncost::cpu {

KernelRegistry& KernelRegistry::instance() {
  static KernelRegistry r;
  return r;
}


memory::dims to_dims(const Shape& s) { return memory::dims(s.begin(), s.end()); }

memory::data_type to_dnnl_type(DType t) {
  switch (t) {
    case DType::kFloat32: return memory::data_type::f32;
    case DType::kInt32: return memory::data_type::s32;
    case DType::kInt8: return memory::data_type::s8;
    case DType::kUint8: return memory::data_type::u8;
    default: return memory::data_type::undef;
  }
}

memory::desc plain_desc(const Shape& shape, DType dtype) {
  const memory::data_type dt = to_dnnl_type(dtype);
  if (dt == memory::data_type::undef || shape.empty() || shape.size() > DNNL_MAX_NDIMS || shape_numel(shape) == 0)
    return memory::desc();
  memory::dims strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return memory::desc(to_dims(shape), dt, strides);
}

memory::desc plain_desc(const Shape& shape) { return plain_desc(shape, DType::kFloat32); }

memory::desc any_desc(const Shape& shape) {
  return memory::desc(to_dims(shape), memory::data_type::f32, memory::format_tag::any);
}

bool is_plain(const memory::desc& md) {
  if (md.is_zero()) return true;
  const memory::dims dims = md.dims();
  memory::dims strides(dims.size());
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= dims[d];
  }
  return md == memory::desc(dims, md.data_type(), strides);
}

std::string layout_name(const memory::desc& md) {
  if (md.is_zero()) return "plain";
  const int nd = md.data.ndims;
  static const char* const kNames[] = {"", "a", "nc", "ncw", "nchw", "ncdhw"};
  std::string letters = nd <= 5 ? kNames[nd] : std::string("abcdefghijkl").substr(0, static_cast<size_t>(nd));
  const auto& blk = md.data.format_desc.blocking;
  std::vector<int> order(static_cast<size_t>(nd));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return blk.strides[a] > blk.strides[b]; });
  std::string name;
  for (int d : order) {
    bool blocked = false;
    for (int i = 0; i < blk.inner_nblks; ++i) blocked = blocked || blk.inner_idxs[i] == d;
    name += blocked ? static_cast<char>(letters[d] - 'a' + 'A') : letters[d];
  }
  for (int i = 0; i < blk.inner_nblks; ++i) name += std::to_string(blk.inner_blks[i]) + letters[blk.inner_idxs[i]];
  return name;
}

dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

std::string implementation_of(const dnnl::primitive_desc_base& pd) { return std::string("oneDNN ") + pd.impl_info_str(); }

memory reorder_constant(const dnnl::engine& engine, const float* data, const memory::desc& from,
                        const memory::desc& to) {
  memory src(from, engine, const_cast<float*>(data));  // read only
  memory dst(to, engine);
  dnnl::stream stream(engine);
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
  return dst;
}

memory reorder_constant(const dnnl::engine& engine, const Tensor& t, const memory::desc& from,
                        const memory::desc& to) {
  return reorder_constant(engine, t.data<float>(), from, to);
}

std::vector<EltwiseStep> eltwise_chain(const std::string& op_type, float alpha, float beta) {
  using dnnl::algorithm;
  if (op_type == "Relu") return {{algorithm::eltwise_relu, 0.f, 0.f}};
  if (op_type == "LeakyRelu") return {{algorithm::eltwise_relu, alpha, 0.f}};
  if (op_type == "Elu") return {{algorithm::eltwise_elu, alpha, 0.f}};
  if (op_type == "Sigmoid") return {{algorithm::eltwise_logistic, 0.f, 0.f}};
  if (op_type == "Tanh") return {{algorithm::eltwise_tanh, 0.f, 0.f}};
  if (op_type == "Clip") return {{algorithm::eltwise_clip, alpha, beta}};
  if (op_type == "HardSwish") return {{algorithm::eltwise_hardswish, 0.f, 0.f}};
  if (op_type == "HardSigmoid") return {{algorithm::eltwise_linear, alpha, beta}, {algorithm::eltwise_clip, 0.f, 1.f}};
  return {};
}

void PrimitiveKernel::set_primitive(const dnnl::primitive& p, const dnnl::primitive_desc_base& pd) {
  primitive_ = p;
  scratchpad_md_ = pd.scratchpad_desc();
  scratchpad_bytes = scratchpad_md_.get_size();
  implementation = implementation_of(pd);
}

void PrimitiveKernel::bind(const dnnl::engine& engine, const std::vector<void*>& inputs,
                           const std::vector<void*>& outputs, void* scratchpad) {
  args_.clear();
  for (const Slot& s : slots_) {
    switch (s.kind) {
      case kInput: args_[s.arg] = memory(s.md, engine, inputs[s.index]); break;
      case kOutput: args_[s.arg] = memory(s.md, engine, outputs[s.index]); break;
      case kOwned: args_[s.arg] = s.owned; break;
    }
  }
  if (scratchpad_bytes > 0) args_[DNNL_ARG_SCRATCHPAD] = memory(scratchpad_md_, engine, scratchpad);
}

}  // namespace dnncost::cpu
