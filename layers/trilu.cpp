// Trilu (opset 14): the upper (upper=1, the default) or lower (upper=0) triangle of every matrix in the last two
// dimensions of X, the rest set to zero. The optional input k (an int64 scalar, default 0) shifts the diagonal: upper
// keeps the elements with column - row >= k, lower those with column - row <= k. Any element type; GPT-style causal
// masks export torch.tril/triu this way. Data movement: 0 FLOPs.
#include <cstring>
#include <sstream>

#include "layers/registry.h"

namespace dnncost {
namespace {

class Trilu : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 2);
    DNNCOST_LAYER_EXPECT(in[0].rank() >= 2, "input must have rank >= 2 (matrices in the last two dimensions), got "
                                                << shape_str(in[0].shape));
    DNNCOST_LAYER_EXPECT(dtype_size(in[0].dtype) > 0, "input has element type " << dtype_name(in[0].dtype)
                                                                                << ", which dnncost cannot hold");
    const int64_t upper = attrs().get_int("upper", 1);
    DNNCOST_LAYER_EXPECT(upper == 0 || upper == 1, "attribute upper must be 0 or 1, got " << upper);
    upper_ = upper == 1;
    if (in.size() > 1 && in[1].present) {
      DNNCOST_LAYER_EXPECT(in[1].dtype == DType::kInt64, "input 'k' must be int64, got " << dtype_name(in[1].dtype));
      DNNCOST_LAYER_EXPECT(in[1].numel() == 1 && in[1].rank() <= 1,
                           "input 'k' must be a scalar, got shape " << shape_str(in[1].shape));
    }
    return {{in[0].dtype, in[0].shape}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& x = *in[0];
    const int64_t k = in.size() > 1 && in[1] ? in[1]->data<int64_t>()[0] : 0;
    const int64_t rows = x.shape()[x.rank() - 2], cols = x.shape()[x.rank() - 1];
    const int64_t matrices = rows * cols == 0 ? 0 : x.numel() / (rows * cols);
    const size_t elem = dtype_size(x.dtype());
    const auto* src = static_cast<const unsigned char*>(x.raw());
    auto* dst = static_cast<unsigned char*>(out[0]->raw());
    for (int64_t m = 0; m < matrices; ++m) {
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t row = (m * rows + i) * cols;
        for (int64_t j = 0; j < cols; ++j) {
          // j - i lies in (-rows, cols): no overflow, whatever int64 k is.
          const bool keep = upper_ ? (j - i >= k) : (j - i <= k);
          unsigned char* to = dst + (row + j) * static_cast<int64_t>(elem);
          if (keep) {
            if (to != src + (row + j) * static_cast<int64_t>(elem))
              std::memcpy(to, src + (row + j) * static_cast<int64_t>(elem), elem);
          } else {
            std::memset(to, 0, elem);
          }
        }
      }
    }
  }
  int in_place_input() const override { return 0; }  // element i reads only input element i

 private:
  bool upper_ = true;
};

DNNCOST_REGISTER_LAYER("Trilu", Trilu);

}  // namespace
}  // namespace dnncost
