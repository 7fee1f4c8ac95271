// What the cuda device's own kernel for the byte copies (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout)
// (kernels/cuda/copy.cu) decides at plan time, in host-only code: whether it handles the step and with which
// parameters, or why the step falls back to the layer's forward_ref (the reason goes in *why). No CUDA includes, so the
// unit tests run it in every build.
#pragma once

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/cast_element.h"
#include "kernels/cuda/plan_common.h"
#include "layers/element_convert.h"
#include "layers/step.h"

namespace dnncost::cuda {

// --- byte copies: Reshape Flatten Squeeze Unsqueeze Identity Dropout ---------------------------------------

struct ByteCopyConfig {
  int64_t bytes = 0;                     // output 0 = input 0, byte for byte
  DType mask_dtype = DType::kUndefined;  // Dropout's mask output (all ones), when it is used
  int64_t mask_elements = 0;
};

// The bytes of the value 1 in element type t (the Dropout mask), or an empty vector for types without one.
inline std::vector<unsigned char> one_value_bytes(DType t) {
  std::vector<unsigned char> bytes(dtype_size(t));
  if (bytes.empty() || !dtype_convertible(t)) return {};
  const float one = 1.f;
  convert_elements(DType::kFloat32, &one, t, bytes.data(), 1);
  return bytes;
}

inline bool plan_byte_copy(const StepView& s, ByteCopyConfig* c, std::string* why) {
  if (!s.present(0) || !s.has_output(0)) return refuse(why, "missing input or output");
  if (s.input(0).constant) return refuse(why, "constant input");
  const int64_t in_bytes = shape_numel(s.input(0).shape) * static_cast<int64_t>(dtype_size(s.input(0).dtype));
  const int64_t out_bytes = shape_numel(s.output(0).shape) * static_cast<int64_t>(dtype_size(s.output(0).dtype));
  if (in_bytes != out_bytes || s.input(0).dtype != s.output(0).dtype) return refuse(why, "input and output differ");
  c->bytes = in_bytes;
  if (s.node().op_type == "Dropout") {
    // training_mode (input 2) must be a known false (or ratio a known 0): the ref path checks it at run time.
    if (s.present(2)) {
      const Tensor* training = s.constant(2);
      if (!training) return refuse(why, "Dropout training_mode computed at run time");
      if (training->numel() > 0 && training->value_as_double(0) != 0) {
        const Tensor* ratio = s.constant(1);
        if (s.present(1) && (!ratio || ratio->value_as_double(0) != 0)) return refuse(why, "Dropout in training mode");
      }
    }
    if (s.has_output(1)) {
      c->mask_dtype = s.output(1).dtype;
      c->mask_elements = shape_numel(s.output(1).shape);
      if (one_value_bytes(c->mask_dtype).empty()) return refuse(why, "mask type " + dtype_name(c->mask_dtype));
    }
  } else if (!s.only_first_output()) {
    return refuse(why, "extra outputs");
  }
  return true;
}

}  // namespace dnncost::cuda
