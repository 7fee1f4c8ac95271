// Shared base of the data-movement layers (Concat, Split, Reshape, Flatten, Squeeze, Unsqueeze, Transpose,
// Identity, Dropout): axis checks that name the node, reading plan-time integer inputs, and byte copies that
// work for any element type (shape subgraphs carry int64). These layers do no arithmetic: MACs = FLOPs = 0.
#pragma once

#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace dnncost {

class DataMovementLayer : public Layer {
 public:
  using Layer::Layer;

  // Data movement only: the default count() (0 MACs, 0 FLOPs) and input_role() (kData) apply.

 protected:
  // Maps axis in [-rank, rank) to [0, rank); fails naming `what` (e.g. "axis") otherwise. `of` says whose
  // rank it is ("input", "output").
  int64_t resolve_axis(int64_t axis, int64_t rank, const std::string& what, const char* of = "input") const {
    DNNCOST_LAYER_EXPECT(axis >= -rank && axis < rank, what << " " << axis << " is out of range for a rank-" << rank
                                                            << " " << of << " (expected " << -rank << " <= " << what
                                                            << " < " << rank << ")");
    return axis < 0 ? axis + rank : axis;
  }

  // Resolves a list of axes (the attribute or input `what`) against `rank` like resolve_axis; an axis named
  // twice is an error.
  std::vector<int64_t> resolve_axes(const std::vector<int64_t>& axes, int64_t rank, const std::string& what,
                                    const char* of = "input") const {
    std::vector<int64_t> out;
    std::set<int64_t> seen;
    for (int64_t a : axes) {
      DNNCOST_LAYER_EXPECT(a >= -rank && a < rank, what << " " << shape_str(axes) << " has axis " << a
                                                        << ", out of range for a rank-" << rank << " " << of
                                                        << " (expected " << -rank << " <= axis < " << rank << ")");
      const int64_t r = a < 0 ? a + rank : a;
      DNNCOST_LAYER_EXPECT(seen.insert(r).second, what << " " << shape_str(axes) << " name axis " << r
                                                       << " more than once; expected distinct axes");
      out.push_back(r);
    }
    return out;
  }

  // Values of the integer input `v` (called `name` in messages), which must be known at plan time because the
  // output shape depends on it.
  std::vector<int64_t> plan_time_ints(const ValueDesc& v, const char* name) const {
    DNNCOST_LAYER_EXPECT(v.constant != nullptr, "input '" << name
                                                          << "' must be known at plan time (a constant or "
                                                             "computed from shapes), but it is computed at run time, "
                                                             "so the output shape would depend on the input's values "
                                                             "(data-dependent); dnncost plans static shapes");
    const DType t = v.dtype;
    DNNCOST_LAYER_EXPECT(t == DType::kInt64 || t == DType::kInt32 || t == DType::kInt16 || t == DType::kInt8 ||
                             t == DType::kUint8 || t == DType::kUint16 || t == DType::kUint32,
                         "input '" << name << "' must be an integer tensor (int64), got " << dtype_name(t));
    DNNCOST_LAYER_EXPECT(v.rank() <= 1, "input '" << name << "' must be 1-D, got shape " << shape_str(v.shape));
    return v.constant->to_int64_vector();
  }

  // The element type every input of the op shares; fails naming the first input that differs.
  void expect_same_dtype(const std::vector<ValueDesc>& in, size_t first, size_t last) const {
    for (size_t i = first + 1; i <= last && i < in.size(); ++i) {
      if (!in[i].present) continue;
      DNNCOST_LAYER_EXPECT(in[i].dtype == in[first].dtype,
                           "input " << i << " has element type " << dtype_name(in[i].dtype) << ", expected "
                                    << dtype_name(in[first].dtype) << " like input " << first);
    }
  }

  // out = in, byte for byte (nothing to do when the memory plan put the output in the input's slot) (same element count
  // and type; shapes may differ).
  static void copy_bytes(const Tensor& in, Tensor& out) {
    if (in.bytes() != 0 && in.raw() != out.raw()) std::memcpy(out.raw(), in.raw(), in.bytes());
  }
};

}  // namespace dnncost
