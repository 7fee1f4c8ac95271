// Reshape, Flatten, Squeeze and Unsqueeze: ops that give the same row-major bytes a new shape. Only the
// output shape is computed (at plan time); forward is one memcpy of the bytes, for any element type.
// Data movement: MACs = FLOPs = 0.
#include <cstdint>
#include <sstream>

#include "layers/data_movement.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Base of the ops whose output holds the input's bytes unchanged under another shape.
class SameBytesLayer : public DataMovementLayer {
 public:
  using DataMovementLayer::DataMovementLayer;

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    copy_bytes(*in[0], *out[0]);
  }
  int in_place_input() const override { return 0; }
};

// Reshape (opset 1, 5, 13, 14): the target shape is the 'shape' attribute before opset 5 and input 1 (known at
// plan time) from opset 5. A 0 copies the input dim at the same index (unless allowzero=1, opset 14, where 0
// is a zero-size dim); one -1 is inferred from the element count.
class Reshape : public SameBytesLayer {
 public:
  using SameBytesLayer::SameBytesLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    std::vector<int64_t> target;
    if (ctx().opset < 5) {
      expect_inputs(in, 1, 1);
      target = attrs().get_ints("shape");
    } else {
      expect_inputs(in, 2, 2);
      target = plan_time_ints(in[1], "shape");
    }
    const bool allow_zero = ctx().opset >= 14 && attrs().get_int("allowzero", 0) != 0;
    const Shape& from = in[0].shape;
    const int64_t elements = in[0].numel();

    Shape out;
    int64_t inferred_at = -1;
    int64_t known = 1;  // product of the dims other than the -1
    bool has_zero = false;
    for (size_t i = 0; i < target.size(); ++i) {
      int64_t d = target[i];
      if (d == -1) {
        DNNCOST_LAYER_EXPECT(inferred_at < 0, "shape " << shape_str(target) << " has more than one -1; expected at "
                                                       << "most one dim to infer");
        inferred_at = static_cast<int64_t>(i);
        out.push_back(1);
        continue;
      }
      DNNCOST_LAYER_EXPECT(d >= 0, "shape " << shape_str(target) << " has dim " << d << " at index " << i
                                            << "; expected a size >= 0, 0 (copy the input dim) or -1 (infer)");
      if (d == 0) {
        has_zero = true;
        if (!allow_zero) {
          DNNCOST_LAYER_EXPECT(i < from.size(), "shape " << shape_str(target) << " has 0 at index " << i
                                                         << ", which copies input dim " << i << ", but the input "
                                                         << shape_str(from) << " has rank " << from.size());
          d = from[i];
        }
      }
      DNNCOST_LAYER_EXPECT(d == 0 || known <= INT64_MAX / d,
                           "shape " << shape_str(target) << " has more elements than fit in int64");
      known *= d;
      out.push_back(d);
    }
    DNNCOST_LAYER_EXPECT(!(allow_zero && has_zero && inferred_at >= 0),
                         "shape " << shape_str(target) << " has both 0 and -1 with allowzero=1; the -1 cannot be "
                                  << "inferred");
    if (inferred_at >= 0) {
      DNNCOST_LAYER_EXPECT(known != 0 && elements % known == 0,
                           "cannot reshape " << shape_str(from) << " (" << elements << " elements) to "
                                             << shape_str(target) << ": the -1 cannot be inferred (" << elements
                                             << " elements are not a multiple of " << known << ")");
      out[inferred_at] = elements / known;
    } else {
      DNNCOST_LAYER_EXPECT(known == elements, "cannot reshape " << shape_str(from) << " (" << elements
                                                                << " elements) to " << shape_str(out) << " (" << known
                                                                << " elements)");
    }
    return {{in[0].dtype, out}};
  }
};

