// Element-type conversion with Cast's semantics, for the layers that convert values (Cast, and the fill values of
// Pad and ConstantOfShape): any pair of float32/float64/float16/bfloat16, int8/16/32/64, uint8/16/32/64, bool.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace dnncost {

// True for the element types convert_elements handles (every type a host Tensor can hold).
bool dtype_convertible(DType t);

// Converts n elements of type `from` at src into type `to` at dst:
//   float -> float: rounded to nearest even (float16/bfloat16 correctly rounded from any source);
//   float -> integer: truncated toward zero, saturated at the integer's range, NaN -> 0;
//   integer -> integer: wraps modulo 2^bits (two's complement, as C and numpy do);
//   anything -> bool: nonzero (NaN included) -> 1; bool -> anything: 0 or 1.
void convert_elements(DType from, const void* src, DType to, void* dst, int64_t n);

// Element type from the ONNX name Cast opset 1 uses for `to` ("FLOAT", "INT64", ...); kUndefined if unknown.
DType dtype_from_onnx_name(const std::string& name);

}  // namespace dnncost
