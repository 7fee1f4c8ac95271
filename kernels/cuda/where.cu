// Where on the cuda device: y = condition ? X : Y with numpy broadcasting of all three, any element type of 1, 2, 4 or
// 8 bytes (moved as an unsigned integer of that size), with the shared SelectFn (kernels/compare_functors.h); the
// decision is kernels/cuda/broadcast_ops_plan.h. GPT-2's causal mask on the attention scores (a constant fill where the
// mask is false) runs here, in place on the scores when they die at the Where.
#include "kernels/compare_functors.h"
#include "kernels/cuda/broadcast_ops_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/typed_elementwise.cuh"

namespace dnncost::cuda {
namespace {

class WhereKernel : public OwnKernel {
 public:
  WhereConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      with_unit_type(config.element_bytes, [&](auto unit_tag) {
        using Unit = decltype(unit_tag);
        broadcast_select_kernel<Unit, SelectFn, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
            config.table, static_cast<const uint8_t*>(operand(0)), static_cast<const Unit*>(operand(1)),
            static_cast<const Unit*>(operand(2)), static_cast<Unit*>(output(0)), static_cast<Index>(config.elements),
            SelectFn{});
      });
    });
    check_launch("where kernel");
  }
};

std::unique_ptr<CudaKernel> make_where(const KernelRequest& r) {
  WhereConfig c;
  if (!plan_where(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<WhereKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, table_max_offset(c.table), k->geometry);
  for (size_t i = 0; i < 3; ++i) k->take_input(r, i);
  k->in_place_input = c.in_place_input;
  k->implementation = "dnncost broadcast_select<Where>";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["dtype"] = dtype_name(r.output(0).dtype);
  k->details["merged_dims"] = dims_text(c.table.dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Where", guarded_factory(make_where));

}  // namespace
}  // namespace dnncost::cuda
