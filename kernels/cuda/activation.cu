// Element-wise activations on the cuda device: Relu, LeakyRelu, Elu, Sigmoid, Tanh, HardSigmoid, HardSwish and
// Clip (bounds from attributes before opset 11, else from plan-time constant inputs; bounds computed at run time
// fall back to the host). One grid-stride kernel per functor of kernels/activation_functors.h (ClampFn for Clip),
// in place when the input dies here.
#include "kernels/cuda/activation_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

class ActivationKernel : public OwnKernel {
 public:
  FusedActivation activation;
  int64_t elements = 0;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    const float* x = static_cast<const float*>(operand(0));
    float* y = static_cast<float*>(output(0));
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      const Index n = static_cast<Index>(elements);
      const float a = activation.alpha, b = activation.beta;
      switch (activation.kind) {
        case ActivationKind::kRelu:
          launch<Index>(stream, x, y, n, ReluFn{});
          break;
        case ActivationKind::kLeakyRelu:
          launch<Index>(stream, x, y, n, LeakyReluFn{a});
          break;
        case ActivationKind::kElu:
          launch<Index>(stream, x, y, n, EluFn{a});
          break;
        case ActivationKind::kSigmoid:
          launch<Index>(stream, x, y, n, SigmoidFn{});
          break;
        case ActivationKind::kTanh:
          launch<Index>(stream, x, y, n, TanhFn{});
          break;
        case ActivationKind::kHardSigmoid:
          launch<Index>(stream, x, y, n, HardSigmoidFn{a, b});
          break;
        case ActivationKind::kHardSwish:
          launch<Index>(stream, x, y, n, HardSwishFn{});
          break;
        case ActivationKind::kClip:
          launch<Index>(stream, x, y, n, ClampFn{a, b});
          break;
        case ActivationKind::kNone:
          break;
      }
    });
    check_launch("activation kernel");
  }

 private:
  template <typename Index, typename Fn>
  void launch(cudaStream_t stream, const float* x, float* y, Index n, Fn fn) {
    unary_kernel<Fn, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(x, y, n, fn);
  }
};

std::unique_ptr<CudaKernel> make_activation(const KernelRequest& r) {
  FusedActivation a;
  if (!plan_activation(r, &a, nullptr)) return nullptr;
  auto k = std::make_unique<ActivationKernel>();
  k->activation = a;
  k->elements = shape_numel(r.input(0).shape);
  k->geometry = grid_stride_geometry(k->elements);
  k->int32 = fits_int32_indexing(k->elements, k->elements, k->geometry);
  k->take_input(r, 0);
  k->in_place_input = 0;
  k->implementation = "dnncost unary<" + r.node().op_type + ">";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["index"] = index_text(k->int32);
  if (a.kind == ActivationKind::kLeakyRelu || a.kind == ActivationKind::kElu) {
    k->details["alpha"] = std::to_string(a.alpha);
  } else if (a.kind == ActivationKind::kHardSigmoid || a.kind == ActivationKind::kClip) {
    k->details["alpha"] = std::to_string(a.alpha);
    k->details["beta"] = std::to_string(a.beta);
  }
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Relu", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("LeakyRelu", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("Elu", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("Sigmoid", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("Tanh", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("HardSigmoid", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("HardSwish", guarded_factory(make_activation));
DNNCOST_REGISTER_CUDA_KERNEL("Clip", guarded_factory(make_activation));

}  // namespace
}  // namespace dnncost::cuda
