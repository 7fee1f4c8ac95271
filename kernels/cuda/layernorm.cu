// LayerNormalization on the cuda device: one block per row of the [rows, row_size] view (layers/layernorm.h). The
// block sums the row, then the squares around its mean, both in double as the ref path accumulates them (per-thread
// strided partials, then a warp-shuffle and shared-memory reduction), forms mean and sqrt(var + epsilon) as
// kernels/normalization_math.h does, and writes y = (x - mean) / std * scale (+ B) with its layer_norm_apply; the
// optional Mean and InvStdDev outputs are written by thread 0. Scale and B may be weights (uploaded once) or run-time
// inputs. In place when X dies here: each row is read completely before any of its elements is written, and only by
// its own block. The decision is kernels/cuda/layernorm_plan.h.
#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/layernorm_plan.h"
#include "kernels/cuda/own_kernel.h"
#include "kernels/normalization_math.h"

namespace dnncost::cuda {
namespace {

template <typename Index>
__global__ void layer_norm_kernel(const float* x, const float* scale, const float* bias, float* y, float* mean_out,
                                  float* inv_std_out, Index rows, Index size, float epsilon) {
  __shared__ double scratch[kThreadsPerBlock / 32];
  for (Index row = blockIdx.x; row < rows; row += gridDim.x) {
    const float* xr = x + row * size;
    float* yr = y + row * size;
    double sum = 0;
    for (Index i = threadIdx.x; i < size; i += blockDim.x) sum += xr[i];
    const double mean = block_sum(sum, scratch) / static_cast<double>(size);
    double squares = 0;
    for (Index i = threadIdx.x; i < size; i += blockDim.x) {
      const double d = xr[i] - mean;
      squares += d * d;
    }
    const double var = block_sum(squares, scratch) / static_cast<double>(size);
    LayerNormStats stats;
    stats.mean = static_cast<float>(mean);
    stats.std = sqrtf(static_cast<float>(var) + epsilon);
    for (Index i = threadIdx.x; i < size; i += blockDim.x)
      yr[i] = layer_norm_apply(xr[i], stats, scale[i], bias ? bias[i] : 0.f);
    if (threadIdx.x == 0) {
      if (mean_out) mean_out[row] = stats.mean;
      if (inv_std_out) inv_std_out[row] = 1.f / stats.std;
    }
  }
}

class LayerNormKernel : public OwnKernel {
 public:
  LayerNormConfig config;
  LaunchGeometry geometry;
  bool int32 = false;

  void execute(cudaStream_t stream) override {
    if (geometry.empty()) return;
    with_index_type(int32, [&](auto index_tag) {
      using Index = decltype(index_tag);
      layer_norm_kernel<Index><<<grid_of(geometry), block_of(geometry), 0, stream>>>(
          static_cast<const float*>(operand(0)), static_cast<const float*>(operand(1)),
          config.has_bias ? static_cast<const float*>(operand(2)) : nullptr, static_cast<float*>(output(0)),
          config.mean_output ? static_cast<float*>(output(1)) : nullptr,
          config.inv_std_output ? static_cast<float*>(output(2)) : nullptr, static_cast<Index>(config.rows),
          static_cast<Index>(config.row_size), config.epsilon);
    });
    check_launch("layer_norm_kernel");
  }
};

std::unique_ptr<CudaKernel> make_layer_norm(const KernelRequest& r) {
  LayerNormConfig c;
  if (!plan_layer_norm(r, &c, nullptr)) return nullptr;
  auto k = std::make_unique<LayerNormKernel>();
  k->config = c;
  k->geometry = layer_norm_geometry(c);
  k->int32 = layer_norm_int32(c, k->geometry);
  for (size_t i = 0; i < (c.has_bias ? 3u : 2u); ++i) k->take_input(r, i);
  k->in_place_input = 0;
  k->implementation = "dnncost layer_norm (block per row, double statistics)";
  k->details["layouts"] = "row-major";
  k->details["rows,row_size"] = std::to_string(c.rows) + "," + std::to_string(c.row_size);
  k->details["threads"] = std::to_string(k->geometry.threads);
  k->details["index"] = index_text(k->int32);
  return k;
}

DNNCOST_REGISTER_CUDA_KERNEL("LayerNormalization", guarded_factory(make_layer_norm));

}  // namespace
}  // namespace dnncost::cuda
