// The cuda device's host-only arithmetic (engine/cuda/cuda_options.h and kernels/cuda/{conv,pool,gemm}_plan.h),
// tested in every build: options, weight layout, the convolution algorithm ranking, cuDNN convolution/pooling
// shapes, and the row-major GEMM/MatMul parameters, checked by running them through a
// column-major GEMM written here the way cuBLAS defines it.
#include "engine/cuda/cuda_options.h"
#include "kernels/cuda/conv_plan.h"
#include "kernels/cuda/gemm_plan.h"
#include "kernels/cuda/pool_plan.h"

#include <gtest/gtest.h>

#include <random>

#include "engine/cuda/cuda_device.h"
#include "metrics/timing.h"
#include "tests/unit/expect_error.h"
#include "tools/dnncost/commands.h"

namespace dnncost {
namespace {
using dnncost::testing::expect_error;

namespace cg = cuda_geometry;

TEST(CudaGeometry, MathOptionAcceptsOnlyTheThreeModes) {
  for (const char* ok : {"fp32", "tf32", "fp16"}) EXPECT_NO_THROW(cg::check_math(ok));
  for (const char* bad : {"", "fp64", "FP32", "bf16"})
    expect_error([&] { cg::check_math(bad); }, {"--math"}, std::string(bad) + " was accepted");
}

TEST(CudaGeometry, WorkspaceLimitIsMebibytes) {
  EXPECT_EQ(cg::workspace_limit_bytes(0), 0);
  EXPECT_EQ(cg::workspace_limit_bytes(256), int64_t{256} << 20);
  EXPECT_EQ(cg::workspace_limit_bytes(-1), cg::kAutoWorkspaceMb);
  EXPECT_THROW(cg::workspace_limit_bytes(-2), ModelError);
  // auto: a quarter of the free memory, at most 4 GiB.
  EXPECT_EQ(cg::auto_workspace_bytes(int64_t{8} << 30), int64_t{2} << 30);
  EXPECT_EQ(cg::auto_workspace_bytes(int64_t{140} << 30), int64_t{4} << 30);
  EXPECT_EQ(cg::auto_workspace_bytes(0), 0);
  EXPECT_EQ(cg::auto_workspace_bytes(-100), 0);
  // ... and at most half of what the plan's weights and activations leave free.
  EXPECT_EQ(cg::auto_workspace_bytes(int64_t{140} << 30, int64_t{6} << 30), int64_t{4} << 30);
  EXPECT_EQ(cg::auto_workspace_bytes(int64_t{16} << 30, int64_t{15} << 30), int64_t{512} << 20);
  EXPECT_EQ(cg::auto_workspace_bytes(int64_t{16} << 30, int64_t{17} << 30), 0);
  EXPECT_THROW(cg::workspace_limit_bytes(cg::kMaxWorkspaceMb + 1), ModelError);
}

TEST(CudaGeometry, DeviceSpecCarriesTheCudaOptionsAndChecksThem) {
  CudaOptions o;
  o.math = "tf32";
  o.workspace_mb = "64";
  o.include_transfers = true;
  const DeviceSpec spec = device_spec("ref", 0, o);
  EXPECT_EQ(spec.math, "tf32");
  EXPECT_EQ(spec.workspace_mb, 64);
  EXPECT_TRUE(spec.include_transfers);
  o.math = "fp8";
  EXPECT_THROW(device_spec("ref", 0, o), ModelError);
  o.math = "fp32";
  for (const char* bad : {"-5", "", "12x", "1.5", "99999999999999999999", "2000000"}) {
    o.workspace_mb = bad;
    EXPECT_THROW(device_spec("ref", 0, o), ModelError) << bad;
  }
  o.workspace_mb = "auto";
  EXPECT_EQ(device_spec("ref", 0, o).workspace_mb, cg::kAutoWorkspaceMb);
  o.workspace_mb = "0";
  EXPECT_EQ(device_spec("ref", 0, o).workspace_mb, 0);
}

TEST(CudaGeometry, CudaDeviceWithoutAGpuNamesTheMissingGpu) {
  std::string why;
  if (!cuda_devices(&why).empty()) GTEST_SKIP() << "this machine has a GPU";
  expect_error([] { parse_device("cuda:0"); }, {"no GPU available"}, "--device cuda:0 was accepted without a GPU");
}

TEST(CudaGeometry, WeightsAreLaidOutAlignedOneAfterAnother) {
  const cg::WeightLayout w = cg::layout_weights({{100, 0, 256}, {}, {1}});
  ASSERT_EQ(w.offsets.size(), 3u);
  EXPECT_EQ(w.offsets[0], (std::vector<int64_t>{0, 256, 256}));
  EXPECT_TRUE(w.offsets[1].empty());
  EXPECT_EQ(w.offsets[2], (std::vector<int64_t>{512}));
  EXPECT_EQ(w.bytes, 768);
  for (const auto& step : w.offsets)
    for (int64_t o : step) EXPECT_EQ(o % cg::kDeviceAlignment, 0);
  EXPECT_EQ(cg::align_up(0), 0);
  EXPECT_EQ(cg::align_up(1), 256);
  EXPECT_EQ(cg::align_up(257), 512);
}

TEST(CudaGeometry, ConvAlgorithmsRankedByTimeWithinTheWorkspaceLimit) {
  std::vector<cg::ConvCandidate> c(5);
  c[0] = {0, true, 3.0f, 0, false};
  c[1] = {1, true, 1.0f, 1000, false};  // fastest, but needs more than the limit below
  c[2] = {2, false, 0.5f, 0, false};    // failed
  c[3] = {6, true, 2.0f, 10, true};     // tensor-core math
  c[4] = {7, true, 2.5f, 100, false};
  EXPECT_EQ(cg::rank_conv_algorithms(c, 100, false), (std::vector<size_t>{4, 0}));
  EXPECT_EQ(cg::rank_conv_algorithms(c, 100, true), (std::vector<size_t>{3, 4, 0}));
  EXPECT_EQ(cg::rank_conv_algorithms(c, 1 << 20, false), (std::vector<size_t>{1, 4, 0}));
  EXPECT_TRUE(cg::rank_conv_algorithms({}, 100, false).empty());
}

TEST(CudaGeometry, ConvRetimeSetTakesTheCloseFastestFew) {
  std::vector<cg::ConvCandidate> c(6);
  c[0] = {0, true, 1.0f, 0, false};
  c[1] = {1, true, 0.2f, 0, false};
  c[2] = {2, true, 0.5f, 0, false};
  c[3] = {5, true, 0.61f, 0, false};
  c[4] = {6, true, 0.3f, 0, false};
  c[5] = {7, true, 0.55f, 0, false};
  const auto order = cg::rank_conv_algorithms(c, 100, false);  // 1, 4, 2, 5, 3, 0
  EXPECT_EQ(cg::conv_retime_set(c, order), (std::vector<size_t>{1, 4, 2, 5}));       // four, all within 3x
  EXPECT_EQ(cg::conv_retime_set(c, order, 10, 2.0f), (std::vector<size_t>{1, 4}));  // 0.5 > 2 x 0.2
  EXPECT_EQ(cg::conv_retime_set(c, order, 1), (std::vector<size_t>{1}));
  EXPECT_TRUE(cg::conv_retime_set(c, {}).empty());
}

TEST(CudaGeometry, MedianLeavesFailedRunsOut) {
  EXPECT_FLOAT_EQ(cg::median_ms({3, 1, 2}), 2);
  EXPECT_FLOAT_EQ(cg::median_ms({4, 1, 3, 2}), 2.5f);
  EXPECT_FLOAT_EQ(cg::median_ms({-1, 5, -1}), 5);
  EXPECT_FLOAT_EQ(cg::median_ms({-1}), -1);
  EXPECT_FLOAT_EQ(cg::median_ms({}), -1);
}

TEST(CudaGeometry, ConvDescriptorForTwoAndOneSpatialAxes) {
  cg::ConvDescriptor d;
  ASSERT_TRUE(cg::conv_descriptor({2, 3, 32, 32}, {8, 3, 3, 3}, {2, 8, 16, 16}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1, &d));
  EXPECT_EQ(d.x, (std::vector<int>{2, 3, 32, 32}));
  EXPECT_EQ(d.pads, (std::vector<int>{1, 1}));
  EXPECT_EQ(d.strides, (std::vector<int>{2, 2}));
  // 1-D: a trailing axis of 1.
  ASSERT_TRUE(cg::conv_descriptor({1, 4, 10}, {4, 1, 3}, {1, 4, 4}, {2}, {2}, {1}, {1}, 4, &d));
  EXPECT_EQ(d.x, (std::vector<int>{1, 4, 10, 1}));
  EXPECT_EQ(d.w, (std::vector<int>{4, 1, 3, 1}));
  EXPECT_EQ(d.y, (std::vector<int>{1, 4, 4, 1}));
  EXPECT_EQ(d.dilations, (std::vector<int>{2, 1}));
  EXPECT_EQ(d.groups, 4);
  // Asymmetric pads (SAME_UPPER with an even kernel), and an output that does not follow: cuDNN cannot.
  EXPECT_FALSE(cg::conv_descriptor({1, 1, 8, 8}, {1, 1, 2, 2}, {1, 1, 8, 8}, {1, 1}, {1, 1}, {0, 0}, {1, 1}, 1, &d));
  EXPECT_FALSE(cg::conv_descriptor({1, 1, 8, 8}, {1, 1, 3, 3}, {1, 1, 7, 7}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1, &d));
  EXPECT_FALSE(cg::conv_descriptor({1, 1, int64_t{1} << 32, 1}, {1, 1, 1, 1}, {1, 1, int64_t{1} << 32, 1}, {1, 1},
                                   {1, 1}, {0, 0}, {0, 0}, 1, &d));
  EXPECT_EQ(cg::packed_strides({2, 3, 4, 5}), (std::vector<int>{60, 20, 5, 1}));
}

TEST(CudaGeometry, OneByOneConvolutionAsBatchedGemm) {
  cg::ConvDescriptor d;
  cg::Conv1x1Gemm g;
  ASSERT_TRUE(cg::conv_descriptor({8, 2048, 8, 8}, {320, 2048, 1, 1}, {8, 320, 8, 8}, {1, 1}, {1, 1}, {0, 0}, {0, 0},
                                  1, &d));
  ASSERT_TRUE(cg::conv_1x1_as_gemm(d, &g));
  EXPECT_EQ(g.m, 64);
  EXPECT_EQ(g.n, 320);
  EXPECT_EQ(g.k, 2048);
  EXPECT_EQ(g.batch, 8);
  EXPECT_EQ(g.stride_a, 2048 * 64);
  EXPECT_EQ(g.stride_c, 320 * 64);
  // 1-D (a trailing axis of 1) and 3-D.
  ASSERT_TRUE(cg::conv_descriptor({2, 4, 10}, {6, 4, 1}, {2, 6, 10}, {1}, {1}, {0}, {0}, 1, &d));
  ASSERT_TRUE(cg::conv_1x1_as_gemm(d, &g));
  EXPECT_EQ(g.m, 10);
  EXPECT_EQ(g.stride_c, 60);
  ASSERT_TRUE(cg::conv_descriptor({1, 3, 4, 5, 6}, {2, 3, 1, 1, 1}, {1, 2, 4, 5, 6}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0},
                                  {0, 0, 0}, 1, &d));
  ASSERT_TRUE(cg::conv_1x1_as_gemm(d, &g));
  EXPECT_EQ(g.m, 120);
  // Not a plain GEMM: strided, padded, grouped, a 3x3 kernel.
  ASSERT_TRUE(cg::conv_descriptor({1, 4, 8, 8}, {4, 4, 1, 1}, {1, 4, 4, 4}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, 1, &d));
  EXPECT_FALSE(cg::conv_1x1_as_gemm(d, &g));
  ASSERT_TRUE(cg::conv_descriptor({1, 4, 8, 8}, {4, 4, 1, 1}, {1, 4, 10, 10}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1, &d));
  EXPECT_FALSE(cg::conv_1x1_as_gemm(d, &g));
  ASSERT_TRUE(cg::conv_descriptor({1, 4, 8, 8}, {4, 2, 1, 1}, {1, 4, 8, 8}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 2, &d));
  EXPECT_FALSE(cg::conv_1x1_as_gemm(d, &g));
  ASSERT_TRUE(cg::conv_descriptor({1, 4, 8, 8}, {4, 4, 3, 3}, {1, 4, 8, 8}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1, &d));
  EXPECT_FALSE(cg::conv_1x1_as_gemm(d, &g));
}

TEST(CudaGeometry, PoolDescriptorOnlyWhereCudnnComputesTheOnnxResult) {
  cg::PoolDescriptor d;
  // ResNet's stem: 3x3 stride 2 pad 1 on 112 -> 56.
  ASSERT_TRUE(cg::pool_descriptor({1, 64, 112, 112}, {1, 64, 56, 56}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, &d));
  EXPECT_EQ(d.window, (std::vector<int>{3, 3}));
  EXPECT_EQ(d.pads, (std::vector<int>{1, 1}));
  // GoogLeNet's ceil_mode: 3x3 stride 2 on 112 -> 56 (floor would give 55).
  EXPECT_FALSE(cg::pool_descriptor({1, 64, 112, 112}, {1, 64, 56, 56}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, &d));
  // Dilation and asymmetric pads.
  EXPECT_FALSE(cg::pool_descriptor({1, 1, 8, 8}, {1, 1, 4, 4}, {2, 2}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, &d));
  EXPECT_FALSE(cg::pool_descriptor({1, 1, 8, 8}, {1, 1, 4, 4}, {2, 2}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, &d));
  // 1-D gets a trailing axis.
  ASSERT_TRUE(cg::pool_descriptor({2, 3, 9}, {2, 3, 4}, {3}, {2}, {1}, {0}, {0}, &d));
  EXPECT_EQ(d.x, (std::vector<int>{2, 3, 9, 1}));
  EXPECT_EQ(d.window, (std::vector<int>{3, 1}));
}

// cuBLAS's definition: column-major C[m x n] = alpha op(A) op(B) + beta C, op(X)[i, j] = X[j * ld + i] or its
// transpose. Runs the parameters the kernels pass, on the host.
void column_major_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                       const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float av = ta ? a[i * lda + p] : a[p * lda + i];
        const float bv = tb ? b[p * ldb + j] : b[j * ldb + p];
        acc += static_cast<double>(av) * bv;
      }
      c[j * ldc + i] = static_cast<float>(alpha * acc + beta * c[j * ldc + i]);
    }
  }
}

