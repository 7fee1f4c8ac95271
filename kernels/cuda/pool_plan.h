// Host-only arithmetic of pooling on cuDNN (kernels/cuda/pool.cu; no CUDA includes, so every build tests it).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/cuda/plan_common.h"

namespace dnncost::cuda_geometry {

// --- pooling ---------------------------------------------------------------------------------------------------

// cuDNN pooling parameters (symmetric pads, floor-mode output) for 1-D..3-D pooling; a 1-D pool gets a trailing
// axis of 1 (window 1, stride 1).
struct PoolDescriptor {
  std::vector<int> x, y;  // N, C, spatial (4 or 5 entries)
  std::vector<int> window, pads, strides;
};

// False when cuDNN's pooling does not compute exactly this output: asymmetric or ceil-mode padding (the output
// size differs from cuDNN's floor formula), dilation, or dims beyond int. The own kernel then runs.
inline bool pool_descriptor(const Shape& x, const Shape& y, const std::vector<int64_t>& kernel,
                            const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                            const std::vector<int64_t>& pads_begin, const std::vector<int64_t>& pads_end,
                            PoolDescriptor* d) {
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size()) return false;
  const size_t spatial = x.size() - 2;
  if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial ||
      pads_begin.size() != spatial || pads_end.size() != spatial)
    return false;
  PoolDescriptor out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!fits_int(x[i]) || !fits_int(y[i])) return false;
    out.x.push_back(static_cast<int>(x[i]));
    out.y.push_back(static_cast<int>(y[i]));
  }
  for (size_t a = 0; a < spatial; ++a) {
    if (dilations[a] != 1 || pads_begin[a] != pads_end[a]) return false;
    if (!fits_int(kernel[a]) || !fits_int(strides[a]) || !fits_int(pads_begin[a])) return false;
    // cuDNN requires the padding to be smaller than the window.
    if (pads_begin[a] >= kernel[a]) return false;
    if ((x[2 + a] + 2 * pads_begin[a] - kernel[a]) / strides[a] + 1 != y[2 + a]) return false;
    out.window.push_back(static_cast<int>(kernel[a]));
    out.pads.push_back(static_cast<int>(pads_begin[a]));
    out.strides.push_back(static_cast<int>(strides[a]));
  }
  if (spatial == 1) {
    out.x.push_back(1);
    out.y.push_back(1);
    out.window.push_back(1);
    out.pads.push_back(0);
    out.strides.push_back(1);
  }
  *d = out;
  return true;
}

}  // namespace dnncost::cuda_geometry
