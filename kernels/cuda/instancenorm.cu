// InstanceNormalization on the cuda device: one block per (n, c) plane computes the mean and the population
// variance in double (as the ref path does) and applies y = x * a + b with a, b from kernels/normalization_math.h.
// scale and B may be weights (uploaded once) or run-time inputs.
#include "kernels/cuda/instancenorm_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

class InstanceNormKernel : public OwnKernel {
 public:
  InstanceNormConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty() || config.spatial == 0) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      instance_norm_kernel<Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
          static_cast<const float*>(operand(0)), static_cast<const float*>(operand(1)),
          static_cast<const float*>(operand(2)), static_cast<float*>(output(0)), static_cast<Index>(config.planes),
          static_cast<Index>(config.channels), static_cast<Index>(config.spatial), config.epsilon);
    });
    check_launch("instance_norm_kernel");
  }
};

std::unique_ptr<CudaKernel> make_instance_norm(const KernelRequest& r) {
  InstanceNormConfig c;
  if (!plan_instance_norm(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<InstanceNormKernel>();
  k->config = c;
  k->geometry = block_per_row_geometry(c.planes, c.spatial);
  const int64_t elements = c.planes * c.spatial;
  // Offsets reach planes * spatial; thread indices stay below spatial + blockDim, block indices below planes.
  k->int32 = !int64_indexing_forced() && elements + c.spatial + kThreadsPerBlock <= kInt32Limit &&
             c.planes + k->geometry.blocks <= kInt32Limit;
  for (size_t i = 0; i < 3; ++i) k->take_input(r, i);
  k->in_place_input = -1;  // y is written while the plane is still read (two passes over x)
  k->implementation = "dnncost instance_norm (block per plane, double statistics)";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["planes"] = std::to_string(c.planes);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("InstanceNormalization", guarded_factory(make_instance_norm));

}  // namespace
}  // namespace dnncost::cuda
