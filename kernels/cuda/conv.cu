// Conv on the cuda device: cuDNN convolution (1-D to 3-D, grouped and depthwise, strided, dilated, symmetric pads),
// the algorithm found by measurement (cudnnFindConvolutionForwardAlgorithmEx on pseudo-random data, the close
// candidates timed again warm) under the workspace limit, with the
// bias and the fusions the graph passes mark on the node ("dnncost.sum": a residual input added, "dnncost.activation":
// an activation applied last; layers/conv.cpp):
//   - no activation or Relu: one cudnnConvolutionBiasActivationForward, y = act(conv(x) + residual + bias) (cuDNN
//     fuses only ReLU, and the identity only with the IMPLICIT_PRECOMP_GEMM algorithm);
//   - otherwise: cudnnConvolutionForward, then dnncost's epilogue kernel y = act(y + bias + residual) with the shared
//     per-element math of kernels/fused_activation.h;
//   - a 1x1 convolution (stride 1, no pads, one group) is also timed as one cuBLAS strided batched GEMM + that
//     epilogue, and runs that way when it measures faster (details.algorithm CUBLAS_GEMM_1x1).
// Asymmetric pads and configurations cuDNN rejects return nullptr (the host reference runs them).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "kernels/cuda/conv_plan.h"
#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/cudnn_descriptors.h"
#include "kernels/cuda/launch_geometry.h"
#include "kernels/fused_activation.h"
#include "layers/conv.h"

namespace dnncost::cuda {
namespace {

constexpr size_t kNone = kNoOperand;

const char* algorithm_name(cudnnConvolutionFwdAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM:
      return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
      return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
      return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT:
      return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING:
      return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    default:
      return "unknown";
  }
}

const char* math_type_name(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_DEFAULT_MATH:
      return "DEFAULT_MATH";
    case CUDNN_TENSOR_OP_MATH:
      return "TENSOR_OP_MATH";
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
      return "TENSOR_OP_MATH_ALLOW_CONVERSION";
    case CUDNN_FMA_MATH:
      return "FMA_MATH";
    default:
      return "unknown";
  }
}

// y[i] = act(y[i] + bias[c] + residual[i]) for y [N, C, spatial...] with `inner` elements per (n, c).
__global__ void conv_epilogue(float* y, const float* bias, const float* residual, FusedActivation act, int64_t n,
                              int64_t channels, int64_t inner) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    float v = y[i];
    if (bias) v = v + bias[(i / inner) % channels];
    if (residual) v = v + residual[i];
    y[i] = act(v);
  }
}

// p[i] = a pseudo-random value in [-1, 1) from a hash of i and `seed`: the algorithm search measures on data like real
// activations, not on zeros (some algorithms run faster on zeros than on real data).
__global__ void fill_probe(float* p, int64_t n, uint32_t seed) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ static_cast<uint32_t>(i >> 32) ^ seed;
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    p[i] = static_cast<float>(h >> 8) * (1.0f / 8388608.0f) - 1.0f;
  }
}

void fill_random(void* p, size_t bytes, uint32_t seed, cudaStream_t stream) {
  const int64_t n = static_cast<int64_t>(bytes / sizeof(float));
  if (n == 0) return;
  const LaunchGeometry g = grid_stride_geometry(n);
  fill_probe<<<static_cast<int>(g.blocks), g.threads, 0, stream>>>(static_cast<float*>(p), n, seed);
  DNNCOST_CUDA_CHECK(cudaGetLastError());
}

// Two events for timing on the session's stream, destroyed with the search.
struct ProbeEvents {
  cudaEvent_t start = nullptr, stop = nullptr;
  ProbeEvents() {
    DNNCOST_CUDA_CHECK(cudaEventCreate(&start));
    DNNCOST_CUDA_CHECK(cudaEventCreate(&stop));
  }
  ~ProbeEvents() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  ProbeEvents(const ProbeEvents&) = delete;
  ProbeEvents& operator=(const ProbeEvents&) = delete;
};

