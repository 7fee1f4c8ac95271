// Element-wise arithmetic on the cpu device, in the layout of the first full-size operand:
//   Add, Sub, Mul, Div, Max of two float inputs as oneDNN binary. One operand must have the output's shape (for
//     Sub and Div the first); the other either has it too (then it is read in the same layout) or broadcasts
//     (then it is read plain, padded with leading 1s to the output's rank). A constant operand is reordered once.
//   Sum of k >= 3 same-shape inputs as oneDNN sum; two inputs as binary add.
// The output takes the full-size operand's buffer when that operand dies here. Integer inputs (shape
// subgraphs), Max of 3+ inputs and broadcasting Sum of 3+ inputs run the reference.
#include <cstring>
#include <utility>

#include "kernels/cpu/cpu_kernel.h"

namespace dnncost::cpu {
namespace {


Shape left_padded(const Shape& s, size_t rank) {
  Shape p(rank - s.size(), 1);
  p.insert(p.end(), s.begin(), s.end());
  return p;
}

// Operand i is float32, present, and computed at run time or constant.
bool float_operand(const KernelRequest& r, size_t i) {
  return r.present(i) && r.input(i).dtype == DType::kFloat32 && (r.constant(i) || !r.layouts[i].is_zero());
}

// A broadcast of `other` (left-padded to y's rank) onto y with runs of dims merged: size-1 dims of y dropped, and
// neighbouring dims merged where `other` either matches y on both or is 1 on both. Swin's window mask [1, W, 1, S, S]
// onto scores [1, W, H, S, S] becomes [W, 1, S*S] onto [W, H, S*S], a form oneDNN has a fast kernel for (broadcast
// over the channel), where the 5-D one runs its reference. Empty when nothing merges.
std::pair<Shape, Shape> collapsed_broadcast(const Shape& y, const Shape& other) {
  Shape yc, oc;
  int last_kind = -1;  // 0: other matches y, 1: other is 1
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == 1) continue;
    const int kind = other[i] == y[i] ? 0 : 1;
    if (kind == last_kind) {
      yc.back() *= y[i];
      oc.back() *= other[i];
    } else {
      yc.push_back(y[i]);
      oc.push_back(other[i]);
      last_kind = kind;
    }
  }
  if (yc.size() >= y.size() || yc.empty()) return {};
  return {yc, oc};
}

// A binary op whose second operand repeats along the outermost dim (Swin's window mask [1, W, 1, S*S] onto a batch of
// scores [N, W, H, S*S]): one primitive on an outer slice, executed once per outer index at offset addresses. Without
// the loop, oneDNN runs its reference binary for the two broadcast dims.
class OuterLoopBinaryKernel : public CpuKernel {
 public:
  dnnl::binary::primitive_desc pd;
  memory::desc a_md, b_md;
  size_t full = 0, other = 1;
  int64_t outer = 1, slice_bytes = 0;
  memory constant_b;  // the second operand when it is a constant (reordered once)

  void bind(const dnnl::engine& engine, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
            void* scratchpad) override {
    primitive_ = dnnl::binary(pd);
    a_ = static_cast<char*>(inputs[full]);
    y_ = static_cast<char*>(outputs[0]);
    args_.clear();
    args_[DNNL_ARG_SRC_0] = memory(a_md, engine, a_);
    args_[DNNL_ARG_SRC_1] = constant_b ? constant_b : memory(b_md, engine, inputs[other]);
    args_[DNNL_ARG_DST] = memory(a_md, engine, y_);
    if (pd.scratchpad_desc().get_size() > 0) args_[DNNL_ARG_SCRATCHPAD] = memory(pd.scratchpad_desc(), engine, scratchpad);
  }

  void execute(dnnl::stream& stream) override {
    for (int64_t i = 0; i < outer; ++i) {
      args_[DNNL_ARG_SRC_0].set_data_handle(a_ + i * slice_bytes);
      args_[DNNL_ARG_DST].set_data_handle(y_ + i * slice_bytes);
      primitive_.execute(stream, args_);
    }
  }

 private:
  dnnl::binary primitive_;
  char* a_ = nullptr;
  char* y_ = nullptr;
  std::unordered_map<int, memory> args_;
};

