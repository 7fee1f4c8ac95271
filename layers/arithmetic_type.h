// The element types the arithmetic layers compute (float32 for data, int64 and int32 for the shape subgraphs they
// appear in), shared by layers/elementwise.cpp (Add, Sub, Mul, Div, Sum, Max) and layers/pow_mod.cpp (Pow, Mod).
#pragma once

#include <stdexcept>
#include <string>

#include "core/tensor.h"

namespace dnncost {

inline bool arithmetic_type(DType t) { return t == DType::kFloat32 || t == DType::kInt64 || t == DType::kInt32; }

// Calls f(T{}) with T the C++ element type of t (one of the arithmetic types); `op` names the op in the logic error
// a type infer() let through would raise.
template <typename F>
void with_arithmetic_type(DType t, const std::string& op, F&& f) {
  switch (t) {
    case DType::kFloat32: f(float{}); break;
    case DType::kInt64: f(int64_t{}); break;
    case DType::kInt32: f(int32_t{}); break;
    default: throw std::logic_error(op + " reached forward with type " + dtype_name(t));
  }
}

}  // namespace dnncost
