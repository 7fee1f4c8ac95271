// Element-type conversion with Cast's semantics (see element_convert.h).
#include "layers/element_convert.h"

#include <stdexcept>

#include "kernels/cast_functors.h"

namespace dnncost {
namespace {

// One element read exactly: floating types as double, signed integers and bool as int64, unsigned as uint64.
struct Element {
  enum class Kind { kFloat, kSigned, kUnsigned };
  Kind kind = Kind::kFloat;
  double f = 0;
  int64_t i = 0;
  uint64_t u = 0;
};

template <typename T>
T read_as(const void* base, int64_t k) {
  T v;
  std::memcpy(&v, static_cast<const unsigned char*>(base) + k * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

template <typename T>
void write_as(void* base, int64_t k, T v) {
  std::memcpy(static_cast<unsigned char*>(base) + k * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

Element load(DType t, const void* base, int64_t k) {
  Element e;
  switch (t) {
    case DType::kFloat32:
      e.f = read_as<float>(base, k);
      return e;
    case DType::kFloat64:
      e.f = read_as<double>(base, k);
      return e;
    case DType::kFloat16:
      e.f = half_to_float(read_as<uint16_t>(base, k));
      return e;
    case DType::kBFloat16:
      e.f = bfloat16_to_float(read_as<uint16_t>(base, k));
      return e;
    default:
      break;
  }
  e.kind = Element::Kind::kSigned;
  switch (t) {
    case DType::kInt8:
      e.i = read_as<int8_t>(base, k);
      return e;
    case DType::kInt16:
      e.i = read_as<int16_t>(base, k);
      return e;
    case DType::kInt32:
      e.i = read_as<int32_t>(base, k);
      return e;
    case DType::kInt64:
      e.i = read_as<int64_t>(base, k);
      return e;
    case DType::kBool:
      e.i = read_as<uint8_t>(base, k) != 0 ? 1 : 0;
      return e;
    default:
      break;
  }
  e.kind = Element::Kind::kUnsigned;
  switch (t) {
    case DType::kUint8:
      e.u = read_as<uint8_t>(base, k);
      return e;
    case DType::kUint16:
      e.u = read_as<uint16_t>(base, k);
      return e;
    case DType::kUint32:
      e.u = read_as<uint32_t>(base, k);
      return e;
    case DType::kUint64:
      e.u = read_as<uint64_t>(base, k);
      return e;
    default:
      break;
  }
  throw std::invalid_argument("cannot convert elements of type " + dtype_name(t));
}

// The element as float32 rounded to odd, ready for a final rounding to float16/bfloat16.
float to_float_round_to_odd(const Element& e) {
  switch (e.kind) {
    case Element::Kind::kFloat:
      return double_to_float_round_to_odd(e.f);
    case Element::Kind::kUnsigned:
      return uint64_to_float_round_to_odd(e.u);
    case Element::Kind::kSigned: {
      const uint64_t magnitude = e.i < 0 ? uint64_t{0} - static_cast<uint64_t>(e.i) : static_cast<uint64_t>(e.i);
      const float f = uint64_to_float_round_to_odd(magnitude);
      return e.i < 0 ? -f : f;
    }
  }
  return 0.f;
}

template <typename Int>
Int to_integer(const Element& e) {
  switch (e.kind) {
    case Element::Kind::kFloat:
      return float_to_int_saturating<Int>(e.f);
    case Element::Kind::kSigned:
      return static_cast<Int>(e.i);  // wraps modulo 2^bits
    case Element::Kind::kUnsigned:
      return static_cast<Int>(e.u);
  }
  return 0;
}

void store(DType t, void* base, int64_t k, const Element& e) {
  switch (t) {
    case DType::kFloat32:
      write_as<float>(base, k,
                      e.kind == Element::Kind::kFloat    ? static_cast<float>(e.f)
                      : e.kind == Element::Kind::kSigned ? static_cast<float>(e.i)
                                                         : static_cast<float>(e.u));
      return;
    case DType::kFloat64:
      write_as<double>(base, k,
                       e.kind == Element::Kind::kFloat    ? e.f
                       : e.kind == Element::Kind::kSigned ? static_cast<double>(e.i)
                                                          : static_cast<double>(e.u));
      return;
    case DType::kFloat16:
      write_as<uint16_t>(base, k, float_to_half(to_float_round_to_odd(e)));
      return;
    case DType::kBFloat16:
      write_as<uint16_t>(base, k, float_to_bfloat16(to_float_round_to_odd(e)));
      return;
    case DType::kBool: {
      const bool nonzero = e.kind == Element::Kind::kFloat    ? e.f != 0 || e.f != e.f
                           : e.kind == Element::Kind::kSigned ? e.i != 0
                                                              : e.u != 0;
      write_as<uint8_t>(base, k, nonzero ? 1 : 0);
      return;
    }
    case DType::kInt8:
      write_as<int8_t>(base, k, to_integer<int8_t>(e));
      return;
    case DType::kInt16:
      write_as<int16_t>(base, k, to_integer<int16_t>(e));
      return;
    case DType::kInt32:
      write_as<int32_t>(base, k, to_integer<int32_t>(e));
      return;
    case DType::kInt64:
      write_as<int64_t>(base, k, to_integer<int64_t>(e));
      return;
    case DType::kUint8:
      write_as<uint8_t>(base, k, to_integer<uint8_t>(e));
      return;
    case DType::kUint16:
      write_as<uint16_t>(base, k, to_integer<uint16_t>(e));
      return;
    case DType::kUint32:
      write_as<uint32_t>(base, k, to_integer<uint32_t>(e));
      return;
    case DType::kUint64:
      write_as<uint64_t>(base, k, to_integer<uint64_t>(e));
      return;
    default:
      throw std::invalid_argument("cannot convert elements to type " + dtype_name(t));
  }
}

}  // namespace

bool dtype_convertible(DType t) { return dtype_supported(t); }

void convert_elements(DType from, const void* src, DType to, void* dst, int64_t n) {
  if (from == to) {
    if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * dtype_size(from));
    return;
  }
  for (int64_t k = 0; k < n; ++k) store(to, dst, k, load(from, src, k));
}

DType dtype_from_onnx_name(const std::string& name) {
  static const struct {
    const char* name;
    DType type;
  } kNames[] = {{"FLOAT", DType::kFloat32},   {"UINT8", DType::kUint8},      {"INT8", DType::kInt8},
                {"UINT16", DType::kUint16},   {"INT16", DType::kInt16},      {"INT32", DType::kInt32},
                {"INT64", DType::kInt64},     {"STRING", DType::kString},    {"BOOL", DType::kBool},
                {"FLOAT16", DType::kFloat16}, {"DOUBLE", DType::kFloat64},   {"UINT32", DType::kUint32},
                {"UINT64", DType::kUint64},   {"BFLOAT16", DType::kBFloat16}};
  for (const auto& n : kNames)
    if (name == n.name) return n.type;
  return DType::kUndefined;
}

}  // namespace dnncost
