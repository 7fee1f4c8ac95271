// Transpose: output dim j is input dim perm[j] (perm defaults to the reversed dims). The permutation is reduced
// at plan time to a walk (kernels/transpose_index.h) and forward copies whole rows with memcpy where the
// innermost output dim is contiguous in the input, else elements of the input's size (any element type).
// Data movement: MACs = FLOPs = 0.
#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

#include "kernels/transpose_index.h"
#include "layers/data_movement.h"
#include "layers/transpose.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Copies `src` to `dst` in the order of walk `w` (at least one dim); T has the size of one element.
template <typename T>
void copy_along_walk(const T* src, T* dst, int64_t numel, const TransposeWalk& w) {
  const int outer_rank = static_cast<int>(w.out_dims.size()) - 1;
  const int64_t row_length = w.out_dims[outer_rank];
  const int64_t row_stride = w.in_strides[outer_rank];
  const int64_t rows = numel / row_length;
  std::vector<int64_t> index(static_cast<size_t>(outer_rank), 0);  // position in the outer output dims
  int64_t row_start = 0;                                           // input offset of the current row
  for (int64_t row = 0; row < rows; ++row) {
    if (row_stride == 1) {
      std::memcpy(dst, src + row_start, static_cast<size_t>(row_length) * sizeof(T));
    } else {
      for (int64_t k = 0; k < row_length; ++k) dst[k] = src[row_start + k * row_stride];
    }
    dst += row_length;
    for (int j = outer_rank - 1; j >= 0; --j) {  // next row: advance the outer index like an odometer
      row_start += w.in_strides[j];
      if (++index[j] < w.out_dims[j]) break;
      row_start -= w.in_strides[j] * w.out_dims[j];
      index[j] = 0;
    }
  }
}

// Transpose (opset 1, 13).
class Transpose : public DataMovementLayer, public ParsedAttributes<TransposeParams> {
 public:
  using DataMovementLayer::DataMovementLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    const int64_t rank = in[0].rank();
    std::vector<int64_t> perm;
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
    perm = attrs().get_ints("perm", perm);
    DNNCOST_LAYER_EXPECT(static_cast<int64_t>(perm.size()) == rank,
                         "perm " << shape_str(perm) << " has " << perm.size() << " values, expected " << rank
                                 << " for input shape " << shape_str(in[0].shape));
    std::vector<bool> used(static_cast<size_t>(rank), false);
    for (int64_t p : perm) {
      DNNCOST_LAYER_EXPECT(p >= 0 && p < rank && !used[p], "perm " << shape_str(perm) << " is not a permutation of 0.."
                                                                   << rank - 1 << " (input shape "
                                                                   << shape_str(in[0].shape) << ")");
      used[p] = true;
    }
    Shape out;
    for (int64_t p : perm) out.push_back(in[0].shape[p]);
    walk_ = make_transpose_walk(in[0].shape, perm);
    parsed_.perm = perm;
    return {{in[0].dtype, out}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    if (x.numel() == 0) return;
    if (walk_.out_dims.empty() || (walk_.out_dims.size() == 1 && walk_.in_strides[0] == 1)) {
      copy_bytes(x, y);  // the permutation moves nothing
      return;
    }
    switch (dtype_size(x.dtype())) {
      case 1: copy_as<uint8_t>(x, y); break;
      case 2: copy_as<uint16_t>(x, y); break;
      case 4: copy_as<uint32_t>(x, y); break;
      case 8: copy_as<uint64_t>(x, y); break;
      default: fail("cannot transpose elements of type " + dtype_name(x.dtype()));
    }
  }

 private:
  template <typename T>
  void copy_as(const Tensor& x, Tensor& y) const {
    copy_along_walk(static_cast<const T*>(x.raw()), static_cast<T*>(y.raw()), x.numel(), walk_);
  }

  TransposeWalk walk_;
};

DNNCOST_REGISTER_LAYER("Transpose", Transpose);

}  // namespace
}  // namespace dnncost
