// Softmax and LogSoftmax on the cuda device: cudnnSoftmaxForward (accurate or log mode) as channel mode on the
// [outer, length, inner, 1] view the layer resolved (layers/softmax.h: one axis in opset 13+, the flattened trailing
// dims before). Anything else returns nullptr (the host reference runs it).
#include "layers/softmax.h"

#include <cudnn.h>

#include <string>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/cudnn_descriptors.h"
#include "kernels/cuda/plan_common.h"

namespace dnncost::cuda {
namespace {

class SoftmaxKernel : public CudaKernel {
 public:
  cudnnHandle_t handle = nullptr;
  TensorDesc x_desc;
  cudnnSoftmaxAlgorithm_t algorithm = CUDNN_SOFTMAX_ACCURATE;

  void bind(const KernelBinding& b) override {
    x_ = b.inputs[0];
    y_ = b.outputs[0];
  }
  void execute(cudaStream_t) override {
    const float one = 1.f, zero = 0.f;
    DNNCOST_CUDNN_CHECK(
        cudnnSoftmaxForward(handle, algorithm, CUDNN_SOFTMAX_MODE_CHANNEL, &one, x_desc, x_, &zero, x_desc, y_));
  }

 private:
  const void* x_ = nullptr;
  void* y_ = nullptr;
};

std::unique_ptr<CudaKernel> make_softmax(const KernelRequest& r) {
  const SoftmaxParams* s = r.parsed<SoftmaxParams>();
  if (!s || !r.runtime_float(0) || !r.only_first_output()) return nullptr;
  const Shape& x = r.input(0).shape;
  if (x.empty() || r.output(0).shape != x) return nullptr;
  const bool log = s->log;
  // cuDNN's strides are int: the whole tensor must fit.
  if (!cuda_geometry::fits_int(shape_numel(x)) || shape_numel(x) == 0) return nullptr;
  auto k = std::make_unique<SoftmaxKernel>();
  k->handle = r.ctx.cudnn;
  k->algorithm = log ? CUDNN_SOFTMAX_LOG : CUDNN_SOFTMAX_ACCURATE;
  set_packed(k->x_desc, {static_cast<int>(s->outer), static_cast<int>(s->length), static_cast<int>(s->inner), 1});
  k->implementation = std::string("cuDNN cudnnSoftmaxForward ") + (log ? "LOG" : "ACCURATE") + " CHANNEL";
  k->details["outer,dim,inner"] =
      std::to_string(s->outer) + "," + std::to_string(s->length) + "," + std::to_string(s->inner);
  k->details["layouts"] = "row-major";
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Softmax", make_softmax);
DNNCOST_REGISTER_CUDA_KERNEL("LogSoftmax", make_softmax);

}  // namespace
}  // namespace dnncost::cuda
