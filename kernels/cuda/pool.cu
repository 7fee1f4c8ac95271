// Pooling on the cuda device: MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool (1-D to 3-D, float32).
// cuDNN pooling where it computes exactly the ONNX result (symmetric pads, floor-mode output, no dilation); dnncost's
// window kernel otherwise (ceil_mode, asymmetric or SAME pads, MaxPool dilations), which takes each window from
// kernels/pool_window.h, the function the reference loops use, so padding and the count_include_pad divisor agree.
// MaxPool's Indices output and integer inputs return nullptr (the host reference runs them).
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/pool_plan.h"
#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/cudnn_descriptors.h"
#include "kernels/cuda/launch_geometry.h"
#include "kernels/pool_window.h"
#include "layers/pool.h"

namespace dnncost::cuda {
namespace {

constexpr int kMaxSpatial = 3;

// Geometry of the window kernel: every spatial axis padded to 3 (extra axes of size 1, window 1).
struct PoolWindowParams {
  int64_t planes = 0;  // N * C
  int64_t in[kMaxSpatial] = {1, 1, 1}, out[kMaxSpatial] = {1, 1, 1};
  int64_t kernel[kMaxSpatial] = {1, 1, 1}, stride[kMaxSpatial] = {1, 1, 1}, dilation[kMaxSpatial] = {1, 1, 1};
  int64_t pad_begin[kMaxSpatial] = {0, 0, 0}, pad_end[kMaxSpatial] = {0, 0, 0};
  bool max = true;
  bool include_pad = false;
};

// One thread per output element: the max (NaN propagates) or the average over the window's taps inside the input.
__global__ void pool_window_kernel(const float* x, float* y, PoolWindowParams p) {
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  const int64_t total = p.planes * out_plane;
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t plane = i / out_plane;
    int64_t rest = i % out_plane;
    const int64_t o2 = rest % p.out[2];
    rest /= p.out[2];
    const int64_t o1 = rest % p.out[1];
    const int64_t o0 = rest / p.out[1];
    const PoolAxisWindow w0 =
        pool_axis_window(o0, p.in[0], p.kernel[0], p.stride[0], p.dilation[0], p.pad_begin[0], p.pad_end[0]);
    const PoolAxisWindow w1 =
        pool_axis_window(o1, p.in[1], p.kernel[1], p.stride[1], p.dilation[1], p.pad_begin[1], p.pad_end[1]);
    const PoolAxisWindow w2 =
        pool_axis_window(o2, p.in[2], p.kernel[2], p.stride[2], p.dilation[2], p.pad_begin[2], p.pad_end[2]);
    const float* src = x + plane * in_plane;
    float acc = p.max ? -INFINITY : 0.f;
    bool nan = false;
    for (int64_t a = 0; a < w0.count; ++a) {
      const int64_t i0 = w0.first + a * p.dilation[0];
      for (int64_t b = 0; b < w1.count; ++b) {
        const int64_t i1 = w1.first + b * p.dilation[1];
        for (int64_t c = 0; c < w2.count; ++c) {
          const int64_t i2 = w2.first + c * p.dilation[2];
          const float v = src[(i0 * p.in[1] + i1) * p.in[2] + i2];
          if (p.max) {
            nan = nan || v != v;
            acc = v > acc ? v : acc;
          } else {
            acc += v;
          }
        }
      }
    }
    if (p.max) {
      y[i] = nan ? NAN : acc;
    } else {
      const int64_t count =
          p.include_pad ? w0.padded_count * w1.padded_count * w2.padded_count : w0.count * w1.count * w2.count;
      y[i] = count > 0 ? acc / static_cast<float>(count) : 0.f;
    }
  }
}

class CudnnPoolKernel : public CudaKernel {
 public:
  cudnnHandle_t handle = nullptr;
  TensorDesc x_desc, y_desc;
  PoolDesc pool_desc;

  void bind(const KernelBinding& b) override {
    x_ = b.inputs[0];
    y_ = b.outputs[0];
  }
  void execute(cudaStream_t) override {
    const float one = 1.f, zero = 0.f;
    DNNCOST_CUDNN_CHECK(cudnnPoolingForward(handle, pool_desc, &one, x_desc, x_, &zero, y_desc, y_));
  }

 private:
  const void* x_ = nullptr;
  void* y_ = nullptr;
};

class WindowPoolKernel : public CudaKernel {
 public:
  PoolWindowParams params;
  int grid = 1;

