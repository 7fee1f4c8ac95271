// Gelu (layers/gelu.cpp): GeluParams, its attributes as the layer parsed them, which the device kernels
// (kernels/cpu/activation.cpp) read instead of the node.
#pragma once

namespace dnncost {

struct GeluParams {
  bool tanh = false;  // approximate = "tanh" (else "none": the erf form)
  // A Gelu the passes fused from x * x * x (engine/passes.h, fuse_gelu) counts its cube as two multiplies, as the
  // separate nodes did: attribute "dnncost.cube_multiplies" = 1.
  bool cube_by_multiplies = false;
};

}  // namespace dnncost
