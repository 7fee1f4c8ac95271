// Source-index mapping of Pad, shared by the ref loops and a later CUDA kernel.
#pragma once

#include <cstdint>

#include "kernels/hostdevice.h"

namespace dnncost {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Maps position `local` along one axis (relative to the start of the kept input extent, so negative in the
// leading pad and >= extent in the trailing pad) to an index in [0, extent), or -1 where the constant value
// goes. The caller guarantees extent > pad for kReflect and extent > 0 for kEdge and kWrap (opset 19: the pad
// repeats the extent periodically, as numpy's pad mode "wrap").
DNNCOST_HD int64_t pad_source_index(int64_t local, int64_t extent, PadMode mode) {
  if (local >= 0 && local < extent) return local;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return local < 0 ? 0 : extent - 1;
    case PadMode::kReflect:
      return local < 0 ? -local : 2 * (extent - 1) - local;  // mirror without the edge
    case PadMode::kWrap: {
      const int64_t r = local % extent;
      return r < 0 ? r + extent : r;
    }
  }
  return -1;
}

}  // namespace dnncost
