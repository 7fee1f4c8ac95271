// What every cuda kernel's plan-time selection (kernels/cuda/<op>_plan.h) shares, in host-only code: saying why a
// kernel refuses a step, and the int arithmetic of cuDNN descriptors.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace dnncost::cuda {

inline bool refuse(std::string* why, const std::string& reason) {
  if (why) *why = reason;
  return false;
}

}  // namespace dnncost::cuda

namespace dnncost::cuda_geometry {

inline bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

// Row-major strides of int dims.
inline std::vector<int> packed_strides(const std::vector<int>& dims) {
  std::vector<int> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

}  // namespace dnncost::cuda_geometry
