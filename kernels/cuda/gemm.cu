// Gemm and MatMul on the cuda device: cuBLAS (cublasGemmEx / cublasGemmStridedBatchedEx) on row-major float32
// tensors through the transposed-operand identity (kernels/cuda/gemm_plan.h: row-major Y = A B is column-major
// Y^T = B^T A^T). Gemm's C is written first, broadcast and scaled by beta, by a small dnncost kernel; the GEMM then
// accumulates into it. MatMul batches broadcast when one side's batch part is all ones (stride 0) or B is one matrix
// (A's batch folds into the rows); other broadcasts, and integer types, return nullptr (the host reference runs them).
// The compute type follows --math: fp32 CUBLAS_COMPUTE_32F, tf32 CUBLAS_COMPUTE_32F_FAST_TF32, fp16
// CUBLAS_COMPUTE_32F_FAST_16F.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/gemm_plan.h"
#include "layers/gemm.h"
#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/launch_geometry.h"
#include "kernels/cuda/cuda_check.h"

namespace dnncost::cuda {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

// y[r, c] = beta * C[r mod rows, c mod cols] for y [m, n] and C [rows, cols] with rows in {1, m}, cols in {1, n}.
__global__ void broadcast_bias(float* y, const float* c, float beta, int64_t m, int64_t n, int64_t rows, int64_t cols) {
  const int64_t total = m * n;
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t r = i / n, col = i % n;
    y[i] = beta * c[(rows == 1 ? 0 : r) * cols + (cols == 1 ? 0 : col)];
  }
}


// An operand read from the arena (step input `input`) or from the weight region (constant `constant`).
struct Operand {
  size_t input = kNone, constant = kNone;
  const void* address(const KernelBinding& b) const {
    return constant != kNone ? b.constants[constant] : b.inputs[input];
  }
};

// Adds step input i as an operand: a runtime value, or a float32 constant uploaded once. False for other types.
bool add_operand(const KernelRequest& r, CudaKernel& k, size_t i, Operand* op) {
  if (!r.present(i) || r.input(i).dtype != DType::kFloat32) return false;
  if (const Tensor* c = r.constant(i)) {
    op->constant = k.add_constant(c->raw(), c->bytes());
  } else {
    op->input = i;
  }
  return true;
}

class GemmKernel : public CudaKernel {
 public:
  cublasHandle_t handle = nullptr;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  Operand a, b, c;
  bool has_c = false;
  float alpha = 1.f, beta = 1.f;
  cuda_geometry::GemmParams g;
  cuda_geometry::BiasBroadcast c_shape;
  // MatMul: a strided batch (batch 1 is a plain GEMM).
  cuda_geometry::MatMulParams batched;
  bool is_matmul = false;

  void bind(const KernelBinding& binding) override {
    a_ = a.address(binding);
    b_ = b.address(binding);
    c_ = has_c ? c.address(binding) : nullptr;
    y_ = binding.outputs[0];
  }

  void execute(cudaStream_t stream) override {
    if (is_matmul) {
      const float one = 1.f, zero = 0.f;
      const auto& p = batched;
      if (p.batch == 1) {
        DNNCOST_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(p.n),
                                          static_cast<int>(p.m), static_cast<int>(p.k), &one, b_, CUDA_R_32F,
                                          static_cast<int>(p.n), a_, CUDA_R_32F, static_cast<int>(p.k), &zero, y_,
                                          CUDA_R_32F, static_cast<int>(p.n), compute, CUBLAS_GEMM_DEFAULT));
      } else {
        DNNCOST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
            handle, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(p.n), static_cast<int>(p.m), static_cast<int>(p.k), &one,
            b_, CUDA_R_32F, static_cast<int>(p.n), p.stride_b, a_, CUDA_R_32F, static_cast<int>(p.k), p.stride_a, &zero,
            y_, CUDA_R_32F, static_cast<int>(p.n), p.stride_y, static_cast<int>(p.batch), compute,
            CUBLAS_GEMM_DEFAULT));
      }
      return;
    }
    float gemm_beta = 0.f;
    if (c_) {
      broadcast_bias<<<capped_grid_blocks(g.m * g.n), kThreadsPerBlock, 0, stream>>>(
          static_cast<float*>(y_), static_cast<const float*>(c_), beta, g.m, g.n, c_shape.rows, c_shape.cols);
      DNNCOST_CUDA_CHECK(cudaGetLastError());
      gemm_beta = 1.f;
    }
    DNNCOST_CUBLAS_CHECK(cublasGemmEx(handle, g.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                      g.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(g.n),
                                      static_cast<int>(g.m), static_cast<int>(g.k), &alpha, b_, CUDA_R_32F,
                                      static_cast<int>(g.ldb), a_, CUDA_R_32F, static_cast<int>(g.lda), &gemm_beta, y_,
                                      CUDA_R_32F, static_cast<int>(g.ldy), compute, CUBLAS_GEMM_DEFAULT));
  }

 private:
  const void *a_ = nullptr, *b_ = nullptr, *c_ = nullptr;
  void* y_ = nullptr;
};

