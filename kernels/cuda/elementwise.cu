// Element-wise arithmetic on the cuda device with numpy broadcasting, any rank (up to 8 dims after merging):
// Add, Sub, Mul, Div, PRelu (two operands) and the variadic Sum, Max (folded left to right as the ref path does).
// float32, and int64/int32 where the ref path computes them (integer Div only with a known non-zero divisor).
// Plan-time constant operands (biases, scales, slopes) are uploaded once with the weights.
#include <type_traits>

#include "kernels/cuda/elementwise_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

const char* op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "Add";
    case BinaryOp::kSub:
      return "Sub";
    case BinaryOp::kMul:
      return "Mul";
    case BinaryOp::kDiv:
      return "Div";
    case BinaryOp::kMax:
      return "Max";
    case BinaryOp::kPRelu:
      return "PRelu";
  }
  return "?";
}

template <typename T>
class BroadcastKernel : public OwnKernel {
 public:
  BroadcastConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      const Index n = static_cast<Index>(config.elements);
      T* y = static_cast<T*>(output(0));
      if (config.table.operands == 2) {
        const T* a = static_cast<const T*>(operand(0));
        const T* b = static_cast<const T*>(operand(1));
        switch (config.op) {
          case BinaryOp::kAdd:
            launch_binary<Index>(stream, a, b, y, n, AddFn{});
            break;
          case BinaryOp::kSub:
            launch_binary<Index>(stream, a, b, y, n, SubFn{});
            break;
          case BinaryOp::kMul:
            launch_binary<Index>(stream, a, b, y, n, MulFn{});
            break;
          case BinaryOp::kDiv:
            launch_binary<Index>(stream, a, b, y, n, DivFn{});
            break;
          case BinaryOp::kMax:
            launch_binary<Index>(stream, a, b, y, n, MaxFn{});
            break;
          case BinaryOp::kPRelu:
            if constexpr (std::is_same_v<T, float>) launch_binary<Index>(stream, a, b, y, n, PReluFn{});
            break;
        }
      } else {
        OperandPointers<T> x{};
        for (int k = 0; k < config.table.operands; ++k) x.p[k] = static_cast<const T*>(operand(static_cast<size_t>(k)));
        if (config.op == BinaryOp::kMax)
          broadcast_fold_kernel<T, MaxFn, Index>
              <<<grid_of(geometry), block_of(geometry), 0, stream>>>(config.table, x, y, n, MaxFn{});
        else
          broadcast_fold_kernel<T, AddFn, Index>
              <<<grid_of(geometry), block_of(geometry), 0, stream>>>(config.table, x, y, n, AddFn{});
      }
    });
    check_launch("broadcast kernel");
  }

 private:
  template <typename Index, typename Fn>
  void launch_binary(cudaStream_t stream, const T* a, const T* b, T* y, Index n, Fn fn) {
    broadcast_binary_kernel<T, Fn, Index>
        <<<grid_of(geometry), block_of(geometry), 0, stream>>>(config.table, a, b, y, n, fn);
  }
};

template <typename T>
std::unique_ptr<CudaKernel> build(const KernelRequest& r, const BroadcastConfig& c) {
  auto k = std::make_unique<BroadcastKernel<T>>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, table_max_offset(c.table), k->geometry);
  for (size_t i = 0; i < r.input_count(); ++i) k->take_input(r, i);
  k->in_place_input = c.in_place_input;
  const bool fold = c.table.operands != 2;
  k->implementation = std::string("dnncost ") + (fold ? "broadcast_fold<" : "broadcast_binary<") +
                      (r.node().op_type == "Sum" ? "Add" : op_name(c.op)) + ">";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["dtype"] = dtype_name(c.dtype);
  k->details["merged_dims"] = dims_text(c.table.dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

std::unique_ptr<CudaKernel> make_broadcast(const KernelRequest& r) {
  BroadcastConfig c;
  if (!plan_broadcast(r, &c, nullptr)) return nullptr;
  switch (c.dtype) {
    case DType::kFloat32:
      return build<float>(r, c);
    case DType::kInt64:
      return build<int64_t>(r, c);
    case DType::kInt32:
      return build<int32_t>(r, c);
    default:
      return nullptr;
  }
}

DNNCOST_REGISTER_CUDA_KERNEL("Add", guarded_factory(make_broadcast));
DNNCOST_REGISTER_CUDA_KERNEL("Sub", guarded_factory(make_broadcast));
DNNCOST_REGISTER_CUDA_KERNEL("Mul", guarded_factory(make_broadcast));
DNNCOST_REGISTER_CUDA_KERNEL("Div", guarded_factory(make_broadcast));
DNNCOST_REGISTER_CUDA_KERNEL("Sum", guarded_factory(make_broadcast));
DNNCOST_REGISTER_CUDA_KERNEL("Max", guarded_factory(make_broadcast));
DNNCOST_REGISTER_CUDA_KERNEL("PRelu", guarded_factory(make_broadcast));

}  // namespace
}  // namespace dnncost::cuda