std::vector<float> random_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(CudaGeometry, GemmParamsComputeRowMajorProductsOnColumnMajorBlas) {
  const int64_t m = 3, n = 5, k = 4;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const Shape a_shape = ta ? Shape{k, m} : Shape{m, k};
      const Shape b_shape = tb ? Shape{n, k} : Shape{k, n};
      const std::vector<float> a = random_values(m * k, 1), b = random_values(k * n, 2);
      cg::GemmParams p;
      ASSERT_TRUE(cg::gemm_params(a_shape, b_shape, ta, tb, &p));
      EXPECT_EQ(p.m, m);
      EXPECT_EQ(p.n, n);
      EXPECT_EQ(p.k, k);
      std::vector<float> y(m * n, 0.f);
      // The call the Gemm kernel makes: B first, then A, n and m swapped.
      column_major_gemm(p.transpose_b, p.transpose_a, p.n, p.m, p.k, 1.f, b.data(), p.ldb, a.data(), p.lda, 0.f,
                        y.data(), p.ldy);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          double want = 0;
          for (int64_t q = 0; q < k; ++q)
            want += static_cast<double>(ta ? a[q * m + i] : a[i * k + q]) * (tb ? b[j * k + q] : b[q * n + j]);
          EXPECT_NEAR(y[i * n + j], want, 1e-5) << "transA " << ta << " transB " << tb << " at " << i << "," << j;
        }
      }
    }
  }
  cg::GemmParams p;
  EXPECT_FALSE(cg::gemm_params({3, 4}, {5, 6}, false, false, &p));  // inner dims differ
  EXPECT_FALSE(cg::gemm_params({2, 3, 4}, {4, 5}, false, false, &p));
}