// Flatten (opset 1, 9, 11, 13): [d0 .. d(axis-1)] x [d(axis) .. d(r-1)] as a 2-D tensor; axis defaults to 1,
// 0 gives (1, N), and it may be negative (opset 11; accepted at every opset).
class Flatten : public SameBytesLayer {
 public:
  using SameBytesLayer::SameBytesLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    const int64_t rank = in[0].rank();
    int64_t axis = attrs().get_int("axis", 1);
    DNNCOST_LAYER_EXPECT(axis >= -rank && axis <= rank, "axis " << axis << " is out of range for a rank-" << rank
                                                                << " input (expected " << -rank
                                                                << " <= axis <= " << rank << ")");
    if (axis < 0) axis += rank;
    int64_t rows = 1, cols = 1;
    for (int64_t i = 0; i < rank; ++i) (i < axis ? rows : cols) *= in[0].shape[i];
    return {{in[0].dtype, {rows, cols}}};
  }
};

// Squeeze (opset 1, 11, 13): removes the listed size-1 dims, or every size-1 dim when no axes are given. Axes
// are an attribute before opset 13 and input 1 (known at plan time) from 13.
class Squeeze : public SameBytesLayer {
 public:
  using SameBytesLayer::SameBytesLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    std::vector<int64_t> axes;
    if (ctx().opset < 13) {
      expect_inputs(in, 1, 1);
      axes = attrs().get_ints("axes", {});
    } else {
      expect_inputs(in, 1, 2);
      DNNCOST_LAYER_EXPECT(
          !attrs().has("axes"),
          "the 'axes' attribute was replaced by input 1 in opset 13 (model opset " << ctx().opset << ")");
      if (in.size() > 1 && in[1].present) axes = plan_time_ints(in[1], "axes");
    }
    const Shape& from = in[0].shape;
    std::vector<bool> drop(from.size(), false);
    if (axes.empty()) {
      for (size_t i = 0; i < from.size(); ++i) drop[i] = from[i] == 1;
    } else {
      for (int64_t a : resolve_axes(axes, in[0].rank(), "axes")) {
        DNNCOST_LAYER_EXPECT(from[a] == 1, "cannot squeeze axis " << a << " of input shape " << shape_str(from)
                                                                  << ": its size is " << from[a] << ", expected 1");
        drop[a] = true;
      }
    }
    Shape out;
    for (size_t i = 0; i < from.size(); ++i)
      if (!drop[i]) out.push_back(from[i]);
    return {{in[0].dtype, out}};
  }
};

// Unsqueeze (opset 1, 11, 13): inserts size-1 dims at the listed positions of the output. Axes are a required
// attribute before opset 13 and input 1 (known at plan time) from 13; negative axes count from the end of the
// output; duplicates are an error.
class Unsqueeze : public SameBytesLayer {
 public:
  using SameBytesLayer::SameBytesLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    std::vector<int64_t> axes;
    if (ctx().opset < 13) {
      expect_inputs(in, 1, 1);
      axes = attrs().get_ints("axes");
    } else {
      expect_inputs(in, 2, 2);
      DNNCOST_LAYER_EXPECT(
          !attrs().has("axes"),
          "the 'axes' attribute was replaced by input 1 in opset 13 (model opset " << ctx().opset << ")");
      axes = plan_time_ints(in[1], "axes");
    }
    const Shape& from = in[0].shape;
    const int64_t out_rank = in[0].rank() + static_cast<int64_t>(axes.size());
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t a : resolve_axes(axes, out_rank, "axes", "output")) inserted[a] = true;
    Shape out;
    size_t next = 0;
    for (int64_t i = 0; i < out_rank; ++i) out.push_back(inserted[i] ? 1 : from[next++]);
    return {{in[0].dtype, out}};
  }
};

DNNCOST_REGISTER_LAYER("Reshape", Reshape);
DNNCOST_REGISTER_LAYER("Flatten", Flatten);
DNNCOST_REGISTER_LAYER("Squeeze", Squeeze);
DNNCOST_REGISTER_LAYER("Unsqueeze", Unsqueeze);

}  // namespace
}  // namespace dnncost