constexpr int kRetimeRuns = 7;  // timed calls per re-timed alternative, after one warm-up call

// Times `count` alternatives on `stream`: prepare(i) readies alternative i on the host (outside the timed span) and
// run(i) enqueues it; either returns false when it failed (it is then left out). The calls are interleaved, round by
// round (round 0 warms up), so that a GPU clock still ramping up during the search slows every alternative alike.
// Returns each one's median ms, -1 for those that failed.
std::vector<float> time_interleaved(size_t count, cudaStream_t stream, const std::function<bool(size_t)>& prepare,
                                    const std::function<bool(size_t)>& run) {
  ProbeEvents ev;
  std::vector<std::vector<float>> times(count);
  std::vector<bool> failed(count, false);
  for (int round = 0; round <= kRetimeRuns; ++round) {
    for (size_t i = 0; i < count; ++i) {
      if (failed[i]) continue;
      if (!prepare(i)) {
        failed[i] = true;
        continue;
      }
      DNNCOST_CUDA_CHECK(cudaEventRecord(ev.start, stream));
      const bool ok = run(i);
      DNNCOST_CUDA_CHECK(cudaEventRecord(ev.stop, stream));
      DNNCOST_CUDA_CHECK(cudaEventSynchronize(ev.stop));
      if (!ok) {
        failed[i] = true;
        continue;
      }
      float ms = 0;
      DNNCOST_CUDA_CHECK(cudaEventElapsedTime(&ms, ev.start, ev.stop));
      if (round > 0) times[i].push_back(ms);
    }
  }
  std::vector<float> medians(count, -1.f);
  for (size_t i = 0; i < count; ++i)
    if (!failed[i]) medians[i] = cuda_geometry::median_ms(times[i]);
  return medians;
}

// Device memory for the algorithm search only (freed when the factory returns).
struct ProbeBuffer {
  void* p = nullptr;
  explicit ProbeBuffer(size_t bytes) { DNNCOST_CUDA_CHECK(cudaMalloc(&p, bytes ? bytes : 1)); }
  ~ProbeBuffer() { cudaFree(p); }
  ProbeBuffer(const ProbeBuffer&) = delete;
  ProbeBuffer& operator=(const ProbeBuffer&) = delete;
};

class ConvKernel : public CudaKernel {
 public:
  TensorDesc x_desc, y_desc, bias_desc;
  FilterDesc w_desc;
  ConvDesc conv_desc;
  ActivationDesc act_desc;
  cudnnConvolutionFwdAlgo_t algorithm = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  bool fused = false;  // cudnnConvolutionBiasActivationForward
  FusedActivation activation;
  // Weights and bias come from the weight region (constants) or, when the graph feeds them, from the arena.
  size_t weight_constant = kNone, weight_input = kNone, bias_constant = kNone, bias_input = kNone;
  size_t residual_input = kNone;  // step input
  int64_t elements = 0, channels = 0, inner = 0;
  int grid = 1;
  // A 1x1 convolution run as one cuBLAS strided batched GEMM, then the epilogue (chosen when measured faster).
  bool use_gemm = false;
  cuda_geometry::Conv1x1Gemm gemm;
  cublasHandle_t blas = nullptr;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;

  void bind(const KernelBinding& b) override {
    x_ = b.inputs[0];
    y_ = b.outputs[0];
    w_ = weight_constant != kNone ? b.constants[weight_constant] : b.inputs[weight_input];
    bias_ = bias_constant != kNone ? b.constants[bias_constant] : bias_input != kNone ? b.inputs[bias_input] : nullptr;
    residual_ = residual_input == kNone ? nullptr : b.inputs[residual_input];
    workspace_ = b.workspace;
  }