TEST(CudaGeometry, GemmBiasBroadcastShapes) {
  cg::BiasBroadcast b;
  ASSERT_TRUE(cg::gemm_bias_broadcast({5}, 3, 5, &b));
  EXPECT_EQ(b.rows, 1);
  EXPECT_EQ(b.cols, 5);
  ASSERT_TRUE(cg::gemm_bias_broadcast({3, 1}, 3, 5, &b));
  EXPECT_EQ(b.rows, 3);
  EXPECT_EQ(b.cols, 1);
  ASSERT_TRUE(cg::gemm_bias_broadcast({}, 3, 5, &b));
  EXPECT_EQ(b.rows * b.cols, 1);
  EXPECT_FALSE(cg::gemm_bias_broadcast({4}, 3, 5, &b));
  EXPECT_FALSE(cg::gemm_bias_broadcast({1, 3, 5}, 3, 5, &b));
}

// Runs MatMul parameters as the strided batched call does and compares with a direct row-major MatMul.
void check_matmul(const Shape& a_shape, const Shape& b_shape, const Shape& y_shape) {
  cg::MatMulParams p;
  ASSERT_TRUE(cg::matmul_params(a_shape, b_shape, y_shape, &p)) << shape_str(a_shape) << " x " << shape_str(b_shape);
  const std::vector<float> a = random_values(shape_numel(a_shape), 3), b = random_values(shape_numel(b_shape), 4);
  std::vector<float> y(shape_numel(y_shape), 0.f);
  for (int64_t i = 0; i < p.batch; ++i)
    column_major_gemm(false, false, p.n, p.m, p.k, 1.f, b.data() + i * p.stride_b, p.n, a.data() + i * p.stride_a, p.k,
                      0.f, y.data() + i * p.stride_y, p.n);
  // Direct: broadcast batch dims (numpy rules), row-major.
  Shape a2 = a_shape, b2 = b_shape;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  const int64_t m = a2[a2.size() - 2], k = a2.back(), n = b2.back();
  const size_t rank = std::max(a2.size(), b2.size());
  Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  ab.insert(ab.begin(), rank - a2.size(), 1);
  bb.insert(bb.begin(), rank - b2.size(), 1);
  Shape out(rank - 2);
  for (size_t i = 0; i + 2 < rank; ++i) out[i] = std::max(ab[i], bb[i]);
  const int64_t batches = shape_numel(out);
  for (int64_t t = 0; t < batches; ++t) {
    int64_t rem = t, ai = 0, bi = 0, a_stride = 1, b_stride = 1;
    for (size_t d = out.size(); d-- > 0;) {
      const int64_t c = rem % out[d];
      rem /= out[d];
      ai += (ab[d] == 1 ? 0 : c) * a_stride;
      bi += (bb[d] == 1 ? 0 : c) * b_stride;
      a_stride *= ab[d];
      b_stride *= bb[d];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double want = 0;
        for (int64_t q = 0; q < k; ++q) want += static_cast<double>(a[(ai * m + i) * k + q]) * b[(bi * k + q) * n + j];
        EXPECT_NEAR(y[(t * m + i) * n + j], want, 1e-5) << shape_str(a_shape) << " x " << shape_str(b_shape);
      }
  }
}

