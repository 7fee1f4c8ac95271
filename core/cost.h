// Cost of a layer or a network: parameters, operation counts and bytes. Rules: docs/COSTS.md.
#pragma once

#include <cstdint>

namespace dnncost {

struct Cost {
  int64_t params = 0;            // trainable parameters (first use of each initializer)
  int64_t macs = 0;              // multiply-accumulates (1 MAC = 2 FLOPs)
  int64_t flops = 0;             // all floating-point operations, 2 per MAC plus the rest
  int64_t bytes_read = 0;        // bytes of all inputs read (activations and weights)
  int64_t bytes_written = 0;     // bytes of all outputs written
  int64_t weight_bytes = 0;      // bytes of initializers (params and state), first use only
  int64_t activation_bytes = 0;  // bytes of this layer's outputs

  Cost& operator+=(const Cost& o) {
    params += o.params;
    macs += o.macs;
    flops += o.flops;
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    weight_bytes += o.weight_bytes;
    activation_bytes += o.activation_bytes;
    return *this;
  }
};

}  // namespace dnncost
