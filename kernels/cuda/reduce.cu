// ReduceMean on the cuda device over any set of axes: each output averages its group of inputs, summed in double
// as the ref path does, then divided by the group size. Small groups: one thread per output; larger ones: one
// block per output with a shared-memory sum.
#include "kernels/cuda/reduce_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

// Below this group size one thread sums a whole group (a block would leave most of its threads idle).
constexpr int64_t kThreadPerOutputGroup = 32;

class ReduceMeanKernel : public OwnKernel {
 public:
  ReduceTable table;
  LaunchGeometry geometry;
  bool thread_per_output = false;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      const auto* x = static_cast<const float*>(operand(0));
      auto* y = static_cast<float*>(output(0));
      if (thread_per_output)
        reduce_mean_thread_kernel<Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(table, x, y);
      else
        reduce_mean_block_kernel<Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(table, x, y);
    });
    check_launch("reduce_mean_kernel");
  }
};

std::unique_ptr<CudaKernel> make_reduce_mean(const KernelRequest& r) {
  ReduceTable t;
  if (!plan_reduce_mean(r, &t, nullptr)) return nullptr;
  auto k = std::make_unique<ReduceMeanKernel>();
  k->table = t;
  k->thread_per_output = t.group < kThreadPerOutputGroup;
  k->geometry = k->thread_per_output ? grid_stride_geometry(t.outputs) : block_per_row_geometry(t.outputs, t.group);
  const int64_t input_elements = shape_numel(r.input(0).shape);
  k->int32 = !int64_indexing_forced() && input_elements + kThreadsPerBlock <= kInt32Limit &&
             t.outputs + k->geometry.total_threads() <= kInt32Limit && t.group + kThreadsPerBlock <= kInt32Limit;
  k->take_input(r, 0);
  k->implementation =
      k->thread_per_output ? "dnncost reduce_mean (thread per output)" : "dnncost reduce_mean (block per output)";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["outputs"] = std::to_string(t.outputs);
  k->details["group"] = std::to_string(t.group);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("ReduceMean", guarded_factory(make_reduce_mean));

}  // namespace
}  // namespace dnncost::cuda