TEST(CudaGeometry, MatMulParamsCoverFoldedAndBroadcastBatches) {
  check_matmul({2, 3}, {3, 4}, {2, 4});
  check_matmul({2, 5, 3}, {3, 4}, {2, 5, 4});     // B one matrix: A's batch folds into the rows
  check_matmul({2, 5, 3}, {2, 3, 4}, {2, 5, 4});  // same batch
  check_matmul({5, 3}, {2, 3, 4}, {2, 5, 4});     // A broadcast (stride 0)
  check_matmul({1, 5, 3}, {2, 2, 3, 4}, {2, 2, 5, 4});
  check_matmul({3}, {3, 4}, {4});        // vector x matrix
  check_matmul({2, 5, 3}, {3}, {2, 5});  // matrix x vector
  cg::MatMulParams p;
  // A partial broadcast (batch [2, 1] against [1, 3]) is not one strided batch.
  EXPECT_FALSE(cg::matmul_params({2, 1, 4, 3}, {1, 3, 3, 4}, {2, 3, 4, 4}, &p));
  EXPECT_FALSE(cg::matmul_params({2, 3}, {4, 5}, {2, 5}, &p));
}

// Attention's two products ([N, H, S, D] x [N, H, D, S] and [N, H, S, S] x [N, H, S, D]) are one strided batched
// GEMM over the N * H equal batch dims; projections and MLP layers ([N, S, K] x [K, M] weights) fold the batch into
// the rows of one plain GEMM.
TEST(CudaGeometry, MatMulParamsForAttentionProducts) {
  const int64_t n = 2, h = 3, s = 7, d = 4, k = 8, m = 6;
  cg::MatMulParams p;
  ASSERT_TRUE(cg::matmul_params({n, h, s, d}, {n, h, d, s}, {n, h, s, s}, &p));  // Q K^T
  EXPECT_EQ(p.batch, n * h);
  EXPECT_EQ(p.m, s);
  EXPECT_EQ(p.n, s);
  EXPECT_EQ(p.k, d);
  EXPECT_EQ(p.stride_a, s * d);
  EXPECT_EQ(p.stride_b, d * s);
  EXPECT_EQ(p.stride_y, s * s);
  check_matmul({n, h, s, d}, {n, h, d, s}, {n, h, s, s});
  ASSERT_TRUE(cg::matmul_params({n, h, s, s}, {n, h, s, d}, {n, h, s, d}, &p));  // softmax(Q K^T) V
  EXPECT_EQ(p.batch, n * h);
  EXPECT_EQ(p.m, s);
  EXPECT_EQ(p.n, d);
  EXPECT_EQ(p.k, s);
  EXPECT_EQ(p.stride_a, s * s);
  EXPECT_EQ(p.stride_b, s * d);
  EXPECT_EQ(p.stride_y, s * d);
  check_matmul({n, h, s, s}, {n, h, s, d}, {n, h, s, d});
  // Swin's windows: [N * windows, H, S, D] products, the same form with a larger batch.
  check_matmul({6, h, 5, d}, {6, h, d, 5}, {6, h, 5, 5});
  for (const Shape& w : {Shape{k, m}, Shape{1, k, m}}) {  // a weight matrix: the batch folds into the rows
    ASSERT_TRUE(cg::matmul_params({n, s, k}, w, {n, s, m}, &p)) << shape_str(w);
    EXPECT_EQ(p.batch, 1);
    EXPECT_EQ(p.m, n * s);
    EXPECT_EQ(p.n, m);
    EXPECT_EQ(p.k, k);
    check_matmul({n, s, k}, w, {n, s, m});
  }
  check_matmul({n, h, s, d}, {d, m}, {n, h, s, m});  // a 4-D activation against a weight
}

TEST(Timing, SampleRepeatedKeepsWhatTheDeviceMeasured) {
  TimingPolicy policy;
  policy.warmup = 2;
  policy.min_iters = 5;
  policy.min_time_s = 0;
  int calls = 0;
  const std::vector<double> s = sample_repeated(policy, [&] { return static_cast<double>(++calls); });
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(s.front(), 3.0);  // the warm-up values are dropped
  int stops = 0;
  EXPECT_TRUE(sample_repeated(
                  policy, [] { return 1.0; }, [&] { return ++stops > 0; })
                  .empty());
}

}  // namespace
}  // namespace dnncost
