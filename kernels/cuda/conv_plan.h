// Host-only arithmetic of Conv on the cuda device (kernels/cuda/conv.cu; no CUDA includes, so every build compiles
// and tests it): the algorithm choice from measured candidates and cuDNN's convolution descriptor, and the 1x1
// convolution as one cuBLAS GEMM.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/cuda/plan_common.h"

namespace dnncost::cuda_geometry {

// --- convolution algorithm choice ------------------------------------------------------------------------------

// One measured candidate of cudnnFindConvolutionForwardAlgorithmEx, as the choice needs it.
struct ConvCandidate {
  int algorithm = 0;
  bool ok = false;  // status CUDNN_STATUS_SUCCESS
  float time_ms = 0;
  int64_t workspace = 0;    // bytes
  bool tensor_ops = false;  // measured with math type TENSOR_OP or TENSOR_OP_ALLOW_CONVERSION (TF32/FP16 rounding)
};

// The candidates worth trying, fastest first: successful, workspace within `limit`, and in fp32 math
// (!allow_reduced_precision) none measured with tensor-core math (the kernel then forces CUDNN_FMA_MATH and asks
// for the workspace again, taking the first that still fits).
inline std::vector<size_t> rank_conv_algorithms(const std::vector<ConvCandidate>& c, int64_t limit,
                                                bool allow_reduced_precision) {
  std::vector<size_t> order;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c[i].ok || c[i].workspace > limit || c[i].time_ms < 0) continue;
    if (!allow_reduced_precision && c[i].tensor_ops) continue;
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&c](size_t a, size_t b) { return c[a].time_ms < c[b].time_ms; });
  return order;
}

// Of the ranked candidates (`order`, rank_conv_algorithms' result), those timed again before the choice: the first
// `max_count` whose search time is at most `slack` times the fastest's. cudnnFindConvolutionForwardAlgorithmEx runs
// each algorithm once, cold, so two close algorithms can come out in the wrong order; the kernel times these again
// (a warm-up call, then the median of several) and keeps the fastest.
inline std::vector<size_t> conv_retime_set(const std::vector<ConvCandidate>& c, const std::vector<size_t>& order,
                                           size_t max_count = 4, float slack = 3.0f) {
  std::vector<size_t> out;
  if (order.empty()) return out;
  const float best = c[order.front()].time_ms;
  for (size_t i : order) {
    if (out.size() >= max_count) break;
    if (c[i].time_ms > best * slack) break;  // ranked: every later one is slower still
    out.push_back(i);
  }
  return out;
}

// The median of `times` (ms); negative entries (runs that failed) are left out; -1 when none is left.
inline float median_ms(std::vector<float> times) {
  times.erase(std::remove_if(times.begin(), times.end(), [](float t) { return t < 0; }), times.end());
  if (times.empty()) return -1;
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5f * (times[n / 2 - 1] + times[n / 2]);
}

// --- convolution descriptor ------------------------------------------------------------------------------------

// cuDNN's view of an N-d convolution: 4-D or 5-D tensors (a 1-D convolution gets a trailing spatial axis of 1),
// symmetric pads, int dims.
struct ConvDescriptor {
  std::vector<int> x, w, y;  // NC + spatial, KC/g + spatial, NK + spatial
  std::vector<int> pads, strides, dilations;
  int groups = 1;
};

