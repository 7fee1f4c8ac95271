// Concat and Split on the cuda device, any element type: both see the joined tensor as [outer, row] rows in
// which every piece (a Concat input, a Split output) owns a run of bytes at a fixed offset; one row-copy launch
// per piece moves its runs, in the widest unit (16 to 1 bytes) that divides the sizes, offsets and addresses.
#include <cstdint>

#include "kernels/cuda/concat_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

class ConcatKernel : public OwnKernel {
 public:
  ConcatConfig config;
  bool split = false;

  // Per piece, chosen at bind time from the addresses: the copy in units, its unit size, geometry and index width.
  struct PieceCopy {
    RowCopy copy;
    const unsigned char* src = nullptr;
    unsigned char* dst = nullptr;
    int unit = 1;
    LaunchGeometry geometry;
    bool int32 = false;
  };
  std::vector<PieceCopy> copies;

  void execute(cudaStream_t stream) override {
    for (const PieceCopy& p : copies) {
      if (p.geometry.empty()) continue;
      with_unit_type(static_cast<size_t>(p.unit), [&](auto unit_tag) {
        using Unit = decltype(unit_tag);
        with_index_type(p.int32, [&](auto index_tag) {
          using Index = decltype(index_tag);
          row_copy_kernel<Unit, Index><<<grid_of(p.geometry), block_of(p.geometry), 0, stream>>>(
              p.copy, reinterpret_cast<const Unit*>(p.src), reinterpret_cast<Unit*>(p.dst),
              static_cast<Index>(p.copy.rows * p.copy.row_units));
        });
      });
      check_launch("row_copy_kernel");
    }
  }

 protected:
  void on_bind() override {
    copies.clear();
    const size_t pieces = config.piece_row_bytes.size();
    for (size_t k = 0; k < pieces; ++k) {
      const int64_t piece = config.piece_row_bytes[k];
      if (piece == 0 || config.outer == 0) continue;
      PieceCopy p;
      const auto* joined = static_cast<const unsigned char*>(split ? operand(0) : output(0));
      const unsigned char* piece_base = static_cast<const unsigned char*>(split ? output(k) : operand(k));
      const unsigned char* joined_at = joined + config.piece_offset[k];
      p.src = split ? joined_at : piece_base;
      p.dst = const_cast<unsigned char*>(split ? piece_base : joined_at);
      p.unit = widest_copy_unit({piece, config.row_bytes, static_cast<int64_t>(reinterpret_cast<uintptr_t>(p.src) % 16),
                                 static_cast<int64_t>(reinterpret_cast<uintptr_t>(p.dst) % 16)});
      p.copy.rows = config.outer;
      p.copy.row_units = piece / p.unit;
      p.copy.src_pitch = (split ? config.row_bytes : piece) / p.unit;
      p.copy.dst_pitch = (split ? piece : config.row_bytes) / p.unit;
      const int64_t items = p.copy.rows * p.copy.row_units;
      p.geometry = grid_stride_geometry(items);
      p.int32 = fits_int32_indexing(items, config.outer * config.row_bytes / p.unit, p.geometry);
      copies.push_back(p);
    }
  }
};

std::unique_ptr<CudaKernel> make_concat(const KernelRequest& r) {
  ConcatConfig c;
  if (!plan_concat(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<ConcatKernel>();
  k->config = c;
  k->split = r.node().op_type == "Split";
  if (k->split)
    k->take_input(r, 0);
  else
    for (size_t i = 0; i < r.input_count(); ++i) k->take_input(r, i);
  k->implementation = k->split ? "dnncost row_copy (Split)" : "dnncost row_copy (Concat)";
  k->details["layouts"] = "NCHW (row-major)";
  k->details["rows"] = std::to_string(c.outer);
  k->details["row_bytes"] = std::to_string(c.row_bytes);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Concat", guarded_factory(make_concat));
DNNCOST_REGISTER_CUDA_KERNEL("Split", guarded_factory(make_concat));

}  // namespace
}  // namespace dnncost::cuda