std::unique_ptr<CudaKernel> make_gemm(const KernelRequest& r) {
  if (!r.only_first_output() || r.output(0).dtype != DType::kFloat32) return nullptr;
  if (r.input_count() < 2 || r.input_count() > 3) return nullptr;
  const GemmParams* p = r.parsed<GemmParams>();
  if (!p) return nullptr;
  auto k = std::make_unique<GemmKernel>();
  k->handle = r.ctx.cublas;
  k->compute = cublas_compute_type(r.ctx.math);
  k->alpha = p->alpha;
  k->beta = p->beta;
  const bool trans_a = p->trans_a, trans_b = p->trans_b;
  if (!cuda_geometry::gemm_params(r.input(0).shape, r.input(1).shape, trans_a, trans_b, &k->g)) return nullptr;
  const Shape& y = r.output(0).shape;
  if (y.size() != 2 || y[0] != k->g.m || y[1] != k->g.n) return nullptr;
  k->has_c = r.present(2) && k->beta != 0.f;
  if (k->has_c && !cuda_geometry::gemm_bias_broadcast(r.input(2).shape, k->g.m, k->g.n, &k->c_shape)) return nullptr;
  if (!add_operand(r, *k, 0, &k->a) || !add_operand(r, *k, 1, &k->b)) return nullptr;
  if (k->has_c && !add_operand(r, *k, 2, &k->c)) return nullptr;
  k->implementation = std::string("cuBLAS cublasGemmEx") + (k->has_c ? " + dnncost broadcast_bias" : "");
  k->details["compute"] = cublas_compute_name(r.ctx.math);
  k->details["m,n,k"] = std::to_string(k->g.m) + "," + std::to_string(k->g.n) + "," + std::to_string(k->g.k);
  k->details["ops"] =
      std::string(trans_a ? "A^T" : "A") + " * " + (trans_b ? "B^T" : "B") + " (row-major as B'^T A'^T)";
  k->details["layouts"] = "row-major";
  return k;
}

std::unique_ptr<CudaKernel> make_matmul(const KernelRequest& r) {
  if (!r.only_first_output() || r.output(0).dtype != DType::kFloat32 || r.input_count() != 2) return nullptr;
  auto k = std::make_unique<GemmKernel>();
  k->is_matmul = true;
  k->handle = r.ctx.cublas;
  k->compute = cublas_compute_type(r.ctx.math);
  if (!cuda_geometry::matmul_params(r.input(0).shape, r.input(1).shape, r.output(0).shape, &k->batched)) return nullptr;
  if (!add_operand(r, *k, 0, &k->a) || !add_operand(r, *k, 1, &k->b)) return nullptr;
  const auto& p = k->batched;
  k->implementation = p.batch == 1 ? "cuBLAS cublasGemmEx" : "cuBLAS cublasGemmStridedBatchedEx";
  k->details["compute"] = cublas_compute_name(r.ctx.math);
  k->details["batch,m,n,k"] =
      std::to_string(p.batch) + "," + std::to_string(p.m) + "," + std::to_string(p.n) + "," + std::to_string(p.k);
  k->details["strides a,b,y"] =
      std::to_string(p.stride_a) + "," + std::to_string(p.stride_b) + "," + std::to_string(p.stride_y);
  k->details["layouts"] = "row-major";
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Gemm", make_gemm);
DNNCOST_REGISTER_CUDA_KERNEL("MatMul", make_matmul);

}  // namespace
}  // namespace dnncost::cuda