  void bind(const KernelBinding& b) override {
    x_ = static_cast<const float*>(b.inputs[0]);
    y_ = static_cast<float*>(b.outputs[0]);
  }
  void execute(cudaStream_t stream) override {
    pool_window_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(x_, y_, params);
    DNNCOST_CUDA_CHECK(cudaGetLastError());
  }

 private:
  const float* x_ = nullptr;
  float* y_ = nullptr;
};

std::string ints(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t i : v) s += (s.empty() ? "" : "x") + std::to_string(i);
  return s;
}

std::unique_ptr<CudaKernel> make_pool(const KernelRequest& r) {
  const PoolParams* pool = r.parsed<PoolParams>();
  if (!pool || !r.runtime_float(0) || !r.only_first_output() || r.output(0).dtype != DType::kFloat32) return nullptr;
  const Shape& x = r.input(0).shape;
  const Shape& y = r.output(0).shape;
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size()) return nullptr;
  // Dilated AveragePool (opset 19): the window kernel would take its windows from the reference's function, but it
  // has not been run on a GPU with dilations yet: the reference runs it.
  if (!pool->max && std::any_of(pool->dilations.begin(), pool->dilations.end(), [](int64_t d) { return d != 1; }))
    return nullptr;
  const size_t rank = x.size() - 2;
  const bool max = pool->max, include_pad = pool->count_include_pad;
  const std::vector<int64_t>& kernel = pool->kernel;
  const std::vector<int64_t>& strides = pool->strides;
  const std::vector<int64_t>& dilations = pool->dilations;
  const std::vector<int64_t>& pads_begin = pool->pads_begin;
  const std::vector<int64_t>& pads_end = pool->pads_end;

  const std::string op = r.node().op_type;
  cuda_geometry::PoolDescriptor d;
  if (cuda_geometry::pool_descriptor(x, y, kernel, strides, dilations, pads_begin, pads_end, &d)) {
    auto k = std::make_unique<CudnnPoolKernel>();
    k->handle = r.ctx.cudnn;
    set_packed(k->x_desc, d.x);
    set_packed(k->y_desc, d.y);
    const cudnnPoolingMode_t mode =
        max ? CUDNN_POOLING_MAX_DETERMINISTIC
            : (include_pad ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING);
    DNNCOST_CUDNN_CHECK(cudnnSetPoolingNdDescriptor(k->pool_desc, mode, CUDNN_PROPAGATE_NAN,
                                                    static_cast<int>(d.window.size()), d.window.data(), d.pads.data(),
                                                    d.strides.data()));
    std::vector<int> out(d.y.size());
    DNNCOST_CUDNN_CHECK(
        cudnnGetPoolingNdForwardOutputDim(k->pool_desc, k->x_desc, static_cast<int>(out.size()), out.data()));
    if (out == d.y) {
      k->implementation = std::string("cuDNN pooling ") + (max           ? "MAX_DETERMINISTIC"
                                                           : include_pad ? "AVERAGE_COUNT_INCLUDE_PADDING"
                                                                         : "AVERAGE_COUNT_EXCLUDE_PADDING");
      k->details["window"] = ints(kernel);
      k->details["layouts"] = layout_name(x.size()) + " -> " + layout_name(y.size());
      return k;
    }
  }

  // The window kernel: any pads, ceil_mode, dilations.
  auto k = std::make_unique<WindowPoolKernel>();
  PoolWindowParams& p = k->params;
  p.planes = x[0] * x[1];
  for (size_t i = 0; i < rank; ++i) {
    p.in[i] = x[2 + i];
    p.out[i] = y[2 + i];
    p.kernel[i] = kernel[i];
    p.stride[i] = strides[i];
    p.dilation[i] = dilations[i];
    p.pad_begin[i] = pads_begin[i];
    p.pad_end[i] = pads_end[i];
  }
  p.max = max;
  p.include_pad = include_pad;
  const int64_t total = shape_numel(y);
  k->grid = capped_grid_blocks(total);
  k->implementation = std::string("dnncost pool_window<") + (max ? "max" : "average") + ">";
  k->details["window"] = ints(kernel);
  k->details["layouts"] = layout_name(x.size()) + " -> " + layout_name(y.size());
  k->details["why not cuDNN"] = "ceil_mode, asymmetric pads, dilation or pads >= window";
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("MaxPool", make_pool);
DNNCOST_REGISTER_CUDA_KERNEL("AveragePool", make_pool);
DNNCOST_REGISTER_CUDA_KERNEL("GlobalMaxPool", make_pool);
DNNCOST_REGISTER_CUDA_KERNEL("GlobalAveragePool", make_pool);

}  // namespace
}  // namespace dnncost::cuda
