// Per-element math of the comparison and logic ops (Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or, Xor,
// Not) and of Where's selection, shared by the ref loops and (later) the CUDA kernels. Each functor states its FLOPs
// per output element (the counting rule in docs/COSTS.md).
//
// Booleans are stored one byte per element (DType::kBool); the functors read any non-zero byte as true and write 0 or
// 1, so a result never holds a byte that is not a valid bool.
#pragma once

#include <cstdint>

#include "kernels/hostdevice.h"

namespace dnncost {

// Comparisons: numpy semantics, so any comparison with a NaN is false except "not equal" (not an ONNX op).
struct EqualFn {
  static constexpr int kFlops = 1;  // one comparison
  template <typename T>
  DNNCOST_HD uint8_t operator()(T a, T b) const {
    return a == b ? 1 : 0;
  }
};
struct LessFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD uint8_t operator()(T a, T b) const {
    return a < b ? 1 : 0;
  }
};
struct GreaterFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD uint8_t operator()(T a, T b) const {
    return a > b ? 1 : 0;
  }
};
struct LessOrEqualFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD uint8_t operator()(T a, T b) const {
    return a <= b ? 1 : 0;
  }
};
struct GreaterOrEqualFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD uint8_t operator()(T a, T b) const {
    return a >= b ? 1 : 0;
  }
};

// Logic on bool bytes.
struct AndFn {
  static constexpr int kFlops = 1;  // one logical operation
  DNNCOST_HD uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0 && b != 0) ? 1 : 0; }
};
struct OrFn {
  static constexpr int kFlops = 1;
  DNNCOST_HD uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0 || b != 0) ? 1 : 0; }
};
struct XorFn {
  static constexpr int kFlops = 1;
  DNNCOST_HD uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) != (b != 0) ? 1 : 0; }
};
struct NotFn {
  static constexpr int kFlops = 1;
  DNNCOST_HD uint8_t operator()(uint8_t a) const { return a != 0 ? 0 : 1; }
};

// Where: X where the condition holds, else Y. A selection, not arithmetic: 0 FLOPs (docs/COSTS.md).
struct SelectFn {
  static constexpr int kFlops = 0;
  template <typename T>
  DNNCOST_HD T operator()(uint8_t condition, T x, T y) const {
    return condition != 0 ? x : y;
  }
};

}  // namespace dnncost
