// Pad (layers/pad.cpp): PadParams, the mode and pads as the layer resolved them (attributes before opset 11, plan-time
// inputs from 11), which the device kernels (kernels/cpu/pad.cpp, kernels/cuda/data_movement_plan.h) read instead of
// the node.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/pad_index.h"

namespace dnncost {

struct PadParams {
  PadMode mode = PadMode::kConstant;
  std::vector<int64_t> pads;     // begin of every axis, then end of every axis (negative: crop)
  bool value_attribute = false;  // opsets 1-10: the fill is the float `value` attribute
  float value = 0.f;             // that attribute (opset 11+: the constant_value input, or zero)
};

}  // namespace dnncost
