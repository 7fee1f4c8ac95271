// Host-only arithmetic of the cuda device (no CUDA includes, so every build compiles and tests it): the --math and
// --workspace-mb options, the device memory layout (weight region, alignment), the convolution algorithm choice
// from measured candidates, the row-major GEMM/MatMul parameters for column-major cuBLAS, the cuDNN pooling and
// softmax shapes, and the convolution descriptor parameters. The cuDNN/cuBLAS kernels (engine/cuda/*.cu) call these
// and only these, so what is tested here is what runs on the GPU.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/tensor.h"

namespace dnncost::cuda_geometry {

// --- options -------------------------------------------------------------------------------------------------

// Throws ModelError naming --math unless `math` is fp32, tf32 or fp16.
inline void check_math(const std::string& math) {
  if (math != "fp32" && math != "tf32" && math != "fp16")
    throw ModelError("--math " + math +
                     ": expected fp32 (default: no tensor-core rounding, compares with the CPU), "
                     "tf32 or fp16");
}

constexpr int64_t kMaxWorkspaceMb = int64_t{1} << 20;  // 1 TiB: beyond any GPU
constexpr int64_t kAutoWorkspaceMb = -1;               // --workspace-mb auto (the default)
constexpr int64_t kAutoWorkspaceCapMb = 4096;          // auto: at most this much ...
constexpr int64_t kAutoWorkspaceFreeDivisor = 4;       // ... and at most this fraction of the free memory

// Throws ModelError naming --workspace-mb unless mb is kAutoWorkspaceMb or 0 <= mb <= kMaxWorkspaceMb; returns the
// limit in bytes (kAutoWorkspaceMb for auto, resolved by the session with auto_workspace_bytes).
inline int64_t workspace_limit_bytes(int64_t mb) {
  if (mb == kAutoWorkspaceMb) return kAutoWorkspaceMb;
  if (mb < 0 || mb > kMaxWorkspaceMb)
    throw ModelError("--workspace-mb " + std::to_string(mb) + ": expected auto or 0 to " +
                     std::to_string(kMaxWorkspaceMb) + " (MiB of scratch one layer may use)");
  return mb << 20;
}

// --workspace-mb's text: "auto" (kAutoWorkspaceMb) or a whole number of MiB in range; ModelError naming the option.
inline int64_t parse_workspace_mb(const std::string& text) {
  if (text == "auto") return kAutoWorkspaceMb;
  size_t used = 0;
  long long mb = -2;
  try {
    mb = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || mb < 0)
    throw ModelError("--workspace-mb " + text + ": expected auto or a whole number of MiB, 0 to " +
                     std::to_string(kMaxWorkspaceMb));
  workspace_limit_bytes(mb);
  return mb;
}

// The workspace limit --workspace-mb auto gives a session: the smallest of kAutoWorkspaceCapMb, a quarter of the
// device memory free after the context and handles, and half of what that free memory leaves beside the plan's
// weights and activations (`need_bytes`), so that a batch which fits without workspace is not pushed out of memory
// by it. (PyTorch's cudnn.benchmark considers every algorithm whose workspace it can allocate; a fixed small limit
// rules out the FFT and Winograd algorithms at large batches.)
inline int64_t auto_workspace_bytes(int64_t free_bytes, int64_t need_bytes = 0) {
  const int64_t free = std::max<int64_t>(0, free_bytes);
  const int64_t quarter = free / kAutoWorkspaceFreeDivisor;
  const int64_t left_half = std::max<int64_t>(0, free - std::max<int64_t>(0, need_bytes)) / 2;
  return std::min<int64_t>({kAutoWorkspaceCapMb << 20, quarter, left_half});
}

// --- device memory layout --------------------------------------------------------------------------------------

constexpr int64_t kDeviceAlignment = 256;  // cudaMalloc's alignment; every constant starts at a multiple of it

inline int64_t align_up(int64_t bytes, int64_t alignment = kDeviceAlignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

// Where each constant of each step lies in the one weight region: offsets[step][k], and the region's size.
struct WeightLayout {
  std::vector<std::vector<int64_t>> offsets;
  int64_t bytes = 0;
};

// Constants placed one after another, each aligned; sizes[step][k] in bytes (a 0-byte constant takes no room).
inline WeightLayout layout_weights(const std::vector<std::vector<int64_t>>& sizes) {
  WeightLayout w;
  for (const auto& step : sizes) {
    std::vector<int64_t> offs;
    for (int64_t n : step) {
      offs.push_back(w.bytes);
      w.bytes += align_up(n);
    }
    w.offsets.push_back(std::move(offs));
  }
  return w;
}

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

inline bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

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

// Row-major strides of int dims.
inline std::vector<int> packed_strides(const std::vector<int>& dims) {
  std::vector<int> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

// --- pooling ---------------------------------------------------------------------------------------------------

// cuDNN pooling parameters (symmetric pads, floor-mode output) for 1-D..3-D pooling; a 1-D pool gets a trailing
// axis of 1 (window 1, stride 1).
struct PoolDescriptor {
  std::vector<int> x, y;  // N, C, spatial (4 or 5 entries)
  std::vector<int> window, pads, strides;
};

// False when cuDNN's pooling does not compute exactly this output: asymmetric or ceil-mode padding (the output
// size differs from cuDNN's floor formula), dilation, or dims beyond int. The own kernel then runs.
inline bool pool_descriptor(const Shape& x, const Shape& y, const std::vector<int64_t>& kernel,
                            const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                            const std::vector<int64_t>& pads_begin, const std::vector<int64_t>& pads_end,
                            PoolDescriptor* d) {
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size()) return false;
  const size_t spatial = x.size() - 2;
  if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial ||
      pads_begin.size() != spatial || pads_end.size() != spatial)
    return false;
  PoolDescriptor out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!fits_int(x[i]) || !fits_int(y[i])) return false;
    out.x.push_back(static_cast<int>(x[i]));
    out.y.push_back(static_cast<int>(y[i]));
  }
  for (size_t a = 0; a < spatial; ++a) {
    if (dilations[a] != 1 || pads_begin[a] != pads_end[a]) return false;
    if (!fits_int(kernel[a]) || !fits_int(strides[a]) || !fits_int(pads_begin[a])) return false;
    // cuDNN requires the padding to be smaller than the window.
    if (pads_begin[a] >= kernel[a]) return false;
    if ((x[2 + a] + 2 * pads_begin[a] - kernel[a]) / strides[a] + 1 != y[2 + a]) return false;
    out.window.push_back(static_cast<int>(kernel[a]));
    out.pads.push_back(static_cast<int>(pads_begin[a]));
    out.strides.push_back(static_cast<int>(strides[a]));
  }
  if (spatial == 1) {
    out.x.push_back(1);
    out.y.push_back(1);
    out.window.push_back(1);
    out.pads.push_back(0);
    out.strides.push_back(1);
  }
  *d = out;
  return true;
}

// --- softmax ---------------------------------------------------------------------------------------------------

// Softmax over one axis as cuDNN's channel mode on [outer, dim, inner, 1]: opset >= 13 normalises the single axis,
// opsets 1-12 the flattened trailing dims [axis, rank) (inner = 1).
struct SoftmaxShape {
  int64_t outer = 1, dim = 1, inner = 1;
};

inline SoftmaxShape softmax_shape(const Shape& x, int64_t axis, bool coerce_2d) {
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t a = axis < 0 ? axis + rank : axis;
  SoftmaxShape s;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < a)
      s.outer *= x[static_cast<size_t>(i)];
    else if (i == a || coerce_2d)
      s.dim *= x[static_cast<size_t>(i)];
    else
      s.inner *= x[static_cast<size_t>(i)];
  }
  return s;
}

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
