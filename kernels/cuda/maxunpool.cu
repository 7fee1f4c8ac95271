// MaxUnpool on the cuda device: Y is zeroed (cudaMemsetAsync), then Y.flat[I[i]] = X.flat[i]. Indices computed at
// run time (MaxPool's Indices output) cannot raise the ref path's out-of-range error from inside a captured
// graph: the kernel skips such an index; plan-time constant indices are checked here (out of range: host).
#include "kernels/cuda/maxunpool_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

class MaxUnpoolKernel : public OwnKernel {
 public:
  MaxUnpoolConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (config.y_elements > 0)
      DNNCOST_CUDA_CHECK(cudaMemsetAsync(output(0), 0, static_cast<size_t>(config.y_elements) * sizeof(float), stream));
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      max_unpool_kernel<Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
          static_cast<const float*>(operand(0)), static_cast<const int64_t*>(operand(1)),
          static_cast<float*>(output(0)), static_cast<Index>(config.x_elements), config.y_elements);
    });
    check_launch("max_unpool_kernel");
  }
};

std::unique_ptr<CudaKernel> make_max_unpool(const KernelRequest& r) {
  MaxUnpoolConfig c;
  if (!plan_max_unpool(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<MaxUnpoolKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.x_elements);
  k->int32 = fits_int32_indexing(c.x_elements, c.x_elements, k->geometry);
  k->take_input(r, 0);
  k->take_input(r, 1);
  k->implementation = "dnncost max_unpool (memset + scatter)";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("MaxUnpool", guarded_factory(make_max_unpool));

}  // namespace
}  // namespace dnncost::cuda