// The descriptor for input x, weight w, output y with per-axis strides, dilations and begin/end pads; false when
// cuDNN cannot run it as one call (asymmetric pads, rank outside 3..5, dims beyond int, an output size that does not
// follow from the pads).
inline bool conv_descriptor(const Shape& x, const Shape& w, const Shape& y, const std::vector<int64_t>& strides,
                            const std::vector<int64_t>& dilations, const std::vector<int64_t>& pads_begin,
                            const std::vector<int64_t>& pads_end, int64_t groups, ConvDescriptor* result) {
  if (x.size() < 3 || x.size() > 5 || w.size() != x.size() || y.size() != x.size()) return false;
  const size_t spatial = x.size() - 2;
  if (strides.size() != spatial || dilations.size() != spatial || pads_begin.size() != spatial ||
      pads_end.size() != spatial)
    return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!fits_int(x[i]) || !fits_int(w[i]) || !fits_int(y[i])) return false;
  if (!fits_int(groups) || groups < 1) return false;
  ConvDescriptor out;
  out.groups = static_cast<int>(groups);
  for (size_t i = 0; i < x.size(); ++i) {
    out.x.push_back(static_cast<int>(x[i]));
    out.w.push_back(static_cast<int>(w[i]));
    out.y.push_back(static_cast<int>(y[i]));
  }
  for (size_t d = 0; d < spatial; ++d) {
    if (pads_begin[d] != pads_end[d]) return false;
    const int64_t extent = (w[2 + d] - 1) * dilations[d] + 1;
    if ((x[2 + d] + 2 * pads_begin[d] - extent) / strides[d] + 1 != y[2 + d]) return false;
    if (!fits_int(pads_begin[d]) || !fits_int(strides[d]) || !fits_int(dilations[d])) return false;
    out.pads.push_back(static_cast<int>(pads_begin[d]));
    out.strides.push_back(static_cast<int>(strides[d]));
    out.dilations.push_back(static_cast<int>(dilations[d]));
  }
  if (spatial == 1) {  // 1-D: [N, C, L] as [N, C, L, 1]
    out.x.push_back(1);
    out.w.push_back(1);
    out.y.push_back(1);
    out.pads.push_back(0);
    out.strides.push_back(1);
    out.dilations.push_back(1);
  }
  *result = out;
  return true;
}

// A 1x1 convolution (every kernel axis 1, strides 1, no pads, one group) as a batched GEMM on NCHW buffers. Per
// image n: Y_n [K, HW] = W [K, C] x X_n [C, HW]; in cuBLAS's column-major terms Y_n^T = X_n^T W^T: m = HW, n = K,
// k = C, A = X_n (lda m, stride C*HW), B = W (ldb k, stride 0), C = Y_n (ldc m, stride K*HW), `batch` = N.
struct Conv1x1Gemm {
  int m = 0, n = 0, k = 0, batch = 0;
  int64_t stride_a = 0, stride_c = 0;
};

// How Conv picks between cuDNN and the cuBLAS GEMM for a 1x1 convolution: the faster measured (the default). Tests
// force one path for the kernels built afterwards, to check both against the reference.
enum class ConvPath { kMeasured, kCudnn, kGemm };
inline ConvPath& conv_path_forced() {
  static ConvPath path = ConvPath::kMeasured;
  return path;
}

// The GEMM of descriptor d when it is a 1x1 convolution cuBLAS can run as one strided batched call; else false.
inline bool conv_1x1_as_gemm(const ConvDescriptor& d, Conv1x1Gemm* g) {
  if (d.groups != 1 || d.x.size() < 3 || d.w.size() != d.x.size() || d.y.size() != d.x.size()) return false;
  if (d.x[1] != d.w[1] || d.y[1] != d.w[0] || d.x[0] != d.y[0]) return false;
  int64_t hw = 1;
  for (size_t i = 2; i < d.x.size(); ++i) {
    if (d.w[i] != 1 || d.x[i] != d.y[i]) return false;
    hw *= d.x[i];
  }
  for (int s : d.strides)
    if (s != 1) return false;
  for (int p : d.pads)
    if (p != 0) return false;
  if (!fits_int(hw) || hw == 0) return false;
  g->m = static_cast<int>(hw);
  g->n = d.w[0];
  g->k = d.w[1];
  g->batch = d.x[0];
  g->stride_a = static_cast<int64_t>(d.x[1]) * hw;
  g->stride_c = static_cast<int64_t>(d.y[1]) * hw;
  return true;
}

}  // namespace dnncost::cuda_geometry
