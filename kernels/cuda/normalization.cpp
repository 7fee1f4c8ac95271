// cuDNN normalisation steps of the cuda device: BatchNormalization (inference, per channel:
// cudnnBatchNormalizationForwardInference) and LRN across channels (cudnnLRNCrossChannelForward; odd sizes 1..16, the
// window ONNX and cuDNN share). Anything else returns nullptr (the host reference runs it).
#include <cudnn.h>

#include <string>

#include "kernels/cuda/plan_common.h"
#include "layers/batchnorm.h"
#include "layers/lrn.h"
#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/cudnn_descriptors.h"

namespace dnncost::cuda {
namespace {

// Rank 2..5 [N, C, ...] as cuDNN's 4-D or 5-D dims (trailing axes of 1); empty when a dim exceeds int.
std::vector<int> nchw_dims(const Shape& s) {
  if (s.size() < 2 || s.size() > 5) return {};
  std::vector<int> d;
  for (int64_t v : s) {
    if (!cuda_geometry::fits_int(v)) return {};
    d.push_back(static_cast<int>(v));
  }
  while (d.size() < 4) d.push_back(1);
  return d;
}

bool float_constant(const KernelRequest& r, size_t i) {
  return r.constant(i) && r.constant(i)->dtype() == DType::kFloat32;
}

class BatchNormKernel : public CudaKernel {
 public:
  cudnnHandle_t handle = nullptr;
  TensorDesc x_desc, stats_desc;
  double epsilon = 1e-5;

  void bind(const KernelBinding& b) override {
    x_ = b.inputs[0];
    y_ = b.outputs[0];
    for (size_t i = 0; i < 4; ++i) stats_[i] = b.constants[i];
  }
  void execute(cudaStream_t) override {
    const float one = 1.f, zero = 0.f;
    DNNCOST_CUDNN_CHECK(cudnnBatchNormalizationForwardInference(handle, CUDNN_BATCHNORM_SPATIAL, &one, &zero, x_desc,
                                                                x_, x_desc, y_, stats_desc, stats_[0], stats_[1],
                                                                stats_[2], stats_[3], epsilon));
  }

 private:
  const void* x_ = nullptr;
  void* y_ = nullptr;
  const void* stats_[4] = {nullptr, nullptr, nullptr, nullptr};  // scale, B, mean, var
};

std::unique_ptr<CudaKernel> make_batchnorm(const KernelRequest& r) {
  const BatchNormParams* p = r.parsed<BatchNormParams>();
  if (!p || !r.runtime_float(0) || !r.only_first_output() || r.input_count() != 5) return nullptr;
  for (size_t i = 1; i < 5; ++i)
    if (!float_constant(r, i)) return nullptr;
  if (p->training || !p->spatial) return nullptr;
  const Shape& x = r.input(0).shape;
  const std::vector<int> dims = nchw_dims(x);
  if (dims.empty() || r.output(0).shape != x) return nullptr;
  for (size_t i = 1; i < 5; ++i)
    if (r.constant(i)->numel() != x[1]) return nullptr;
  auto k = std::make_unique<BatchNormKernel>();
  k->handle = r.ctx.cudnn;
  k->epsilon = p->epsilon;
  if (k->epsilon < CUDNN_BN_MIN_EPSILON) return nullptr;
  set_packed(k->x_desc, dims);
  DNNCOST_CUDNN_CHECK(cudnnDeriveBNTensorDescriptor(k->stats_desc, k->x_desc, CUDNN_BATCHNORM_SPATIAL));
  for (size_t i = 1; i < 5; ++i) k->add_constant(r.constant(i)->raw(), r.constant(i)->bytes());
  k->implementation = "cuDNN cudnnBatchNormalizationForwardInference SPATIAL";
  k->details["layouts"] = layout_name(dims.size());
  k->details["epsilon"] = std::to_string(k->epsilon);
  return k;
}

class LrnKernel : public CudaKernel {
 public:
  cudnnHandle_t handle = nullptr;
  TensorDesc x_desc;
  LrnDesc lrn_desc;

  void bind(const KernelBinding& b) override {
    x_ = b.inputs[0];
    y_ = b.outputs[0];
  }
  void execute(cudaStream_t) override {
    const float one = 1.f, zero = 0.f;
    DNNCOST_CUDNN_CHECK(cudnnLRNCrossChannelForward(handle, lrn_desc, CUDNN_LRN_CROSS_CHANNEL_DIM1, &one, x_desc, x_,
                                                    &zero, x_desc, y_));
  }

 private:
  const void* x_ = nullptr;
  void* y_ = nullptr;
};

std::unique_ptr<CudaKernel> make_lrn(const KernelRequest& r) {
  if (!r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Shape& x = r.input(0).shape;
  if (x.size() != 4 || r.output(0).shape != x) return nullptr;
  const std::vector<int> dims = nchw_dims(x);
  if (dims.empty()) return nullptr;
  const LrnParams* p = r.parsed<LrnParams>();
  if (!p) return nullptr;
  const int64_t size = p->size;
  const double alpha = p->alpha, beta = p->beta, bias = p->bias;
  // cuDNN's window is centred: only odd sizes match ONNX's floor/ceil split; its limits on n, k and beta.
  if (size % 2 == 0 || size < CUDNN_LRN_MIN_N || size > CUDNN_LRN_MAX_N || bias < CUDNN_LRN_MIN_K ||
      beta < CUDNN_LRN_MIN_BETA)
    return nullptr;
  auto k = std::make_unique<LrnKernel>();
  k->handle = r.ctx.cudnn;
  set_packed(k->x_desc, dims);
  // cuDNN divides alpha by the window size itself, as ONNX's formula does (alpha / size * square_sum).
  DNNCOST_CUDNN_CHECK(cudnnSetLRNDescriptor(k->lrn_desc, static_cast<unsigned>(size), alpha, beta, bias));
  k->implementation = "cuDNN cudnnLRNCrossChannelForward";
  k->details["size"] = std::to_string(size);
  k->details["layouts"] = "NCHW";
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("BatchNormalization", make_batchnorm);
DNNCOST_REGISTER_CUDA_KERNEL("LRN", make_lrn);

}  // namespace
}  // namespace dnncost::cuda
