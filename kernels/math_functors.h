// Per-element math of the unary ops Sqrt, Exp, Log, Reciprocal, Neg, Abs and of the binary Pow and Mod, shared by the
// ref loops and (later) the CUDA kernels. Each functor states its FLOPs per output element (docs/COSTS.md: one
// operation each).
//
// Float math follows C (and numpy): sqrt and log of a negative number give NaN, log(0) = -inf, 1/0 = inf. Integer
// Neg and Abs wrap around for the most negative value (as numpy does), instead of being undefined in C++.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/elementwise_functors.h"
#include "kernels/hostdevice.h"

namespace dnncost {

struct SqrtFn {
  static constexpr int kFlops = 1;
  DNNCOST_HD float operator()(float x) const { return sqrtf(x); }
};
struct ExpFn {
  static constexpr int kFlops = 1;
  DNNCOST_HD float operator()(float x) const { return expf(x); }
};
struct LogFn {
  static constexpr int kFlops = 1;
  DNNCOST_HD float operator()(float x) const { return logf(x); }
};
struct ReciprocalFn {
  static constexpr int kFlops = 1;  // one division
  DNNCOST_HD float operator()(float x) const { return 1.f / x; }
};
struct NegFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T x) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_sub(T(0), x);
    } else {
      return -x;
    }
  }
};
struct AbsFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T x) const {
    if constexpr (std::is_integral_v<T>) {
      return x < 0 ? wrapping_sub(T(0), x) : x;
    } else {
      return fabsf(x);
    }
  }
};

// A double truncated toward zero into the integer type T; NaN and values outside T's range give T's minimum (what x86's
// conversion instruction, and so numpy there, gives) instead of C++'s undefined behaviour.
template <typename T>
DNNCOST_HD T truncate_to(double v) {
  const double lowest = static_cast<double>(std::numeric_limits<T>::min());  // -2^(bits-1), exact in double
  return (v >= lowest && v < -lowest) ? static_cast<T>(v) : std::numeric_limits<T>::min();
}

// Pow: base^exponent, in the base's type. A float base uses powf with the exponent converted to float (x^2 with an
// int64 exponent 2 is powf(x, 2.f)). An integer base with a non-negative integer exponent is exact (repeated
// squaring, wrapping on overflow as numpy does); otherwise it is computed in double and truncated toward zero
// (truncate_to).
struct PowFn {
  static constexpr int kFlops = 1;
  template <typename TB, typename TE>
  DNNCOST_HD TB operator()(TB base, TE exponent) const {
    if constexpr (std::is_floating_point_v<TB>) {
      return powf(base, static_cast<float>(exponent));
    } else if constexpr (std::is_integral_v<TE>) {
      if constexpr (std::is_signed_v<TE>) {
        if (exponent < 0) return truncate_to<TB>(pow(static_cast<double>(base), static_cast<double>(exponent)));
      }
      TB result = 1, factor = base;
      for (auto e = exponent; e > 0; e /= 2) {
        if (e % 2) result = wrapping_mul(result, factor);
        factor = wrapping_mul(factor, factor);
      }
      return result;
    } else {
      return truncate_to<TB>(pow(static_cast<double>(base), static_cast<double>(exponent)));
    }
  }
};

// Mod with fmod=0 (integers only): the remainder takes the divisor's sign, as Python's % and numpy.mod do
// (-7 mod 3 = 2, 7 mod -3 = -2). The caller rejects a zero divisor before the loop; MIN mod -1 is 0.
struct ModFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if (b == T(-1)) return T(0);
    const T r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
  }
};

// Mod with fmod=1: the remainder takes the dividend's sign, as C's fmod (floats) and % (integers) do (-7 fmod 3 =
// -1). The caller rejects a zero integer divisor; a zero float divisor gives NaN.
struct FmodFn {
  static constexpr int kFlops = 1;
  template <typename T>
  DNNCOST_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return fmodf(a, b);
    } else {
      return b == T(-1) ? T(0) : static_cast<T>(a % b);
    }
  }
};

}  // namespace dnncost