  void execute(cudaStream_t stream) override {
    const float one = 1.f, zero = 0.f;
    if (use_gemm) {
      DNNCOST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
          blas, CUBLAS_OP_N, CUBLAS_OP_N, gemm.m, gemm.n, gemm.k, &one, x_, CUDA_R_32F, gemm.m, gemm.stride_a, w_,
          CUDA_R_32F, gemm.k, 0, &zero, y_, CUDA_R_32F, gemm.m, gemm.stride_c, gemm.batch, compute,
          CUBLAS_GEMM_DEFAULT));
      epilogue(stream);
      return;
    }
    if (fused) {
      // z = the residual (alpha2 = 1), or y itself with alpha2 = 0 (not read then).
      DNNCOST_CUDNN_CHECK(cudnnConvolutionBiasActivationForward(
          handle, &one, x_desc, x_, w_desc, w_, conv_desc, algorithm, workspace_, workspace_bytes,
          residual_ ? &one : &zero, y_desc, residual_ ? residual_ : y_, bias_desc, bias_, act_desc, y_desc, y_));
      return;
    }
    DNNCOST_CUDNN_CHECK(cudnnConvolutionForward(handle, &one, x_desc, x_, w_desc, w_, conv_desc, algorithm, workspace_,
                                                workspace_bytes, &zero, y_desc, y_));
    epilogue(stream);
  }

  // y = act(y + bias + residual) when the step has any of them (the unfused paths).
  void epilogue(cudaStream_t stream) {
    if (bias_ || residual_ || activation.kind != ActivationKind::kNone) {
      conv_epilogue<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<float*>(y_), static_cast<const float*>(bias_),
                                              static_cast<const float*>(residual_), activation, elements, channels,
                                              inner);
      DNNCOST_CUDA_CHECK(cudaGetLastError());
    }
  }

  cudnnHandle_t handle = nullptr;

 private:
  const void *x_ = nullptr, *w_ = nullptr, *bias_ = nullptr, *residual_ = nullptr;
  void *y_ = nullptr, *workspace_ = nullptr;
};

cudnnMathType_t requested_math(MathMode m) {
  switch (m) {
    case MathMode::kFp32:
      return CUDNN_FMA_MATH;
    case MathMode::kTf32:
      return CUDNN_TENSOR_OP_MATH;
    case MathMode::kFp16:
      return CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
  }
  return CUDNN_FMA_MATH;
}

