// Shared input checks for Layer implementations.
#include "layers/layer.h"

#include <sstream>

namespace dnncost {

void Layer::expect_inputs(const std::vector<ValueDesc>& in, size_t min, size_t max) const {
  size_t last_present = 0;
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].present) last_present = i + 1;
  const bool unbounded = max == SIZE_MAX;
  const std::string expected = min == max ? std::to_string(min)
                               : unbounded ? "at least " + std::to_string(min)
                                           : std::to_string(min) + " to " + std::to_string(max);
  DNNCOST_LAYER_EXPECT(last_present >= min && in.size() <= max,
                       "expected " << expected << " input(s), got " << last_present);
  for (size_t i = 0; i < min; ++i) DNNCOST_LAYER_EXPECT(in[i].present, "required input " << i << " is missing");
}

void Layer::expect_float(const ValueDesc& v, const char* what) const {
  DNNCOST_LAYER_EXPECT(v.dtype == DType::kFloat32,
                       what << " must be float (float32), got " << dtype_name(v.dtype));
}

void Layer::expect_rank(const ValueDesc& v, int64_t min_rank, int64_t max_rank, const char* what) const {
  const std::string expected = min_rank == max_rank ? std::to_string(min_rank)
                               : max_rank >= 64     ? "at least " + std::to_string(min_rank)
                                                    : std::to_string(min_rank) + " to " + std::to_string(max_rank);
  DNNCOST_LAYER_EXPECT(v.rank() >= min_rank && v.rank() <= max_rank,
                       what << " must have rank " << expected << ", got shape " << shape_str(v.shape));
}

}  // namespace dnncost
