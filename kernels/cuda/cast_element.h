// One element of Cast on the GPU, with the semantics of layers/element_convert.cpp (the ref path): the value is
// read exactly (floats as double, signed integers and bool as int64, unsigned as uint64) and stored with
// truncation toward zero and saturation for float -> integer (kernels/cast_functors.h), wrap-around for
// integer -> integer, nonzero (NaN included) -> true for bool.
//
// float16 and bfloat16 are not handled here: the ref path rounds them with its own host routines (NaN payloads
// included), which the CUDA intrinsics do not reproduce bit for bit, so a Cast touching them runs on the host.
// Host-only (no CUDA includes): the unit tests compare this function with convert_elements for every type pair.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/tensor.h"
#include "kernels/cast_functors.h"
#include "kernels/hostdevice.h"

namespace dnncost::cuda {

// The element types cast_element handles.
inline bool cast_type_on_device(DType t) {
  switch (t) {
    case DType::kFloat32:
    case DType::kFloat64:
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUint8:
    case DType::kUint16:
    case DType::kUint32:
    case DType::kUint64:
    case DType::kBool:
      return true;
    default:
      return false;
  }
}

struct CastValue {
  int kind = 0;  // 0 float (f), 1 signed (i), 2 unsigned (u)
  double f = 0;
  int64_t i = 0;
  uint64_t u = 0;
};

template <typename T>
DNNCOST_HD T cast_read(const void* base, int64_t k) {
  T v;
  memcpy(&v, static_cast<const unsigned char*>(base) + k * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

template <typename T>
DNNCOST_HD void cast_write(void* base, int64_t k, T v) {
  memcpy(static_cast<unsigned char*>(base) + k * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

DNNCOST_HD CastValue cast_load(DType t, const void* base, int64_t k) {
  CastValue e;
  switch (t) {
    case DType::kFloat32:
      e.f = cast_read<float>(base, k);
      return e;
    case DType::kFloat64:
      e.f = cast_read<double>(base, k);
      return e;
    default:
      break;
  }
  e.kind = 1;
  switch (t) {
    case DType::kInt8:
      e.i = cast_read<int8_t>(base, k);
      return e;
    case DType::kInt16:
      e.i = cast_read<int16_t>(base, k);
      return e;
    case DType::kInt32:
      e.i = cast_read<int32_t>(base, k);
      return e;
    case DType::kInt64:
      e.i = cast_read<int64_t>(base, k);
      return e;
    case DType::kBool:
      e.i = cast_read<uint8_t>(base, k) != 0 ? 1 : 0;
      return e;
    default:
      break;
  }
  e.kind = 2;
  switch (t) {
    case DType::kUint8:
      e.u = cast_read<uint8_t>(base, k);
      return e;
    case DType::kUint16:
      e.u = cast_read<uint16_t>(base, k);
      return e;
    case DType::kUint32:
      e.u = cast_read<uint32_t>(base, k);
      return e;
    case DType::kUint64:
      e.u = cast_read<uint64_t>(base, k);
      return e;
    default:
      break;
  }
  return e;  // not reached for the types cast_type_on_device accepts
}

template <typename Int>
DNNCOST_HD Int cast_to_integer(const CastValue& e) {
  if (e.kind == 0) return float_to_int_saturating<Int>(e.f);
  if (e.kind == 1) return static_cast<Int>(e.i);  // wraps modulo 2^bits
  return static_cast<Int>(e.u);
}

DNNCOST_HD void cast_store(DType t, void* base, int64_t k, const CastValue& e) {
  switch (t) {
    case DType::kFloat32:
      cast_write<float>(base, k,
                        e.kind == 0   ? static_cast<float>(e.f)
                        : e.kind == 1 ? static_cast<float>(e.i)
                                      : static_cast<float>(e.u));
      return;
    case DType::kFloat64:
      cast_write<double>(base, k,
                         e.kind == 0   ? e.f
                         : e.kind == 1 ? static_cast<double>(e.i)
                                       : static_cast<double>(e.u));
      return;
    case DType::kBool: {
      const bool nonzero = e.kind == 0 ? (e.f != 0 || e.f != e.f) : e.kind == 1 ? e.i != 0 : e.u != 0;
      cast_write<uint8_t>(base, k, nonzero ? 1 : 0);
      return;
    }
    case DType::kInt8:
      cast_write<int8_t>(base, k, cast_to_integer<int8_t>(e));
      return;
    case DType::kInt16:
      cast_write<int16_t>(base, k, cast_to_integer<int16_t>(e));
      return;
    case DType::kInt32:
      cast_write<int32_t>(base, k, cast_to_integer<int32_t>(e));
      return;
    case DType::kInt64:
      cast_write<int64_t>(base, k, cast_to_integer<int64_t>(e));
      return;
    case DType::kUint8:
      cast_write<uint8_t>(base, k, cast_to_integer<uint8_t>(e));
      return;
    case DType::kUint16:
      cast_write<uint16_t>(base, k, cast_to_integer<uint16_t>(e));
      return;
    case DType::kUint32:
      cast_write<uint32_t>(base, k, cast_to_integer<uint32_t>(e));
      return;
    case DType::kUint64:
      cast_write<uint64_t>(base, k, cast_to_integer<uint64_t>(e));
      return;
    default:
      return;
  }
}

// dst[k] = src[k] converted from `from` to `to` (both accepted by cast_type_on_device, and different).
DNNCOST_HD void cast_element(DType from, const void* src, DType to, void* dst, int64_t k) {
  cast_store(to, dst, k, cast_load(from, src, k));
}

}  // namespace dnncost::cuda
