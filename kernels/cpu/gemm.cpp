// Gemm and MatMul on the cpu device.
//   Gemm with a constant B (a fully connected layer; transB = 1 is PyTorch's Linear) and a constant C of N
//     elements (or one, or none) is a oneDNN inner product: the weights [N, K] = alpha * B' are reordered to the
//     primitive's layout once, the bias is beta * C. transA = 1, a run-time B or an [M, N] C run the reference.
//   MatMul of plain operands of rank >= 2 (batch dims broadcast) is a oneDNN matmul; a constant B is reordered
//     to the primitive's preferred layout once. When B is one matrix (its batch dims all 1), A's batch dims fold into
//     its rows: one 2-D GEMM. 1-D operands run the reference.
#include <cstring>

#include "kernels/cpu/cpu_kernel.h"
#include "layers/gemm.h"

namespace dnncost::cpu {
namespace {


std::unique_ptr<CpuKernel> make_gemm(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Tensor* b = r.constant(1);
  if (!b || b->dtype() != DType::kFloat32) return nullptr;
  const GemmParams* p = r.parsed<GemmParams>();
  if (!p || p->trans_a) return nullptr;
  const bool trans_b = p->trans_b;
  const float alpha = p->alpha, beta = p->beta;
  const Shape& x = r.input(0).shape;
  const Shape& y = r.output(0).shape;
  const int64_t m = y[0], n = y[1], k = x[1];
  const Tensor* c = r.present(2) ? r.constant(2) : nullptr;
  if (r.present(2) && (!c || c->dtype() != DType::kFloat32)) return nullptr;
  if (c && !(c->numel() == 1 || (c->numel() == n && (c->shape().size() == 1 || c->shape()[0] == 1)))) return nullptr;
  if (x.size() != 2) return nullptr;
  const memory::desc x_md = plain_desc(x);

  // B' as [N, K]: B itself (transB = 1) or B [K, N] seen through transposed strides.
  const memory::desc user_w = trans_b ? plain_desc({n, k}) : memory::desc({n, k}, memory::data_type::f32, {1, n});
  const memory::desc bias_md = c ? plain_desc({n}) : memory::desc();
  const dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, x_md, any_desc({n, k}),
                                               bias_md, any_desc({m, n}));
  const dnnl::inner_product_forward::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto kernel = std::make_unique<PrimitiveKernel>();
  kernel->set_primitive(dnnl::inner_product_forward(pd), pd);
  kernel->input_layouts.assign(r.input_count(), memory::desc());
  kernel->input_layouts[0] = x_md;
  kernel->output_layouts = {pd.dst_desc()};
  kernel->arg_input(DNNL_ARG_SRC, 0, x_md);
  if (alpha == 1.f) {
    kernel->arg_weight(DNNL_ARG_WEIGHTS, reorder_constant(r.engine, *b, user_w, pd.weights_desc()));
  } else {
    std::vector<float> scaled(static_cast<size_t>(b->numel()));
    const float* src = b->data<float>();
    for (size_t i = 0; i < scaled.size(); ++i) scaled[i] = alpha * src[i];
    kernel->arg_weight(DNNL_ARG_WEIGHTS, reorder_constant(r.engine, scaled.data(), user_w, pd.weights_desc()));
  }
  if (c) {
    memory bias(bias_md, r.engine);
    float* dst = static_cast<float*>(bias.get_data_handle());
    const float* src = c->data<float>();
    for (int64_t j = 0; j < n; ++j) dst[j] = beta * src[c->numel() == 1 ? 0 : j];
    kernel->arg_weight(DNNL_ARG_BIAS, bias);
  }
  kernel->arg_output(DNNL_ARG_DST, 0, pd.dst_desc());
  return kernel;
}

// `s` with leading 1s up to `rank` dims.
Shape left_padded(const Shape& s, size_t rank) {
  Shape p(rank - s.size(), 1);
  p.insert(p.end(), s.begin(), s.end());
  return p;
}

std::unique_ptr<CpuKernel> make_matmul(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Tensor* b_const = r.constant(1);
  if (b_const ? b_const->dtype() != DType::kFloat32 : !r.runtime_float(1)) return nullptr;
  const Shape& a = r.input(0).shape;
  const Shape& b = r.input(1).shape;
  const Shape& y = r.output(0).shape;
  if (a.size() < 2 || b.size() < 2 || y.size() > DNNL_MAX_NDIMS) return nullptr;
  const size_t rank = y.size();
  Shape a_view = left_padded(a, rank), b_view = left_padded(b, rank);
  Shape y_view = y;
  // One B matrix for every batch of A (a Linear layer on [N, S, K], or seq-first [S, N, K] with M = 1): A's batch dims
  // fold into its rows, so the product is one [rows, K] x [K, N] GEMM over the same bytes, not a batch of thin ones.
  if (shape_numel(Shape(b.begin(), b.end() - 2)) == 1 && a.size() > 2) {
    const int64_t rows = shape_numel(Shape(a.begin(), a.end() - 1));
    a_view = {rows, a.back()};
    b_view = {b[b.size() - 2], b.back()};
    y_view = {rows, y.back()};
  }
  const memory::desc a_md = plain_desc(a_view), b_md = plain_desc(b_view), y_md = plain_desc(y_view);
  const dnnl::matmul::desc desc(a_md, b_const ? any_desc(b_view) : b_md, y_md);
  const dnnl::matmul::primitive_desc pd(desc, user_scratchpad_attr(), r.engine);
  auto kernel = std::make_unique<PrimitiveKernel>();
  kernel->set_primitive(dnnl::matmul(pd), pd);
  kernel->input_layouts = {plain_desc(a), b_const ? memory::desc() : plain_desc(b)};
  kernel->output_layouts = {plain_desc(y)};
  kernel->arg_input(DNNL_ARG_SRC, 0, a_md);
  if (b_const) {
    kernel->arg_weight(DNNL_ARG_WEIGHTS, reorder_constant(r.engine, *b_const, b_md, pd.weights_desc()));
  } else {
    kernel->arg_input(DNNL_ARG_WEIGHTS, 1, b_md);
  }
  kernel->arg_output(DNNL_ARG_DST, 0, y_md);
  return kernel;
}

DNNCOST_REGISTER_CPU_KERNEL("Gemm", make_gemm);
DNNCOST_REGISTER_CPU_KERNEL("MatMul", make_matmul);

}  // namespace
}  // namespace dnncost::cpu
