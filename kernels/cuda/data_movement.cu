// Data movement on the cuda device, any element type of 1, 2, 4 or 8 bytes: Transpose, Slice (parameters known at
// plan time), Pad (constant / reflect / edge; the fill value from the attribute, a plan-time constant or a
// run-time input) and Gather (indices known at plan time, uploaded once with the weights). Each output element
// finds its source through the shared index tables (kernels/cuda/index_tables.h); a Transpose or Slice that is a
// contiguous block is one cudaMemcpyAsync.
#include <cstring>

#include "kernels/cuda/data_movement_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

bool element_size_supported(size_t bytes) { return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8; }

// Transpose and Slice: y[i] = x[table offset of i].
class TableCopyKernel : public OwnKernel {
 public:
  GatherLikeConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  // One contiguous block of the input: a plain copy.
  bool contiguous() const { return config.table.rank == 1 && config.table.strides[0][0] == 1; }

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    if (contiguous()) {
      const auto* src = static_cast<const unsigned char*>(operand(0)) +
                        config.table.base[0] * static_cast<int64_t>(config.element_bytes);
      DNNCOST_CUDA_CHECK(cudaMemcpyAsync(output(0), src, static_cast<size_t>(config.elements) * config.element_bytes,
                                         cudaMemcpyDeviceToDevice, stream));
      return;
    }
    with_unit_type(config.element_bytes, [&](auto unit_tag) {
      using Unit = decltype(unit_tag);
      with_index_type(int32, [&](auto index_tag) {
        using Index = decltype(index_tag);
        table_copy_kernel<Unit, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
            config.table, static_cast<const Unit*>(operand(0)), static_cast<Unit*>(output(0)),
            static_cast<Index>(config.elements));
      });
    });
    check_launch("table_copy_kernel");
  }
};

std::unique_ptr<CudaKernel> make_table_copy(const KernelRequest& r) {
  GatherLikeConfig c;
  const bool transpose = r.node().op_type == "Transpose";
  if (!(transpose ? plan_transpose(r, &c, nullptr) : plan_slice(r, &c, nullptr))) return nullptr;
  if (!element_size_supported(c.element_bytes)) return nullptr;
  auto k = std::make_unique<TableCopyKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, table_max_offset(c.table), k->geometry);
  k->take_input(r, 0);
  k->implementation = k->contiguous() ? "dnncost contiguous copy (cudaMemcpyAsync)"
                                      : std::string("dnncost table_copy<") + r.node().op_type + ">";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["merged_dims"] = dims_text(c.table.dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

class PadKernel : public OwnKernel {
 public:
  PadConfig config;
  LaunchGeometry geometry;
  bool int32 = false;
  size_t fill_operand = 0;  // operand index of the run-time fill value (when config.fill_input >= 0)

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_unit_type(config.element_bytes, [&](auto unit_tag) {
      using Unit = decltype(unit_tag);
      Unit fill;
      std::memcpy(&fill, config.fill.data(), sizeof(Unit));
      const Unit* fill_at = config.fill_input >= 0 ? static_cast<const Unit*>(operand(fill_operand)) : nullptr;
      with_index_type(int32, [&](auto index_tag) {
        using Index = decltype(index_tag);
        pad_kernel<Unit, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
            config.table, static_cast<const Unit*>(operand(0)), static_cast<Unit*>(output(0)),
            static_cast<Index>(config.elements), fill_at, fill);
      });
    });
    check_launch("pad_kernel");
  }
};

std::unique_ptr<CudaKernel> make_pad(const KernelRequest& r) {
  PadConfig c;
  if (!plan_pad(r, &c, nullptr)) return nullptr;
  if (!element_size_supported(c.element_bytes)) return nullptr;
  auto k = std::make_unique<PadKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, shape_numel(r.input(0).shape), k->geometry);
  k->take_input(r, 0);
  if (c.fill_input >= 0) k->fill_operand = k->take_input(r, static_cast<size_t>(c.fill_input));
  const char* mode = c.table.mode == PadMode::kReflect ? "reflect"
                     : c.table.mode == PadMode::kEdge  ? "edge"
                     : c.table.mode == PadMode::kWrap  ? "wrap"
                                                       : "constant";
  k->implementation = std::string("dnncost pad<") + mode + ">";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["merged_dims"] = dims_text(c.table.out_dims, c.table.rank);
  k->details["index"] = index_text(k->int32);
  return k;
}

class GatherKernel : public OwnKernel {
 public:
  GatherConfig config;
  size_t indices_constant = 0;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    const auto* indices = static_cast<const int64_t*>(constant_address(indices_constant));
    with_unit_type(config.element_bytes, [&](auto unit_tag) {
      using Unit = decltype(unit_tag);
      with_index_type(int32, [&](auto index_tag) {
        using Index = decltype(index_tag);
        gather_kernel<Unit, Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
            config.table, indices, static_cast<const Unit*>(operand(0)), static_cast<Unit*>(output(0)),
            static_cast<Index>(config.elements));
      });
    });
    check_launch("gather_kernel");
  }
};

std::unique_ptr<CudaKernel> make_gather(const KernelRequest& r) {
  GatherConfig c;
  if (!plan_gather(r, &c, nullptr)) return nullptr;
  if (!element_size_supported(c.element_bytes)) return nullptr;
  auto k = std::make_unique<GatherKernel>();
  k->config = c;
  k->geometry = grid_stride_geometry(c.elements);
  k->int32 = fits_int32_indexing(c.elements, shape_numel(r.input(0).shape), k->geometry);
  k->take_input(r, 0);
  k->indices_constant = k->add_constant(c.indices.data(), c.indices.size() * sizeof(int64_t));
  k->implementation = "dnncost gather";
  k->details["layouts"] = "row-major";
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Transpose", guarded_factory(make_table_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Slice", guarded_factory(make_table_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Pad", guarded_factory(make_pad));
DNNCOST_REGISTER_CUDA_KERNEL("Gather", guarded_factory(make_gather));

}  // namespace
}  // namespace dnncost::cuda
