// Comparisons and logic on the cuda device with numpy broadcasting, bool (one byte) outputs: Equal, Less, Greater,
// LessOrEqual, GreaterOrEqual on float32, int64 and int32 operands, And, Or, Xor on bool. One grid-stride kernel over
// a two-operand index table with the functors of kernels/compare_functors.h (the ref path's math); the decision is
// kernels/cuda/broadcast_ops_plan.h. Attention masks built at run time (GPT-2's causal mask compared against a
// position) run here; comparisons of shapes are folded at plan time.
#include "kernels/compare_functors.h"
#include "kernels/cuda/broadcast_ops_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/typed_elementwise.cuh"

namespace dnncost::cuda {
namespace {

class CompareKernel : public OwnKernel {
 public:
  CompareConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      switch (config.dtype) {
        case DType::kFloat32:
          compare<float, Index>(stream);
          break;
        case DType::kInt64:
          compare<int64_t, Index>(stream);
          break;
        case DType::kInt32:
          compare<int32_t, Index>(stream);
          break;
        case DType::kBool:
          logic<Index>(stream);
          break;
        default:
          break;
      }
    });
    check_launch("compare kernel");
  }

 private:
  template <typename T, typename Index, typename Fn>
  void launch(cudaStream_t stream, Fn fn) {
    broadcast_map_kernel<T, T, uint8_t, Fn, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
        config.table, static_cast<const T*>(operand(0)), static_cast<const T*>(operand(1)),
        static_cast<uint8_t*>(output(0)), static_cast<Index>(config.elements), fn);
  }

  template <typename T, typename Index>
  void compare(cudaStream_t stream) {
    switch (config.op) {
      case CompareOp::kEqual:
        return launch<T, Index>(stream, EqualFn{});
      case CompareOp::kLess:
        return launch<T, Index>(stream, LessFn{});
      case CompareOp::kGreater:
        return launch<T, Index>(stream, GreaterFn{});
      case CompareOp::kLessOrEqual:
        return launch<T, Index>(stream, LessOrEqualFn{});
      case CompareOp::kGreaterOrEqual:
        return launch<T, Index>(stream, GreaterOrEqualFn{});
      default:
        return;
    }
  }

  template <typename Index>
  void logic(cudaStream_t stream) {
    switch (config.op) {
      case CompareOp::kAnd:
        return launch<uint8_t, Index>(stream, AndFn{});
      case CompareOp::kOr:
        return launch<uint8_t, Index>(stream, OrFn{});
      case CompareOp::kXor:
        return launch<uint8_t, Index>(stream, XorFn{});
      default:
        return;
    }
  }
};

std::unique_ptr<CudaKernel> make_compare(const KernelRequest& r) {
  CompareConfig c;
  if (!plan_compare(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<CompareKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, table_max_offset(c.table), k->geometry);
  for (size_t i = 0; i < 2; ++i) k->take_input(r, i);
  k->in_place_input = c.in_place_input;
  k->implementation = "dnncost broadcast_compare<" + r.node().op_type + ">";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["dtype"] = dtype_name(c.dtype);
  k->details["merged_dims"] = dims_text(c.table.dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Equal", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("Less", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("Greater", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("LessOrEqual", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("GreaterOrEqual", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("And", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("Or", guarded_factory(make_compare));
DNNCOST_REGISTER_CUDA_KERNEL("Xor", guarded_factory(make_compare));

}  // namespace
}  // namespace dnncost::cuda
