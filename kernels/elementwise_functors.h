// Per-element math of the arithmetic ops Add, Sub, Mul, Div, Sum, Max, PRelu and Clip (and the steps of ReduceSum,
// ReduceMax, ReduceMin), shared by the ref loops and the CUDA kernels. Each functor states its FLOPs per output
// element (the counting rule in docs/COSTS.md).
//
// The binary functors are templates over the element type: float for data, int64/int32 for shape subgraphs.
// Integer arithmetic wraps around on overflow (as numpy and two's-complement hardware do) instead of being
// undefined behaviour in C++.
#pragma once

#include <type_traits>

#include "kernels/hostdevice.h"

namespace dnncost {

template <typename T>
DNNCOST_HD T wrapping_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
DNNCOST_HD T wrapping_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T>
DNNCOST_HD T wrapping_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

struct AddFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_add(a, b);
    } else {
      return a + b;
    }
  }
};

struct SubFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_sub(a, b);
    } else {
      return a - b;
    }
  }
};

struct MulFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_mul(a, b);
    } else {
      return a * b;
    }
  }
};

// Integer division truncates toward zero (C++ semantics, as the ONNX reference implementation and
// onnxruntime do). The caller rejects a zero divisor before the loop; MIN / -1 wraps to MIN instead of trapping.
struct DivFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return b == T(-1) ? wrapping_sub(T(0), a) : a / b;
    } else {
      return a / b;
    }
  }
};

// Maximum of two values; a NaN operand gives NaN (numpy.maximum, onnxruntime).
struct MaxFn {
  static constexpr int kFlops = 1;  // one comparison
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (a > b || a != a) ? a : b;  // b when b is NaN (a > NaN is false)
    } else {
      return a > b ? a : b;
    }
  }
};

// Minimum of two values; a NaN operand gives NaN (numpy.minimum), as MaxFn.
struct MinFn {
  static constexpr int kFlops = 1;  // one comparison
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (a < b || a != a) ? a : b;  // b when b is NaN (a < NaN is false)
    } else {
      return a < b ? a : b;
    }
  }
};

// PRelu: x for x >= 0, slope * x below.
struct PReluFn {
  static constexpr int kFlops = 2;  // comparison, multiply
  DNNCOST_HD float operator()(float x, float slope) const { return x < 0.f ? slope * x : x; }
};

// Clip as numpy.clip: min(max(x, lo), hi), so lo > hi gives hi everywhere; NaN stays NaN.
struct ClampFn {
  static constexpr int kFlops = 2;  // two comparisons
  float lo, hi;
  DNNCOST_HD float operator()(float x) const {
    const float above_lo = x < lo ? lo : x;
    return above_lo > hi ? hi : above_lo;
  }
};

}  // namespace dnncost
