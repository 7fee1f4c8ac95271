// Per-element conversions of Cast (also used for the fill values of Pad and ConstantOfShape), shared by the ref
// loops and a later CUDA kernel:
//   - float -> integer: truncation toward zero, saturating at the integer's range, NaN -> 0 (ONNX leaves
//     out-of-range conversions undefined; saturating keeps them defined in C++ and on the GPU);
//   - wide value -> float32 rounded to odd, so that a second rounding to nearest-even into float16 or
//     bfloat16 (at most 11 significant bits, float32 has 24 >= 2*11+2) gives the correctly rounded result
//     without double-rounding errors.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/hostdevice.h"

namespace dnncost {

// x truncated toward zero and clamped to Int's range; NaN gives 0.
template <typename Int>
DNNCOST_HD Int float_to_int_saturating(double x) {
  // The limits from bit patterns rather than std::numeric_limits, whose constexpr functions are host-only for
  // nvcc (device code may not call them without --expt-relaxed-constexpr).
  using Unsigned = std::make_unsigned_t<Int>;
  constexpr Unsigned kAllOnes = static_cast<Unsigned>(~Unsigned{0});
  constexpr Int kMax = std::is_signed_v<Int> ? static_cast<Int>(kAllOnes >> 1) : static_cast<Int>(kAllOnes);
  constexpr Int kMin = std::is_signed_v<Int> ? static_cast<Int>(-kMax - 1) : Int{0};
  if (x != x) return 0;
  const double lo = static_cast<double>(kMin);
  const double hi = static_cast<double>(kMax);  // may round up to 2^bits
  if (x <= lo) return kMin;
  if (x >= hi) return kMax;
  return static_cast<Int>(x);  // in range: truncates toward zero
}

// d rounded to float32 with round-to-odd: exact values stay, inexact ones are truncated toward zero and get
// their lowest significand bit set (a sticky bit the next rounding sees).
DNNCOST_HD float double_to_float_round_to_odd(double d) {
  float f = static_cast<float>(d);
  if (d != d || static_cast<double>(f) == d) return f;                               // NaN, infinity or exact
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.f);  // truncate
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  bits |= 1u;
  std::memcpy(&f, &bits, sizeof(bits));
  return f;
}

// Integer magnitude m as float32 rounded to odd (exact below 2^24), for the same purpose.
DNNCOST_HD float uint64_to_float_round_to_odd(uint64_t m) {
  int shift = 0;
  while ((m >> shift) >= (uint64_t{1} << 24)) ++shift;
  uint64_t kept = m >> shift;
  if (shift > 0 && (m & ((uint64_t{1} << shift) - 1)) != 0) kept |= 1u;
  return std::ldexp(static_cast<float>(kept), shift);  // kept < 2^24: exact
}

}  // namespace dnncost
