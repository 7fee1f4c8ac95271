// Pow on the cuda device with numpy broadcasting: a float32 base and a float32, int64 or int32 exponent (the opset-13
// decomposed LayerNorm's Pow(x - mean, 2.0)), with the shared PowFn (kernels/math_functors.h: powf, as the ref path);
// the decision is kernels/cuda/broadcast_ops_plan.h. Integer bases (shape arithmetic) and Mod run on the host.
#include "kernels/cuda/broadcast_ops_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/typed_elementwise.cuh"
#include "kernels/math_functors.h"

namespace dnncost::cuda {
namespace {

class PowKernel : public OwnKernel {
 public:
  PowConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      switch (config.exponent) {
        case DType::kFloat32:
          launch<float, Index>(stream);
          break;
        case DType::kInt64:
          launch<int64_t, Index>(stream);
          break;
        case DType::kInt32:
          launch<int32_t, Index>(stream);
          break;
        default:
          break;
      }
    });
    check_launch("pow kernel");
  }

 private:
  template <typename TE, typename Index>
  void launch(cudaStream_t stream) {
    broadcast_map_kernel<float, TE, float, PowFn, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
        config.table, static_cast<const float*>(operand(0)), static_cast<const TE*>(operand(1)),
        static_cast<float*>(output(0)), static_cast<Index>(config.elements), PowFn{});
  }
};

std::unique_ptr<CudaKernel> make_pow(const KernelRequest& r) {
  PowConfig c;
  if (!plan_pow(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<PowKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, table_max_offset(c.table), k->geometry);
  for (size_t i = 0; i < 2; ++i) k->take_input(r, i);
  k->in_place_input = c.in_place_input;
  k->implementation = "dnncost broadcast_binary<Pow>";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["exponent"] = dtype_name(c.exponent);
  k->details["merged_dims"] = dims_text(c.table.dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Pow", guarded_factory(make_pow));

}  // namespace
}  // namespace dnncost::cuda
