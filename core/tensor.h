// Host tensors: element types, shapes with overflow-checked arithmetic, and owned storage.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace dnncost {

// Element types dnncost can hold. Values match onnx::TensorProto_DataType so conversion is a cast.
enum class DType : int {
  kUndefined = 0,
  kFloat32 = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUint32 = 12,
  kUint64 = 13,
  kBFloat16 = 16,
};

// Size in bytes of one element; 0 for types dnncost cannot store (strings, complex, ...).
size_t dtype_size(DType t);
// ONNX spelling ("float", "int64", ...).
std::string dtype_name(DType t);
bool dtype_is_float(DType t);
// True for the types a host Tensor can hold (fixed-size numeric and bool).
bool dtype_supported(DType t);

using Shape = std::vector<int64_t>;

// Number of elements; throws ModelError on negative dims or int64 overflow.
int64_t shape_numel(const Shape& s);
// "[1, 3, 224, 224]"
std::string shape_str(const Shape& s);
// Row-major strides in elements.
std::vector<int64_t> shape_strides(const Shape& s);
// Normalises a possibly negative axis into [0, rank); throws naming `what` when out of range.
int64_t normalize_axis(int64_t axis, int64_t rank, const std::string& what);

// A dense, row-major host tensor. It owns its bytes, or is a view of memory someone else owns (an arena
// slot: see view()). Copying always makes an owning deep copy; moving keeps what it was.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);  // owning, zero-filled
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&& other) noexcept = default;
  Tensor& operator=(Tensor&& other) noexcept = default;

  // A non-owning view of `bytes` at `data` (which must hold numel * dtype_size bytes and outlive the view).
  static Tensor view(DType dtype, Shape shape, void* data);
  bool is_view() const { return bytes_ != 0 && !own_; }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return numel_; }
  size_t bytes() const { return bytes_; }

  void* raw() { return ptr_; }
  const void* raw() const { return ptr_; }

  template <typename T>
  T* data() {
    check_type(accepts<T>(dtype_), sizeof(T));
    return reinterpret_cast<T*>(ptr_);
  }
  template <typename T>
  const T* data() const {
    check_type(accepts<T>(dtype_), sizeof(T));
    return reinterpret_cast<const T*>(ptr_);
  }

  // Reinterprets with a new shape of the same element count (shares nothing: copies bytes).
  Tensor reshaped(const Shape& s) const;

  // Values as int64 (for shape tensors of any integer type); throws for non-integer types.
  std::vector<int64_t> to_int64_vector() const;
  // Values converted to double (for any numeric type).
  double value_as_double(int64_t i) const;

  static Tensor from_int64(const std::vector<int64_t>& v, Shape shape);
  static Tensor from_float(const std::vector<float>& v, Shape shape);

 private:
  // Whether elements of type T may be read as dtype t (uint8_t also reads bool; uint16_t reads float16/bfloat16).
  template <typename T>
  static bool accepts(DType t);
  void check_type(bool ok, size_t elem) const;
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  size_t bytes_ = 0;
  std::unique_ptr<unsigned char[]> own_;
  unsigned char* ptr_ = nullptr;
};

template <typename T>
bool Tensor::accepts(DType t) {
  if constexpr (std::is_same_v<T, float>) return t == DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>) return t == DType::kFloat64;
  else if constexpr (std::is_same_v<T, int64_t>) return t == DType::kInt64;
  else if constexpr (std::is_same_v<T, int32_t>) return t == DType::kInt32;
  else if constexpr (std::is_same_v<T, int16_t>) return t == DType::kInt16;
  else if constexpr (std::is_same_v<T, int8_t>) return t == DType::kInt8;
  else if constexpr (std::is_same_v<T, uint8_t>) return t == DType::kUint8 || t == DType::kBool;
  else if constexpr (std::is_same_v<T, bool>) return t == DType::kBool;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return t == DType::kUint16 || t == DType::kFloat16 || t == DType::kBFloat16;
  else if constexpr (std::is_same_v<T, uint32_t>) return t == DType::kUint32;
  else if constexpr (std::is_same_v<T, uint64_t>) return t == DType::kUint64;
  else return false;
}

// Half-precision conversion used by Cast and by TensorProto import.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bfloat16_to_float(uint16_t h);
uint16_t float_to_bfloat16(float f);

}  // namespace dnncost
