// Slice (layers/slice.cpp): SliceParams, the slice as the layer resolved it per input axis (attributes before
// opset 10, plan-time inputs from 10; axes, negative and out-of-range values resolved), which the cuda kernel
// (kernels/cuda/data_movement_plan.h) reads instead of the node.
#pragma once

#include <cstdint>
#include <vector>

namespace dnncost {

// Output element i along axis a reads input element start[a] + i * step[a].
struct SliceParams {
  std::vector<int64_t> start, step;  // one per input axis
};

}  // namespace dnncost
