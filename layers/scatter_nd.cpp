// ScatterND (opset 11, 13, 16, 18) with reduction "none": a copy of `data` in which the slices addressed by the
// int64 `indices` ([..., q]: each row the first q coordinates of a slice) are replaced by `updates`
// (indices.shape[:-1] + data.shape[q:]). Any element type; PyTorch writes it for in-place slice assignment (Swin's
// attention mask). Negative indices count from the end; an index out of range is an error naming it. The reductions
// add, mul, max and min are refused. Data movement: 0 FLOPs.
#include <cstring>
#include <sstream>

#include "layers/registry.h"

namespace dnncost {
namespace {

class ScatterND : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 3, 3);
    const ValueDesc& data = in[0];
    const ValueDesc& indices = in[1];
    const ValueDesc& updates = in[2];
    const std::string reduction = attrs().get_string("reduction", "none");
    DNNCOST_LAYER_EXPECT(reduction == "none", "reduction '" << reduction
                                                            << "' is not supported; dnncost runs ScatterND with "
                                                               "reduction 'none' (replace) only");
    DNNCOST_LAYER_EXPECT(data.rank() >= 1, "input 'data' must have rank >= 1, got a scalar");
    DNNCOST_LAYER_EXPECT(dtype_size(data.dtype) > 0,
                         "input 'data' has element type " << dtype_name(data.dtype) << ", which dnncost cannot hold");
    DNNCOST_LAYER_EXPECT(indices.dtype == DType::kInt64,
                         "input 'indices' must be int64, got " << dtype_name(indices.dtype));
    DNNCOST_LAYER_EXPECT(indices.rank() >= 1, "input 'indices' must have rank >= 1, got a scalar");
    const int64_t q = indices.shape.back();
    DNNCOST_LAYER_EXPECT(q >= 1 && q <= data.rank(), "the last dimension of input 'indices' "
                                                         << shape_str(indices.shape) << " is " << q
                                                         << "; expected 1 to the rank of 'data' (" << data.rank()
                                                         << ")");
    DNNCOST_LAYER_EXPECT(updates.dtype == data.dtype, "input 'updates' has element type "
                                                          << dtype_name(updates.dtype) << ", expected "
                                                          << dtype_name(data.dtype) << " like 'data'");
    Shape expected(indices.shape.begin(), indices.shape.end() - 1);
    expected.insert(expected.end(), data.shape.begin() + q, data.shape.end());
    DNNCOST_LAYER_EXPECT(updates.shape == expected, "input 'updates' has shape "
                                                        << shape_str(updates.shape) << ", expected "
                                                        << shape_str(expected)
                                                        << " (indices.shape[:-1] + data.shape[q:])");
    q_ = q;
    if (indices.constant) slice_offsets(*indices.constant, data.shape);  // report bad indices early
    return {{data.dtype, data.shape}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& data = *in[0];
    const std::vector<int64_t> offsets = slice_offsets(*in[1], data.shape());
    const size_t elem = dtype_size(data.dtype());
    int64_t slice = 1;  // elements per addressed slice
    for (int64_t a = q_; a < data.rank(); ++a) slice *= data.shape()[a];
    const size_t slice_bytes = static_cast<size_t>(slice) * elem;
    auto* y = static_cast<unsigned char*>(out[0]->raw());
    if (data.bytes() != 0 && data.raw() != out[0]->raw()) std::memcpy(y, data.raw(), data.bytes());
    const auto* u = static_cast<const unsigned char*>(in[2]->raw());
    for (size_t r = 0; r < offsets.size(); ++r)
      if (slice_bytes) std::memcpy(y + offsets[r] * static_cast<int64_t>(elem), u + r * slice_bytes, slice_bytes);
  }
  int in_place_input() const override { return 0; }  // the output starts as a copy of 'data'

 private:
  // Element offset in `data` of every addressed slice; fails naming the first coordinate out of range.
  std::vector<int64_t> slice_offsets(const Tensor& indices, const Shape& data_shape) const {
    const std::vector<int64_t> strides = shape_strides(data_shape);
    const int64_t* idx = indices.data<int64_t>();
    const int64_t rows = q_ == 0 ? 0 : indices.numel() / q_;
    std::vector<int64_t> offsets(static_cast<size_t>(rows), 0);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t a = 0; a < q_; ++a) {
        int64_t v = idx[r * q_ + a];
        const int64_t dim = data_shape[a];
        DNNCOST_LAYER_EXPECT(v >= -dim && v < dim, "index " << v << " (row " << r << ", coordinate " << a
                                                            << " of input 'indices') is out of range for dimension "
                                                            << a << " of 'data', of size " << dim << " (expected -"
                                                            << dim << " <= index < " << dim << ")");
        if (v < 0) v += dim;
        offsets[r] += v * strides[a];
      }
    }
    return offsets;
  }

  int64_t q_ = 1;
};

DNNCOST_REGISTER_LAYER("ScatterND", ScatterND);

}  // namespace
}  // namespace dnncost
