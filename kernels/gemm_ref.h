// Reference matrix products shared by the Gemm and MatMul layers: plain loops, ordered so that the inner loop
// reads memory contiguously (VGG's 25088 x 4096 fully connected layer runs through them).
#pragma once

#include <cstdint>

namespace dnncost {

// out[M x N] = a[M x K] * b[K x N], row-major with leading dimensions lda, ldb, ldo.
// i-k-j order: the inner loop walks one row of b and one row of out, both contiguous.
inline void matmul_ikj(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                       float* out, int64_t ldo) {
  for (int64_t i = 0; i < m; ++i) {
    float* out_row = out + i * ldo;
    for (int64_t j = 0; j < n; ++j) out_row[j] = 0.f;
    for (int64_t p = 0; p < k; ++p) {
      const float a_ip = a[i * lda + p];
      const float* b_row = b + p * ldb;
      for (int64_t j = 0; j < n; ++j) out_row[j] += a_ip * b_row[j];
    }
  }
}

// Dot product of two contiguous rows. Eight interleaved partial sums (combined in a fixed order, so the result
// is deterministic) break the chain of dependent additions and let the compiler vectorize the loop.
inline float dot_row(const float* x, const float* y, int64_t k) {
  constexpr int kLanes = 8;
  float partial[kLanes] = {};
  int64_t p = 0;
  for (; p + kLanes <= k; p += kLanes)
    for (int lane = 0; lane < kLanes; ++lane) partial[lane] += x[p + lane] * y[p + lane];
  float sum = 0.f;
  for (int lane = 0; lane < kLanes; ++lane) sum += partial[lane];
  for (; p < k; ++p) sum += x[p] * y[p];
  return sum;
}

// out[M x N] = a[M x K] * transpose(bt), where bt is [N x K] row-major (Gemm with transB=1, the layout of
// PyTorch's Linear weight). i-j-k order: each output is a dot product of two contiguous rows.
inline void matmul_abt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* bt, int64_t ldbt,
                       float* out, int64_t ldo) {
  for (int64_t i = 0; i < m; ++i) {
    const float* a_row = a + i * lda;
    for (int64_t j = 0; j < n; ++j) out[i * ldo + j] = dot_row(a_row, bt + j * ldbt, k);
  }
}

}  // namespace dnncost
