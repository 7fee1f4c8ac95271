// Host tensors: element types, shapes with overflow-checked arithmetic, and owned storage.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
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

// A dense, row-major host tensor owning its bytes.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);  // zero-filled

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return numel_; }
  size_t bytes() const { return data_.size(); }

  void* raw() { return data_.data(); }
  const void* raw() const { return data_.data(); }

  template <typename T>
  T* data() {
    check_type(sizeof(T));
    return reinterpret_cast<T*>(data_.data());
  }
  template <typename T>
  const T* data() const {
    check_type(sizeof(T));
    return reinterpret_cast<const T*>(data_.data());
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
  void check_type(size_t elem) const;
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::vector<unsigned char> data_;
};

// Half-precision conversion used by Cast and by TensorProto import.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bfloat16_to_float(uint16_t h);
uint16_t float_to_bfloat16(float f);

}  // namespace dnncost