std::unique_ptr<CudaKernel> make_conv(const KernelRequest& r) {
  const ConvParams* p = r.parsed<ConvParams>();
  if (!p || !p->operands.ok) return nullptr;
  const size_t inputs = r.input_count();
  const size_t bias = p->operands.bias, residual = p->operands.residual;
  // X at run time; W and B constants (weights) or run-time values (graphs that feed them), float32.
  auto float_input = [&r](size_t i) { return r.present(i) && r.input(i).dtype == DType::kFloat32; };
  if (!r.runtime_float(0) || !float_input(1)) return nullptr;
  if (bias != kNone && !float_input(bias)) return nullptr;
  if (residual != kNone && !r.runtime_float(residual)) return nullptr;
  if (!r.only_first_output() || r.output(0).dtype != DType::kFloat32) return nullptr;

  const FusedActivation act = p->activation;

  const Shape& x = r.input(0).shape;
  const Shape& w = r.input(1).shape;
  const Shape& y = r.output(0).shape;
  if (x.size() < 3 || x.size() > 5) return nullptr;
  const ConvAttributes& g = p->geometry;
  std::vector<int64_t> pads_begin, pads_end;
  if (!resolve_conv_pads(g, x, y, pads_begin, pads_end)) return nullptr;
  cuda_geometry::ConvDescriptor d;
  if (!cuda_geometry::conv_descriptor(x, w, y, g.strides, g.dilations, pads_begin, pads_end, g.group, &d))
    return nullptr;
  const int spatial = static_cast<int>(d.x.size()) - 2;

  auto k = std::make_unique<ConvKernel>();
  k->handle = r.ctx.cudnn;
  set_packed(k->x_desc, d.x);
  set_packed(k->y_desc, d.y);
  DNNCOST_CUDNN_CHECK(cudnnSetFilterNdDescriptor(k->w_desc, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                 static_cast<int>(d.w.size()), d.w.data()));
  DNNCOST_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(k->conv_desc, spatial, d.pads.data(), d.strides.data(),
                                                      d.dilations.data(), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  DNNCOST_CUDNN_CHECK(cudnnSetConvolutionGroupCount(k->conv_desc, d.groups));
  const cudnnMathType_t math = requested_math(r.ctx.math);
  DNNCOST_CUDNN_CHECK(cudnnSetConvolutionMathType(k->conv_desc, math));
  std::vector<int> out_dims(d.y.size());
  DNNCOST_CUDNN_CHECK(cudnnGetConvolutionNdForwardOutputDim(k->conv_desc, k->x_desc, k->w_desc,
                                                            static_cast<int>(out_dims.size()), out_dims.data()));
  if (out_dims != d.y) return nullptr;

  // Measure the algorithms on scratch copies of x, w and y (the real weights when known, zeros otherwise).
  const Tensor* weights = r.constant(1);
  const size_t x_bytes = static_cast<size_t>(shape_numel(x)) * sizeof(float);
  const size_t w_bytes = static_cast<size_t>(shape_numel(w)) * sizeof(float);
  const size_t y_bytes = static_cast<size_t>(shape_numel(y)) * sizeof(float);
  ProbeBuffer px(x_bytes), pw(w_bytes), py(y_bytes);
  fill_random(px.p, x_bytes, 0x5eed0001u, r.ctx.stream);
  if (weights) {
    DNNCOST_CUDA_CHECK(cudaMemcpy(pw.p, weights->raw(), w_bytes, cudaMemcpyHostToDevice));
  } else {
    fill_random(pw.p, w_bytes, 0x5eed0002u, r.ctx.stream);
  }
  // cudaMemcpy runs on the legacy default stream, which does not order work on the session's non-blocking stream:
  // wait for both, so the search measures on these values and not on whatever the allocation held.
  DNNCOST_CUDA_CHECK(cudaStreamSynchronize(r.ctx.stream));
  DNNCOST_CUDA_CHECK(cudaDeviceSynchronize());
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  DNNCOST_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
      r.ctx.cudnn, k->x_desc, px.p, k->w_desc, pw.p, k->conv_desc, k->y_desc, py.p, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
      &returned, perf, r.ctx.probe_workspace, r.ctx.workspace_limit));
  std::vector<cuda_geometry::ConvCandidate> candidates;
  for (int i = 0; i < returned; ++i) {
    cuda_geometry::ConvCandidate c;
    c.algorithm = static_cast<int>(perf[i].algo);
    c.ok = perf[i].status == CUDNN_STATUS_SUCCESS;
    c.time_ms = perf[i].time;
    c.workspace = static_cast<int64_t>(perf[i].memory);
    c.tensor_ops =
        perf[i].mathType == CUDNN_TENSOR_OP_MATH || perf[i].mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    candidates.push_back(c);
  }
  const bool reduced = r.ctx.math != MathMode::kFp32;
  const int64_t limit = static_cast<int64_t>(r.ctx.workspace_limit);
  // fp32: FMA math whatever the search used; otherwise the math the measurement ran with. Sets the math on the
  // descriptor and returns the workspace of candidate i, or -1 when it cannot run within the limit.
  auto prepare = [&](size_t i) -> int64_t {
    if (cudnnSetConvolutionMathType(k->conv_desc, reduced ? perf[i].mathType : CUDNN_FMA_MATH) !=
        CUDNN_STATUS_SUCCESS)
      return -1;
    size_t ws = 0;
    if (cudnnGetConvolutionForwardWorkspaceSize(r.ctx.cudnn, k->x_desc, k->w_desc, k->conv_desc, k->y_desc,
                                                perf[i].algo, &ws) != CUDNN_STATUS_SUCCESS ||
        static_cast<int64_t>(ws) > limit)
      return -1;
    return static_cast<int64_t>(ws);
  };
  std::vector<size_t> order = cuda_geometry::rank_conv_algorithms(candidates, limit, reduced);
  // The close candidates timed again (warm, median of several) and put first in their measured order.
  const std::vector<size_t> retime = cuda_geometry::conv_retime_set(candidates, order);
  std::vector<float> retimed(candidates.size(), -1.f);
  if (retime.size() > 1) {
    const float one = 1.f, zero = 0.f;
    std::vector<int64_t> ws(retime.size());
    for (size_t j = 0; j < retime.size(); ++j) ws[j] = prepare(retime[j]);
    const std::vector<float> medians = time_interleaved(
        retime.size(), r.ctx.stream,
        [&](size_t j) { return ws[j] >= 0 && prepare(retime[j]) >= 0; },  // sets candidate j's math on the descriptor
        [&](size_t j) {
          return cudnnConvolutionForward(r.ctx.cudnn, &one, k->x_desc, px.p, k->w_desc, pw.p, k->conv_desc,
                                         perf[retime[j]].algo, r.ctx.probe_workspace, static_cast<size_t>(ws[j]),
                                         &zero, k->y_desc, py.p) == CUDNN_STATUS_SUCCESS;
        });
    std::string search;
    for (size_t j = 0; j < retime.size(); ++j) {
      const size_t i = retime[j];
      retimed[i] = medians[j];
      search += std::string(search.empty() ? "" : ", ") + algorithm_name(perf[i].algo) + " " +
                (retimed[i] < 0 ? std::string("failed") : std::to_string(retimed[i]) + " ms");
    }
    k->details["retimed"] = search;
    std::vector<size_t> front;
    for (size_t i : retime)
      if (retimed[i] >= 0) front.push_back(i);
    std::stable_sort(front.begin(), front.end(), [&](size_t a, size_t b) { return retimed[a] < retimed[b]; });
    for (size_t i : order)
      if (std::find(front.begin(), front.end(), i) == front.end()) front.push_back(i);
    order = front;
  }
  bool chosen = false;
  cudnnMathType_t chosen_math = math;
  for (size_t i : order) {
    const int64_t ws = prepare(i);
    if (ws < 0) continue;
    chosen_math = reduced ? perf[i].mathType : CUDNN_FMA_MATH;
    k->algorithm = perf[i].algo;
    k->workspace_bytes = static_cast<size_t>(ws);
    k->details["search_ms"] = std::to_string(perf[i].time);
    if (retimed[i] >= 0) k->details["retimed_ms"] = std::to_string(retimed[i]);
    chosen = true;
    break;
  }
  if (!chosen) return nullptr;

  const int64_t out_channels = y[1];
  if (weights) {
    k->weight_constant = k->add_constant(weights->raw(), weights->bytes());
  } else {
    k->weight_input = 1;
  }
  const bool relu_or_none = act.kind == ActivationKind::kNone || act.kind == ActivationKind::kRelu;
  k->fused = relu_or_none &&
             (act.kind == ActivationKind::kRelu || k->algorithm == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM);
  if (k->fused) {
    std::vector<int> bias_dims(d.y.size(), 1);
    bias_dims[1] = static_cast<int>(out_channels);
    set_packed(k->bias_desc, bias_dims);
    DNNCOST_CUDNN_CHECK(cudnnSetActivationDescriptor(
        k->act_desc, act.kind == ActivationKind::kRelu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
        CUDNN_PROPAGATE_NAN, 0.0));
    // cuDNN runs the fused call for fewer configurations than the plain convolution (algorithm, groups, math type
    // and layout combinations) and says so only when it is called. Call it once now on the probe buffers, exactly
    // as execute() will (z = the output, alpha2 = 1 with a residual, else 0): when cuDNN rejects it, the step runs
    // the plain convolution and the epilogue kernel instead of failing at run time, inside the CUDA graph capture.
    ProbeBuffer probe_bias(static_cast<size_t>(out_channels) * sizeof(float));
    DNNCOST_CUDA_CHECK(cudaMemset(probe_bias.p, 0, static_cast<size_t>(out_channels) * sizeof(float)));
    DNNCOST_CUDA_CHECK(cudaMemset(py.p, 0, y_bytes));
    DNNCOST_CUDA_CHECK(cudaDeviceSynchronize());
    const float one = 1.f, zero = 0.f;
    const cudnnStatus_t probe = cudnnConvolutionBiasActivationForward(
        r.ctx.cudnn, &one, k->x_desc, px.p, k->w_desc, pw.p, k->conv_desc, k->algorithm, r.ctx.probe_workspace,
        k->workspace_bytes, residual != kNone ? &one : &zero, k->y_desc, py.p, k->bias_desc, probe_bias.p,
        k->act_desc, k->y_desc, py.p);
    if (probe != CUDNN_STATUS_SUCCESS) {
      k->fused = false;
      k->details["fused_call_rejected"] = cudnnGetErrorString(probe);
    }
    DNNCOST_CUDA_CHECK(cudaStreamSynchronize(r.ctx.stream));  // the probe buffers are freed when this returns
  }
  // cuDNN's fused call needs a bias: zeros when the node has none.
  if (bias != kNone && r.constant(bias)) {
    k->bias_constant = k->add_constant(r.constant(bias)->raw(), r.constant(bias)->bytes());
  } else if (bias != kNone) {
    k->bias_input = bias;
  } else if (k->fused) {
    const std::vector<float> zeros(static_cast<size_t>(out_channels), 0.f);
    k->bias_constant = k->add_constant(zeros.data(), zeros.size() * sizeof(float));
  }
  k->residual_input = residual;
  k->activation = act;
  k->elements = shape_numel(y);
  k->channels = out_channels;
  k->inner = k->channels ? k->elements / (y[0] * k->channels) : 1;
  if (k->inner < 1) k->inner = 1;
  k->grid = capped_grid_blocks(k->elements);

  // A 1x1 convolution may also run as one cuBLAS strided batched GEMM and the epilogue. Both ways are timed as
  // execute() runs them (warm, interleaved, median), on the probe buffers; the faster is kept.
  std::string gemm_timing;
  if (cuda_geometry::conv_1x1_as_gemm(d, &k->gemm)) {
    k->blas = r.ctx.cublas;
    k->compute = cublas_compute_type(r.ctx.math);
    const size_t bias_bytes = static_cast<size_t>(out_channels) * sizeof(float);
    ProbeBuffer pbias(bias_bytes), pres(residual != kNone ? y_bytes : 0);
    fill_random(pbias.p, bias_bytes, 0x5eed0003u, r.ctx.stream);
    if (residual != kNone) fill_random(pres.p, y_bytes, 0x5eed0004u, r.ctx.stream);
    KernelBinding b;
    b.inputs.assign(r.input_count(), nullptr);
    b.inputs[0] = px.p;
    b.constants.assign(k->constants.size(), nullptr);
    if (k->weight_constant != kNone) b.constants[k->weight_constant] = pw.p;
    if (k->weight_input != kNone) b.inputs[k->weight_input] = pw.p;
    if (k->bias_constant != kNone) b.constants[k->bias_constant] = pbias.p;
    if (k->bias_input != kNone) b.inputs[k->bias_input] = pbias.p;
    if (residual != kNone) b.inputs[residual] = pres.p;
    b.outputs = {py.p};
    b.workspace = r.ctx.probe_workspace;
    k->bind(b);
    // Alternative 0: cuDNN as chosen above; 1: the GEMM. execute() throws on a failed call.
    std::string failure[2];
    const std::vector<float> medians = time_interleaved(
        2, r.ctx.stream,
        [&](size_t j) {
          k->use_gemm = j == 1;
          return true;
        },
        [&](size_t j) {
          try {
            k->execute(r.ctx.stream);
            return true;
          } catch (const std::exception& e) {
            failure[j] = e.what();
            cudaGetLastError();
            return false;
          }
        });
    DNNCOST_CUDA_CHECK(cudaStreamSynchronize(r.ctx.stream));  // the probe buffers are freed when this block ends
    if (!failure[0].empty()) k->details["cudnn_failed"] = failure[0];
    if (!failure[1].empty()) k->details["gemm_failed"] = failure[1];
    const float cudnn_ms = medians[0], gemm_ms = medians[1];
    switch (cuda_geometry::conv_path_forced()) {
      case cuda_geometry::ConvPath::kMeasured:
        k->use_gemm = gemm_ms >= 0 && (cudnn_ms < 0 || gemm_ms < cudnn_ms);
        break;
      case cuda_geometry::ConvPath::kCudnn:
        k->use_gemm = false;
        break;
      case cuda_geometry::ConvPath::kGemm:
        k->use_gemm = gemm_ms >= 0;
        break;
    }
    auto ms_text = [](float t) { return t < 0 ? std::string("failed") : std::to_string(t) + " ms"; };
    gemm_timing = std::string("cuDNN ") + algorithm_name(k->algorithm) + " " + ms_text(cudnn_ms) +
                  ", cuBLAS GEMM " + ms_text(gemm_ms);
    if (k->use_gemm) {
      k->workspace_bytes = 0;
      // The zero bias only cuDNN's fused call needed (the constant added last).
      if (bias == kNone && k->bias_constant != kNone && k->bias_constant + 1 == k->constants.size()) {
        k->constants.pop_back();
        k->bias_constant = kNone;
      }
      k->fused = false;
    }
  }

  std::string what = k->use_gemm ? std::string("cuBLAS 1x1 conv as GEMM (cublasGemmStridedBatchedEx)")
                                 : std::string("cuDNN conv ") + algorithm_name(k->algorithm);
  std::string epilogue;
  if (k->fused) {
    epilogue = std::string(" + bias") + (residual != kNone ? " + residual" : "") +
               (act.kind == ActivationKind::kRelu ? " + Relu" : "") + " (cudnnConvolutionBiasActivationForward)";
  } else if (bias != kNone || residual != kNone || act.kind != ActivationKind::kNone) {
    epilogue = std::string(" + dnncost epilogue (") + (bias != kNone ? "bias" : "") +
               (residual != kNone ? (bias != kNone ? ", residual" : "residual") : "") +
               (act.kind != ActivationKind::kNone ? std::string(bias != kNone || residual != kNone ? ", " : "") +
                                                        activation_op_type(act.kind)
                                                  : "") +
               ")";
  }
  k->implementation = what + epilogue;
  if (!gemm_timing.empty()) k->details["timed"] = gemm_timing;
  if (k->use_gemm) {
    k->details["algorithm"] = "CUBLAS_GEMM_1x1";
    k->details["math"] = cublas_compute_name(r.ctx.math);
    k->details["gemm"] = "m,n,k,batch " + std::to_string(k->gemm.m) + "," + std::to_string(k->gemm.n) + "," +
                         std::to_string(k->gemm.k) + "," + std::to_string(k->gemm.batch);
  } else {
    k->details["algorithm"] = algorithm_name(k->algorithm);
    k->details["math"] = math_type_name(chosen_math);
  }
  k->details["workspace"] = std::to_string(k->workspace_bytes);
  k->details["layouts"] = layout_name(x.size()) + " -> " + layout_name(y.size()) + ", weights KCRS";
  k->details["groups"] = std::to_string(d.groups);
  k->details["candidates"] = std::to_string(candidates.size());
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Conv", make_conv);

}  // namespace
}  // namespace dnncost::cuda