std::unique_ptr<CpuKernel> make_binary(const KernelRequest& r, dnnl::algorithm alg, bool commutative) {
  if (r.input_count() != 2 || !float_operand(r, 0) || !float_operand(r, 1) || !r.only_first_output()) return nullptr;
  const Shape& y = r.output(0).shape;
  if (y.empty() || shape_numel(y) == 0) return nullptr;
  size_t full = 0, other = 1;  // src0: the operand with the output's shape, computed at run time
  if (r.input(0).shape != y || r.constant(0)) {
    if (!commutative || r.input(1).shape != y || r.constant(1)) return nullptr;
    full = 1;
    other = 0;
  }
  const memory::desc src0_md = r.layouts[full];
  const Shape& other_shape = r.input(other).shape;
  const bool same_shape = other_shape == y;
  if (!same_shape && r.opset() < 7) return nullptr;  // legacy broadcast aligns B at `axis`
  if (!same_shape && is_plain(src0_md)) {
    const auto [yc, oc] = collapsed_broadcast(y, left_padded(other_shape, y.size()));
    if (!yc.empty() && yc.size() >= 3 && oc[0] == 1) {
      const Shape y_slice(yc.begin() + 1, yc.end()), o_slice(oc.begin() + 1, oc.end());
      auto k = std::make_unique<OuterLoopBinaryKernel>();
      k->a_md = plain_desc(y_slice);
      k->b_md = plain_desc(o_slice);
      k->pd = dnnl::binary::primitive_desc(dnnl::binary::desc(alg, k->a_md, k->b_md, k->a_md), user_scratchpad_attr(),
                                           r.engine);
      k->full = full;
      k->other = other;
      k->outer = yc[0];
      k->slice_bytes = shape_numel(y_slice) * static_cast<int64_t>(sizeof(float));
      k->scratchpad_bytes = k->pd.scratchpad_desc().get_size();
      k->implementation = implementation_of(k->pd) + " x" + std::to_string(yc[0]);
      k->input_layouts.assign(2, memory::desc());
      k->input_layouts[full] = src0_md;
      k->output_layouts = {src0_md};
      k->in_place_input = static_cast<int>(full);
      if (const Tensor* c = r.constant(other)) {
        k->constant_b = reorder_constant(r.engine, *c, k->b_md, k->b_md);
        k->weight_bytes += static_cast<int64_t>(k->b_md.get_size());
      } else {
        k->input_layouts[other] = plain_desc(other_shape);
      }
      return k;
    }
    if (!yc.empty()) {
      const memory::desc a_md = plain_desc(yc), b_md = plain_desc(oc);
      const dnnl::binary::desc desc(alg, a_md, b_md, a_md);
      const dnnl::binary::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
      auto k = std::make_unique<PrimitiveKernel>();
      k->set_primitive(dnnl::binary(pd), pd);
      k->input_layouts.assign(2, memory::desc());
      k->input_layouts[full] = src0_md;
      k->output_layouts = {src0_md};
      k->in_place_input = static_cast<int>(full);
      k->arg_input(DNNL_ARG_SRC_0, full, a_md);
      if (const Tensor* c = r.constant(other)) {
        k->arg_weight(DNNL_ARG_SRC_1, reorder_constant(r.engine, *c, b_md, b_md));
      } else {
        k->input_layouts[other] = plain_desc(other_shape);
        k->arg_input(DNNL_ARG_SRC_1, other, b_md);
      }
      k->arg_output(DNNL_ARG_DST, 0, a_md);
      return k;
    }
  }
  const memory::desc src1_md = same_shape ? src0_md : plain_desc(left_padded(other_shape, y.size()));
  if (src1_md.is_zero()) return nullptr;
  const dnnl::binary::desc desc(alg, src0_md, src1_md, src0_md);
  const dnnl::binary::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::binary(pd), pd);
  k->input_layouts.assign(2, memory::desc());
  k->input_layouts[full] = src0_md;
  k->output_layouts = {pd.dst_desc()};
  if (pd.dst_desc() == src0_md) k->in_place_input = static_cast<int>(full);
  k->arg_input(DNNL_ARG_SRC_0, full, src0_md);
  if (const Tensor* c = r.constant(other)) {
    k->arg_weight(DNNL_ARG_SRC_1, reorder_constant(r.engine, *c, plain_desc(left_padded(other_shape, y.size())),
                                                   src1_md));
  } else {
    k->input_layouts[other] = same_shape ? src0_md : plain_desc(other_shape);
    k->arg_input(DNNL_ARG_SRC_1, other, src1_md);
  }
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return k;
}

std::unique_ptr<CpuKernel> make_sum(const KernelRequest& r) {
  const size_t n = r.input_count();
  if (n == 2) return make_binary(r, dnnl::algorithm::binary_add, true);
  if (n < 3 || !r.only_first_output()) return nullptr;
  const Shape& y = r.output(0).shape;
  for (size_t i = 0; i < n; ++i)
    if (!r.runtime_float(i) || r.input(i).shape != y) return nullptr;
  const memory::desc md = r.layouts[0];
  const dnnl::sum::primitive_desc pd(md, std::vector<float>(n, 1.f), std::vector<memory::desc>(n, md), r.engine,
                                     user_scratchpad_attr());
  auto k = std::make_unique<PrimitiveKernel>();
  k->set_primitive(dnnl::sum(pd), pd);
  k->input_layouts.assign(n, md);
  k->output_layouts = {pd.dst_desc()};
  if (pd.dst_desc() == md) k->in_place_input = 0;
  for (size_t i = 0; i < n; ++i) k->arg_input(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), i, md);
  k->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return k;
}

DNNCOST_REGISTER_CPU_KERNEL("Add", [](const KernelRequest& r) {
  return make_binary(r, dnnl::algorithm::binary_add, true);
});
DNNCOST_REGISTER_CPU_KERNEL("Sub", [](const KernelRequest& r) {
  return make_binary(r, dnnl::algorithm::binary_sub, false);
});
DNNCOST_REGISTER_CPU_KERNEL("Mul", [](const KernelRequest& r) {
  return make_binary(r, dnnl::algorithm::binary_mul, true);
});
DNNCOST_REGISTER_CPU_KERNEL("Div", [](const KernelRequest& r) {
  return make_binary(r, dnnl::algorithm::binary_div, false);
});
DNNCOST_REGISTER_CPU_KERNEL("Max", [](const KernelRequest& r) {
  return make_binary(r, dnnl::algorithm::binary_max, true);
});
DNNCOST_REGISTER_CPU_KERNEL("Sum", make_sum);

}  // namespace
}  // namespace dnncost::cpu
