// Gather: picks slices of `data` (any element type) along `axis` at int32/int64 `indices` of any rank; negative
// indices count from the end, out-of-range ones are an error. FLOPs 0 (data movement). A float `data` initializer is
// a learned table (an embedding, Swin's relative position bias table): its elements are params.
#include <cstring>
#include <sstream>

#include "layers/gather.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Gather : public Layer, public ParsedAttributes<GatherParams> {
 public:
  using Layer::Layer;

  InputRole input_role(size_t i, const ValueDesc& v) const override {
    return i == 0 && dtype_is_float(v.dtype) ? InputRole::kParam : InputRole::kData;
  }

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    const ValueDesc& data = in[0];
    const ValueDesc& indices = in[1];
    DNNCOST_LAYER_EXPECT(data.rank() >= 1, "input 'data' must have rank >= 1, got a scalar");
    DNNCOST_LAYER_EXPECT(indices.dtype == DType::kInt64 || indices.dtype == DType::kInt32,
                         "input 'indices' must be int32 or int64, got " << dtype_name(indices.dtype));
    const int64_t axis = attrs().get_int("axis", 0);
    DNNCOST_LAYER_EXPECT(axis >= -data.rank() && axis < data.rank(),
                         "axis " << axis << " is out of range for a " << data.rank() << "-D input 'data' (expected -"
                                 << data.rank() << " <= axis < " << data.rank() << ")");
    axis_ = axis < 0 ? axis + data.rank() : axis;
    parsed_.axis = axis_;
    Shape out_shape(data.shape.begin(), data.shape.begin() + axis_);
    out_shape.insert(out_shape.end(), indices.shape.begin(), indices.shape.end());
    out_shape.insert(out_shape.end(), data.shape.begin() + axis_ + 1, data.shape.end());
    if (indices.constant) resolve_indices(*indices.constant, data.shape[axis_]);  // report bad indices early
    return {{data.dtype, out_shape}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& data = *in[0];
    const std::vector<int64_t> idx = resolve_indices(*in[1], data.shape()[axis_]);
    int64_t outer = 1, inner = 1;
    for (int64_t a = 0; a < axis_; ++a) outer *= data.shape()[a];
    for (int64_t a = axis_ + 1; a < data.rank(); ++a) inner *= data.shape()[a];
    const int64_t axis_dim = data.shape()[axis_];
    const int64_t chunk = inner * static_cast<int64_t>(dtype_size(data.dtype()));  // bytes per picked slice
    const auto* src = static_cast<const unsigned char*>(data.raw());
    auto* dst = static_cast<unsigned char*>(out[0]->raw());
    const int64_t n_idx = static_cast<int64_t>(idx.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < n_idx; ++j)
        std::memcpy(dst + (o * n_idx + j) * chunk, src + (o * axis_dim + idx[j]) * chunk, static_cast<size_t>(chunk));
  }

 private:
  // Indices made non-negative; fails naming the first one outside [-dim, dim).
  std::vector<int64_t> resolve_indices(const Tensor& indices, int64_t dim) const {
    std::vector<int64_t> idx = indices.to_int64_vector();
    for (size_t j = 0; j < idx.size(); ++j) {
      DNNCOST_LAYER_EXPECT(idx[j] >= -dim && idx[j] < dim, "index " << idx[j] << " (position " << j
                                                                    << " of input 'indices') is out of range for axis "
                                                                    << axis_ << " of size " << dim << " (expected -"
                                                                    << dim << " <= index < " << dim << ")");
      if (idx[j] < 0) idx[j] += dim;
    }
    return idx;
  }

  int64_t axis_ = 0;
};

DNNCOST_REGISTER_LAYER("Gather", Gather);

}  // namespace
}  // namespace dnncost
