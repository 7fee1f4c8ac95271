// Byte copies on the cuda device: Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout (inference) keep
// the bytes of their input. The kernel says in_place_input = 0, so the memory plan normally gives the output the
// input's buffer and execute() has nothing to do; otherwise one device-to-device cudaMemcpyAsync. Dropout's
// optional mask output is filled with ones of its type.
#include <cstring>

#include "kernels/cuda/copy_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/cuda/elementwise.cuh"

namespace dnncost::cuda {
namespace {

class ByteCopyKernel : public OwnKernel {
 public:
  ByteCopyConfig config;
  std::vector<unsigned char> mask_one;  // the value 1 in the mask's element type
  LaunchGeometry mask_geometry;

  void execute(cudaStream_t stream) override {
    const void* src = operand(0);
    void* dst = output(0);
    if (config.bytes > 0 && src != dst)
      DNNCOST_CUDA_CHECK(
          cudaMemcpyAsync(dst, src, static_cast<size_t>(config.bytes), cudaMemcpyDeviceToDevice, stream));
    if (config.mask_elements > 0 && !mask_geometry.empty()) {
      with_unit_type(mask_one.size(), [&](auto unit_tag) {
        using Unit = decltype(unit_tag);
        Unit one;
        std::memcpy(&one, mask_one.data(), sizeof(Unit));
        fill_kernel<Unit><<<grid_of(mask_geometry), block_of(mask_geometry), 0, stream>>>(static_cast<Unit*>(output(1)),
                                                                                          config.mask_elements, one);
      });
      check_launch("fill_kernel (Dropout mask)");
    }
  }
};

std::unique_ptr<CudaKernel> make_byte_copy(const KernelRequest& r) {
  ByteCopyConfig c;
  if (!plan_byte_copy(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<ByteCopyKernel>();
  k->config = c;
  k->take_input(r, 0);
  k->in_place_input = 0;
  if (c.mask_elements > 0) {
    k->mask_one = one_value_bytes(c.mask_dtype);
    if (k->mask_one.size() != 1 && k->mask_one.size() != 2 && k->mask_one.size() != 4 && k->mask_one.size() != 8)
      return nullptr;
    k->mask_geometry = grid_stride_geometry(c.mask_elements);
  }
  k->implementation = "dnncost byte_copy (cudaMemcpyAsync; none when in place)";
  k->details["layouts"] = "row-major";
  k->details["bytes"] = std::to_string(c.bytes);
  if (c.mask_elements > 0) k->details["mask"] = "ones (" + dtype_name(c.mask_dtype) + ")";
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("Reshape", guarded_factory(make_byte_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Flatten", guarded_factory(make_byte_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Squeeze", guarded_factory(make_byte_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Unsqueeze", guarded_factory(make_byte_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Identity", guarded_factory(make_byte_copy));
DNNCOST_REGISTER_CUDA_KERNEL("Dropout", guarded_factory(make_byte_copy));

}  // namespace
}  // namespace dnncost::cuda
