// Cast on the cuda device between float32/float64, the signed and unsigned integers and bool, with the ref path's
// conversion rules (kernels/cuda/cast_element.h); a Cast to the same type is a copy. Casts touching float16 or
// bfloat16 run on the host (their rounding routines are the ref path's own).
#include "kernels/cuda/cast_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

class CastKernel : public OwnKernel {
 public:
  CastConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    if (config.from == config.to) {
      if (operand(0) != output(0))
        DNNCOST_CUDA_CHECK(cudaMemcpyAsync(output(0), operand(0),
                                           static_cast<size_t>(config.elements) * dtype_size(config.from),
                                           cudaMemcpyDeviceToDevice, stream));
      return;
    }
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      cast_kernel<Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
          config.from, operand(0), config.to, output(0), static_cast<Index>(config.elements));
    });
    check_launch("cast_kernel");
  }
};

std::unique_ptr<CudaKernel> make_cast(const KernelRequest& r) {
  CastConfig c;
  if (!plan_cast(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<CastKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, c.elements, k->geometry);
  k->take_input(r, 0);
  if (c.from == c.to) k->in_place_input = 0;
  k->implementation = "dnncost cast<" + dtype_name(c.from) + "->" + dtype_name(c.to) + ">";
  k->details["layouts"] = "row-major";
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Cast", guarded_factory(make_cast));

}  // namespace
}  // namespace dnncost::cuda
