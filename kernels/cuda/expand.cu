// Expand on the cuda device: the input broadcast to the planned output shape as one grid-stride copy over a
// one-operand index table (stride 0 along the broadcast dims; kernels/cuda/broadcast_ops_plan.h), elements of 1, 2, 4
// or 8 bytes moved as unsigned integers. The 'shape' input is known at plan time (the layer requires it).
#include "kernels/cuda/broadcast_ops_plan.h"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/own_kernel.h"

namespace dnncost::cuda {
namespace {

class ExpandKernel : public OwnKernel {
 public:
  ExpandConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      with_unit_type(config.element_bytes, [&](auto unit_tag) {
        using Unit = decltype(unit_tag);
        table_copy_kernel<Unit, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
            config.table, static_cast<const Unit*>(operand(0)), static_cast<Unit*>(output(0)),
            static_cast<Index>(config.elements));
      });
    });
    check_launch("expand kernel");
  }
};

std::unique_ptr<CudaKernel> make_expand(const KernelRequest& r) {
  ExpandConfig c;
  if (!plan_expand(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<ExpandKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, table_max_offset(c.table), k->geometry);
  k->take_input(r, 0);
  k->in_place_input = -1;  // the output is larger than the input in general
  k->implementation = "dnncost broadcast_copy<Expand>";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["element_bytes"] = std::to_string(c.element_bytes);
  k->details["merged_dims"] = dims_text(c.table.dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Expand", guarded_factory(make_expand));

}  // namespace
}  // namespace dnncost::cuda
