// Host tensor storage, element-type facts and shape arithmetic.
#include "core/tensor.h"

#include <sstream>

#include "core/errors.h"

namespace dnncost {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: return 4;
    case DType::kUint8: return 1;
    case DType::kInt8: return 1;
    case DType::kUint16: return 2;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kBool: return 1;
    case DType::kFloat16: return 2;
    case DType::kFloat64: return 8;
    case DType::kUint32: return 4;
    case DType::kUint64: return 8;
    case DType::kBFloat16: return 2;
    default: return 0;
  }
}

std::string dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float";
    case DType::kUint8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kUint16: return "uint16";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kString: return "string";
    case DType::kBool: return "bool";
    case DType::kFloat16: return "float16";
    case DType::kFloat64: return "double";
    case DType::kUint32: return "uint32";
    case DType::kUint64: return "uint64";
    case DType::kBFloat16: return "bfloat16";
    case DType::kUndefined: return "undefined";
    default: return "type#" + std::to_string(static_cast<int>(t));
  }
}

bool dtype_is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kFloat64 || t == DType::kBFloat16;
}

bool dtype_supported(DType t) { return dtype_size(t) != 0; }

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    DNNCOST_EXPECT(d >= 0, "negative dimension " << d << " in shape " << shape_str(s));
    if (d != 0 && n > INT64_MAX / d) {
      DNNCOST_EXPECT(false, "shape " << shape_str(s) << " has more elements than fit in int64");
    }
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

std::vector<int64_t> shape_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = static_cast<int64_t>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

int64_t normalize_axis(int64_t axis, int64_t rank, const std::string& what) {
  DNNCOST_EXPECT(axis >= -rank && axis < rank,
                 what << " " << axis << " is out of range for rank " << rank << " (expected -" << rank
                      << " <= axis < " << rank << ")");
  return axis < 0 ? axis + rank : axis;
}

namespace {

// Storage of every empty tensor: raw() is never nullptr, so copying zero bytes (memcpy(dst, src, 0)) is defined
// in every layer without a special case. Nothing is ever written there (an empty tensor has no element).
unsigned char* empty_storage() {
  alignas(64) static unsigned char storage[1];
  return storage;
}

}  // namespace

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  DNNCOST_EXPECT(dtype_supported(dtype), "tensors of type " << dtype_name(dtype) << " are not supported");
  numel_ = shape_numel(shape_);
  const size_t es = dtype_size(dtype);
  DNNCOST_EXPECT(numel_ <= static_cast<int64_t>(SIZE_MAX / 2 / es),
                 "tensor of shape " << shape_str(shape_) << " is too large to allocate");
  bytes_ = static_cast<size_t>(numel_) * es;
  if (bytes_) {
    own_.reset(new unsigned char[bytes_]());
    ptr_ = own_.get();
  } else {
    ptr_ = empty_storage();
  }
}

