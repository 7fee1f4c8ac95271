// Host-only arithmetic of Gemm and MatMul on cuBLAS (kernels/cuda/gemm.cu; no CUDA includes, so every build tests
// it against a column-major GEMM written the way cuBLAS defines it).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/cuda/plan_common.h"

namespace dnncost::cuda_geometry {

// --- GEMM and MatMul on column-major cuBLAS --------------------------------------------------------------------
//
// A row-major matrix M [r, c] is, read column-major with leading dimension c, the matrix M^T. So row-major
// Y = A' B' (A' = op(A) [m, k], B' = op(B) [k, n]) is computed as column-major Y^T = B'^T A'^T: cuBLAS gets B first,
// then A, with m and n swapped, and each operand's transpose flag as ONNX gives it.

struct GemmParams {
  int64_t m = 0, n = 0, k = 0;
  bool transpose_a = false, transpose_b = false;  // cuBLAS op of the A / B operand (CUBLAS_OP_T when true)
  int64_t lda = 0, ldb = 0, ldy = 0;
};

// Gemm with A [m, k] (transA: [k, m]) and B [k, n] (transB: [n, k]); false when not 2-D or a size exceeds int.
inline bool gemm_params(const Shape& a, const Shape& b, bool trans_a, bool trans_b, GemmParams* p) {
  if (a.size() != 2 || b.size() != 2) return false;
  GemmParams g;
  g.m = trans_a ? a[1] : a[0];
  g.k = trans_a ? a[0] : a[1];
  g.n = trans_b ? b[0] : b[1];
  if ((trans_b ? b[1] : b[0]) != g.k) return false;
  g.transpose_a = trans_a;
  g.transpose_b = trans_b;
  g.lda = a[1];  // row length of A as stored
  g.ldb = b[1];
  g.ldy = g.n;
  for (int64_t v : {g.m, g.n, g.k, g.lda, g.ldb}) {
    if (!fits_int(v)) return false;
  }
  if (g.lda < 1 || g.ldb < 1 || g.ldy < 1) return false;
  *p = g;
  return true;
}

// How Gemm's C broadcasts to [m, n]: rows (1 or m) by columns (1 or n); false when it does not (ONNX's
// unidirectional broadcast of a rank 0..2 tensor).
struct BiasBroadcast {
  int64_t rows = 1, cols = 1;
};
inline bool gemm_bias_broadcast(const Shape& c, int64_t m, int64_t n, BiasBroadcast* b) {
  if (c.size() > 2) return false;
  Shape full(2 - c.size(), 1);
  full.insert(full.end(), c.begin(), c.end());
  if ((full[0] != 1 && full[0] != m) || (full[1] != 1 && full[1] != n)) return false;
  b->rows = full[0];
  b->cols = full[1];
  return true;
}

// MatMul of A [..., m, k] and B [..., k, n] as one strided batched GEMM: a batch dimension broadcasts only when one
// side's batch part is all ones (stride 0); a 2-D (or 1-D) B folds A's batch into m (one plain GEMM).
struct MatMulParams {
  int64_t m = 0, n = 0, k = 0, batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_y = 0;  // elements between consecutive matrices
};

inline bool matmul_params(const Shape& a_in, const Shape& b_in, const Shape& y, MatMulParams* p) {
  if (a_in.empty() || b_in.empty()) return false;
  Shape a = a_in, b = b_in;
  if (a.size() == 1) a.insert(a.begin(), 1);  // [k] -> [1, k]
  if (b.size() == 1) b.push_back(1);          // [k] -> [k, 1]
  MatMulParams r;
  r.m = a[a.size() - 2];
  r.k = a[a.size() - 1];
  r.n = b[b.size() - 1];
  if (b[b.size() - 2] != r.k) return false;
  const Shape a_batch(a.begin(), a.end() - 2), b_batch(b.begin(), b.end() - 2);
  const int64_t a_count = shape_numel(a_batch), b_count = shape_numel(b_batch);
  if (b_count == 1 && b_batch.size() <= a_batch.size()) {
    // B is one matrix: fold A's batch into its rows.
    r.m *= a_count;
    r.batch = 1;
    r.stride_a = r.m * r.k;
    r.stride_b = r.k * r.n;
    r.stride_y = r.m * r.n;
  } else {
    // Output batch dims: the broadcast of both; each side is either exactly that or all ones.
    const size_t rank = std::max(a_batch.size(), b_batch.size());
    Shape out(rank, 1);
    auto dim = [&](const Shape& s, size_t i) { return i + s.size() < rank ? 1 : s[i + s.size() - rank]; };
    for (size_t i = 0; i < rank; ++i) out[i] = std::max(dim(a_batch, i), dim(b_batch, i));
    auto full_or_one = [&](const Shape& s) {
      if (shape_numel(s) == 1) return true;
      for (size_t i = 0; i < rank; ++i)
        if (dim(s, i) != out[i]) return false;
      return true;
    };
    if (!full_or_one(a_batch) || !full_or_one(b_batch)) return false;
    r.batch = shape_numel(out);
    r.stride_a = a_count == 1 ? 0 : r.m * r.k;
    r.stride_b = b_count == 1 ? 0 : r.k * r.n;
    r.stride_y = r.m * r.n;
  }
  if (shape_numel(y) != r.batch * r.m * r.n) return false;
  for (int64_t v : {r.m, r.n, r.k, r.batch})
    if (!fits_int(v) || v < 1) return false;
  *p = r;
  return true;
}

}  // namespace dnncost::cuda_geometry
