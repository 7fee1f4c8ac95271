// Concat and Split: joining tensors along one axis and cutting one tensor into pieces along an axis.
// Both see a tensor as [outer, axis * inner] rows, so each piece of a row is one memcpy of whole bytes; any
// element type works (shape subgraphs concatenate int64 shape vectors). Data movement: MACs = FLOPs = 0.
#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

#include "layers/data_movement.h"
#include "layers/concat_split.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Product of dims [first, last).
int64_t dims_product(const Shape& s, size_t first, size_t last) {
  int64_t n = 1;
  for (size_t i = first; i < last; ++i) n *= s[i];
  return n;
}

// Concat (opset 1, 4, 11, 13): axis defaults to 1 before opset 4 and is required from 4 on. Negative axes
// (opset 11) are accepted at every opset.
class Concat : public DataMovementLayer, public ParsedAttributes<ConcatSplitParams> {
 public:
  using DataMovementLayer::DataMovementLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, SIZE_MAX);
    for (size_t i = 0; i < in.size(); ++i) DNNCOST_LAYER_EXPECT(in[i].present, "input " << i << " is missing");
    expect_same_dtype(in, 0, in.size() - 1);
    const int64_t rank = in[0].rank();
    DNNCOST_LAYER_EXPECT(rank >= 1, "input 0 is a scalar; Concat needs inputs of rank >= 1");
    const int64_t axis_attr = ctx().opset < 4 ? attrs().get_int("axis", 1) : attrs().get_int("axis");
    const int64_t axis = resolve_axis(axis_attr, rank, "axis");
    parsed_.axis = axis;

    Shape out = in[0].shape;
    out[axis] = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const Shape& s = in[i].shape;
      DNNCOST_LAYER_EXPECT(in[i].rank() == rank, "input " << i << " has shape " << shape_str(s) << " (rank " << s.size()
                                                          << ") but input 0 has shape " << shape_str(in[0].shape)
                                                          << " (rank " << rank
                                                          << "); all inputs must have the same rank");
      for (int64_t d = 0; d < rank; ++d) {
        DNNCOST_LAYER_EXPECT(d == axis || s[d] == in[0].shape[d],
                             "input " << i << " has shape " << shape_str(s) << " but input 0 has shape "
                                      << shape_str(in[0].shape) << ": dim " << d << " is " << s[d] << ", expected "
                                      << in[0].shape[d] << " (all dims except the concat axis " << axis
                                      << " must agree)");
      }
      out[axis] += s[axis];
    }

    const int64_t elem = static_cast<int64_t>(dtype_size(in[0].dtype));
    outer_ = dims_product(out, 0, axis);
    block_bytes_.clear();
    for (const auto& v : in) block_bytes_.push_back(dims_product(v.shape, axis, v.shape.size()) * elem);
    return {{in[0].dtype, out}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    unsigned char* dst = static_cast<unsigned char*>(out[0]->raw());
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t i = 0; i < in.size(); ++i) {
        const int64_t n = block_bytes_[i];
        if (n == 0) continue;
        std::memcpy(dst, static_cast<const unsigned char*>(in[i]->raw()) + o * n, n);
        dst += n;
      }
    }
  }

 private:
  int64_t outer_ = 0;                 // product of the dims before the axis
  std::vector<int64_t> block_bytes_;  // bytes of one input per outer index (its dims from the axis on)
};

