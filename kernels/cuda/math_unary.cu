// One-operand math on the cuda device: Sqrt, Exp, Log, Reciprocal (float32), Neg, Abs (float32, int64, int32), Erf,
// Gelu (approximate "none" and "tanh") and Not (bool). One grid-stride kernel per functor of kernels/math_functors.h,
// activation_functors.h and compare_functors.h (the ref path's math), in place when the input dies here. The decision
// is kernels/cuda/math_unary_plan.h.
#include "kernels/activation_functors.h"
#include "kernels/compare_functors.h"
#include "kernels/cuda/math_unary_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/typed_elementwise.cuh"
#include "kernels/math_functors.h"

namespace dnncost::cuda {
namespace {

class UnaryMathKernel : public OwnKernel {
 public:
  UnaryMathConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      switch (config.dtype) {
        case DType::kFloat32:
          run_float<Index>(stream);
          break;
        case DType::kInt64:
          run_integer<int64_t, Index>(stream);
          break;
        case DType::kInt32:
          run_integer<int32_t, Index>(stream);
          break;
        case DType::kBool:
          if (config.op == UnaryMathOp::kNot) launch<uint8_t, Index>(stream, NotFn{});
          break;
        default:
          break;
      }
    });
    check_launch("unary math kernel");
  }

 private:
  template <typename T, typename Index, typename Fn>
  void launch(cudaStream_t stream, Fn fn) {
    unary_map_kernel<T, T, Fn, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
        static_cast<const T*>(operand(0)), static_cast<T*>(output(0)), static_cast<Index>(config.elements), fn);
  }

  template <typename Index>
  void run_float(cudaStream_t stream) {
    switch (config.op) {
      case UnaryMathOp::kSqrt:
        return launch<float, Index>(stream, SqrtFn{});
      case UnaryMathOp::kExp:
        return launch<float, Index>(stream, ExpFn{});
      case UnaryMathOp::kLog:
        return launch<float, Index>(stream, LogFn{});
      case UnaryMathOp::kReciprocal:
        return launch<float, Index>(stream, ReciprocalFn{});
      case UnaryMathOp::kNeg:
        return launch<float, Index>(stream, NegFn{});
      case UnaryMathOp::kAbs:
        return launch<float, Index>(stream, AbsFn{});
      case UnaryMathOp::kErf:
        return launch<float, Index>(stream, ErfFn{});
      case UnaryMathOp::kGeluErf:
        return launch<float, Index>(stream, GeluErfFn{});
      case UnaryMathOp::kGeluTanh:
        return launch<float, Index>(stream, GeluTanhFn{});
      case UnaryMathOp::kNot:
        return;
    }
  }

  template <typename T, typename Index>
  void run_integer(cudaStream_t stream) {
    if (config.op == UnaryMathOp::kNeg)
      launch<T, Index>(stream, NegFn{});
    else if (config.op == UnaryMathOp::kAbs)
      launch<T, Index>(stream, AbsFn{});
  }
};

std::unique_ptr<CudaKernel> make_unary_math(const KernelRequest& r) {
  UnaryMathConfig c;
  if (!plan_unary_math(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<UnaryMathKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, c.elements, k->geometry);
  k->take_input(r, 0);
  k->in_place_input = 0;
  k->implementation = std::string("dnncost unary<") + unary_math_name(c.op) + ">";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["dtype"] = dtype_name(c.dtype);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Sqrt", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Exp", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Log", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Reciprocal", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Neg", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Abs", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Erf", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Gelu", guarded_factory(make_unary_math));
DNNCOST_REGISTER_CUDA_KERNEL("Not", guarded_factory(make_unary_math));

}  // namespace
}  // namespace dnncost::cuda