Tensor::Tensor(const Tensor& other)
    : dtype_(other.dtype_), shape_(other.shape_), numel_(other.numel_), bytes_(other.bytes_) {
  if (bytes_) {
    own_.reset(new unsigned char[bytes_]);
    ptr_ = own_.get();
    std::memcpy(ptr_, other.ptr_, bytes_);
  } else {
    ptr_ = other.ptr_ ? empty_storage() : nullptr;  // a default-constructed tensor stays without storage
  }
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

Tensor Tensor::view(DType dtype, Shape shape, void* data) {
  Tensor t;
  DNNCOST_EXPECT(dtype_supported(dtype), "tensors of type " << dtype_name(dtype) << " are not supported");
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  t.bytes_ = static_cast<size_t>(t.numel_) * dtype_size(dtype);
  t.ptr_ = t.bytes_ ? static_cast<unsigned char*>(data) : empty_storage();
  return t;
}

void Tensor::check_type(bool ok, size_t elem) const {
  if (!ok) {
    throw std::logic_error("Tensor::data<T>: a " + std::to_string(elem) + "-byte element type cannot read a " +
                           dtype_name(dtype_) + " tensor");
  }
}

Tensor Tensor::reshaped(const Shape& s) const {
  DNNCOST_EXPECT(shape_numel(s) == numel_, "cannot reshape " << shape_str(shape_) << " to " << shape_str(s));
  Tensor t(dtype_, s);
  if (bytes_) std::memcpy(t.raw(), raw(), bytes_);
  return t;
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) {
    switch (dtype_) {
      case DType::kInt64: v[i] = reinterpret_cast<const int64_t*>(raw())[i]; break;
      case DType::kInt32: v[i] = reinterpret_cast<const int32_t*>(raw())[i]; break;
      case DType::kInt16: v[i] = reinterpret_cast<const int16_t*>(raw())[i]; break;
      case DType::kInt8: v[i] = reinterpret_cast<const int8_t*>(raw())[i]; break;
      case DType::kUint8: v[i] = reinterpret_cast<const uint8_t*>(raw())[i]; break;
      case DType::kUint16: v[i] = reinterpret_cast<const uint16_t*>(raw())[i]; break;
      case DType::kUint32: v[i] = reinterpret_cast<const uint32_t*>(raw())[i]; break;
      case DType::kUint64: v[i] = static_cast<int64_t>(reinterpret_cast<const uint64_t*>(raw())[i]); break;
      case DType::kBool: v[i] = reinterpret_cast<const uint8_t*>(raw())[i] ? 1 : 0; break;
      default: DNNCOST_EXPECT(false, "expected an integer tensor, got " << dtype_name(dtype_));
    }
  }
  return v;
}

double Tensor::value_as_double(int64_t i) const {
  switch (dtype_) {
    case DType::kFloat32: return reinterpret_cast<const float*>(raw())[i];
    case DType::kFloat64: return reinterpret_cast<const double*>(raw())[i];
    case DType::kFloat16: return half_to_float(reinterpret_cast<const uint16_t*>(raw())[i]);
    case DType::kBFloat16: return bfloat16_to_float(reinterpret_cast<const uint16_t*>(raw())[i]);
    case DType::kInt64: return static_cast<double>(reinterpret_cast<const int64_t*>(raw())[i]);
    case DType::kInt32: return reinterpret_cast<const int32_t*>(raw())[i];
    case DType::kInt16: return reinterpret_cast<const int16_t*>(raw())[i];
    case DType::kInt8: return reinterpret_cast<const int8_t*>(raw())[i];
    case DType::kUint8: return reinterpret_cast<const uint8_t*>(raw())[i];
    case DType::kUint16: return reinterpret_cast<const uint16_t*>(raw())[i];
    case DType::kUint32: return reinterpret_cast<const uint32_t*>(raw())[i];
    case DType::kUint64: return static_cast<double>(reinterpret_cast<const uint64_t*>(raw())[i]);
    case DType::kBool: return reinterpret_cast<const uint8_t*>(raw())[i] ? 1.0 : 0.0;
    default: DNNCOST_EXPECT(false, "expected a numeric tensor, got " << dtype_name(dtype_));
  }
  return 0;
}

Tensor Tensor::from_int64(const std::vector<int64_t>& v, Shape shape) {
  Tensor t(DType::kInt64, std::move(shape));
  DNNCOST_EXPECT(t.numel() == static_cast<int64_t>(v.size()), "from_int64: value count does not match shape");
  if (!v.empty()) std::memcpy(t.raw(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

Tensor Tensor::from_float(const std::vector<float>& v, Shape shape) {
  Tensor t(DType::kFloat32, std::move(shape));
  DNNCOST_EXPECT(t.numel() == static_cast<int64_t>(v.size()), "from_float: value count does not match shape");
  if (!v.empty()) std::memcpy(t.raw(), v.data(), v.size() * sizeof(float));
  return t;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow to inf
  if (absx < 0x38800000u) {  // subnormal or zero in half
    if (absx < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t e = absx >> 23;
    uint32_t m = (absx & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;  // 113 - e + 13
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) ++r;
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t r = ((absx - 0x38000000u) >> 13);
  const uint32_t rem = absx & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) ++r;
  return static_cast<uint16_t>(sign | r);
}

float bfloat16_to_float(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_bfloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);
  const uint32_t rounding = 0x7fffu + ((x >> 16) & 1);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

}  // namespace dnncost