// Split (opset 1, 2, 11, 13, 18): axis defaults to 0. The sizes come from the 'split' attribute (opset 2-12) or
// from the optional input 'split' (opset 1 and 13+), which must be known at plan time; without them the axis
// is cut into as many equal parts as the node has outputs. Opset 18's num_outputs (instead of the split input;
// it must equal the node's output count) cuts parts of ceil(size / num_outputs), the last one smaller.
class Split : public DataMovementLayer, public ParsedAttributes<ConcatSplitParams> {
 public:
  using DataMovementLayer::DataMovementLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 2);
    const int64_t rank = in[0].rank();
    DNNCOST_LAYER_EXPECT(rank >= 1, "input is a scalar; Split needs an input of rank >= 1");
    const int64_t n_out = static_cast<int64_t>(node().outputs.size());
    DNNCOST_LAYER_EXPECT(n_out >= 1, "has no outputs");
    axis_ = resolve_axis(attrs().get_int("axis", 0), rank, "axis");
    parsed_.axis = axis_;
    const int64_t dim = in[0].shape[axis_];

    const bool split_input = in.size() > 1 && in[1].present;
    if (split_input) {
      DNNCOST_LAYER_EXPECT(!attrs().has("split"), "has both a 'split' attribute and a 'split' input; expected one");
      DNNCOST_LAYER_EXPECT(!attrs().has("num_outputs"),
                           "has both a 'split' input and the 'num_outputs' attribute; expected one");
      DNNCOST_LAYER_EXPECT(ctx().opset == 1 || ctx().opset >= 13,
                           "Split-" << ctx().opset << " takes the split sizes as the 'split' attribute, "
                                    << "not as an input (the input exists in opset 1 and from opset 13)");
      sizes_ = plan_time_ints(in[1], "split");
    } else if (attrs().has("split")) {
      DNNCOST_LAYER_EXPECT(
          ctx().opset < 13,
          "the 'split' attribute was replaced by the 'split' input in opset 13 (model opset " << ctx().opset << ")");
      sizes_ = attrs().get_ints("split");
    } else if (attrs().has("num_outputs")) {
      const int64_t parts = attrs().get_int("num_outputs");
      DNNCOST_LAYER_EXPECT(ctx().opset >= 18,
                           "attribute 'num_outputs' exists from opset 18 on; this model uses opset " << ctx().opset);
      DNNCOST_LAYER_EXPECT(parts == n_out, "num_outputs is " << parts << " but the node has " << n_out
                                                             << " outputs; expected them equal");
      const int64_t chunk = dim / parts + (dim % parts != 0 ? 1 : 0);  // ceil
      DNNCOST_LAYER_EXPECT(chunk * (parts - 1) <= dim, "cannot split axis "
                                                           << axis_ << " of size " << dim << " (input shape "
                                                           << shape_str(in[0].shape) << ") into " << parts
                                                           << " parts of " << chunk << " (ceil(" << dim << " / "
                                                           << parts << ")) and a smaller last one: the first "
                                                           << parts - 1 << " already need " << chunk * (parts - 1));
      sizes_.assign(static_cast<size_t>(parts), chunk);
      sizes_.back() = dim - chunk * (parts - 1);
    } else {
      DNNCOST_LAYER_EXPECT(dim % n_out == 0, "cannot split axis " << axis_ << " of size " << dim << " (input shape "
                                                                  << shape_str(in[0].shape) << ") into " << n_out
                                                                  << " equal parts; expected a size divisible by "
                                                                  << n_out << " or explicit split sizes");
      sizes_.assign(static_cast<size_t>(n_out), dim / n_out);
    }
    DNNCOST_LAYER_EXPECT(static_cast<int64_t>(sizes_.size()) == n_out,
                         "split " << shape_str(sizes_) << " has " << sizes_.size()
                                  << " values, expected one per output (" << n_out << ")");
    int64_t total = 0;
    for (int64_t s : sizes_) {
      DNNCOST_LAYER_EXPECT(s >= 0, "split " << shape_str(sizes_) << " has a negative size");
      DNNCOST_LAYER_EXPECT(s <= dim - total, "split " << shape_str(sizes_) << " sums to more than the size " << dim
                                                      << " of axis " << axis_ << " (input shape "
                                                      << shape_str(in[0].shape) << ")");
      total += s;
    }
    DNNCOST_LAYER_EXPECT(total == dim, "split " << shape_str(sizes_) << " sums to " << total << ", expected the size "
                                                << dim << " of axis " << axis_ << " (input shape "
                                                << shape_str(in[0].shape) << ")");

    outer_ = dims_product(in[0].shape, 0, axis_);
    inner_bytes_ =
        dims_product(in[0].shape, axis_ + 1, in[0].shape.size()) * static_cast<int64_t>(dtype_size(in[0].dtype));
    std::vector<OutputDesc> outs;
    for (int64_t s : sizes_) {
      Shape shape = in[0].shape;
      shape[axis_] = s;
      outs.push_back({in[0].dtype, shape});
    }
    return outs;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const unsigned char* src = static_cast<const unsigned char*>(in[0]->raw());
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t k = 0; k < sizes_.size(); ++k) {
        const int64_t n = sizes_[k] * inner_bytes_;
        if (out[k] && n != 0) std::memcpy(static_cast<unsigned char*>(out[k]->raw()) + o * n, src, n);
        src += n;
      }
    }
  }

 private:
  int64_t axis_ = 0;
  std::vector<int64_t> sizes_;  // size of each output along the axis
  int64_t outer_ = 0;           // product of the dims before the axis
  int64_t inner_bytes_ = 0;     // bytes of one step along the axis
};

DNNCOST_REGISTER_LAYER("Concat", Concat);
DNNCOST_REGISTER_LAYER("Split", Split);

}  // namespace
}  // namespace dnncost
