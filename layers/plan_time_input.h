// A Layer base for ops whose output shape depends on an input's values (Pad's pads, Slice's starts/ends/axes/steps,
// ConstantOfShape's shape, ReduceMean's axes input): those inputs must be known at plan time.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace dnncost {

class PlanTimeInputLayer : public Layer {
 public:
  using Layer::Layer;

 protected:
  // Values of the 1-D (or scalar) int32/int64 input `v`, which must be constant at plan time. `what` names the
  // input in messages ("input 'pads'").
  std::vector<int64_t> plan_time_ints(const ValueDesc& v, const std::string& what) const {
    DNNCOST_LAYER_EXPECT(v.dtype == DType::kInt64 || v.dtype == DType::kInt32,
                         what << " must be int64 (or int32), got " << dtype_name(v.dtype));
    DNNCOST_LAYER_EXPECT(v.rank() <= 1, what << " must be a 1-D tensor, got shape " << shape_str(v.shape));
    DNNCOST_LAYER_EXPECT(v.constant != nullptr,
                         what << " must be known at plan time (a constant or computed from shapes), but it is "
                                 "computed at run time, so the output shape would depend on the input's values "
                                 "(data-dependent); dnncost plans static shapes");
    return v.constant->to_int64_vector();
  }
};

}  // namespace dnncost
