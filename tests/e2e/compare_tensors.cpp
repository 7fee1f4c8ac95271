// Compares two tensors stored as ONNX TensorProto files (dnncost's output against a reference, e.g. PyTorch's):
// prints the relative L2 error ||got - want|| / ||want|| and the largest absolute difference, and fails when the
// relative error is beyond a bound.
//
// usage: compare_tensors GOT.pb WANT.pb [--max-rel-l2 BOUND]     (default bound 1e-5)
// Exit status: 0 within the bound, 1 beyond it (or a NaN/Inf in either tensor), 2 when the files cannot be
// compared (unreadable, different element type or shape, not floating point, bad arguments).
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "core/errors.h"
#include "importers/onnx/onnx_import.h"

namespace {

using dnncost::Tensor;

constexpr const char* kUsage = "usage: compare_tensors GOT.pb WANT.pb [--max-rel-l2 BOUND]   (default bound 1e-5)";

struct Difference {
  double rel_l2 = 0;
  double max_abs = 0;
  int64_t max_abs_index = 0;
  double want_l2 = 0;
  int64_t non_finite = 0;  // elements that are NaN or Inf in either tensor
};

Difference difference(const Tensor& got, const Tensor& want) {
  Difference d;
  double diff_sq = 0, want_sq = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.value_as_double(i), w = want.value_as_double(i);
    if (!std::isfinite(g) || !std::isfinite(w)) {
      ++d.non_finite;
      continue;
    }
    const double e = g - w;
    diff_sq += e * e;
    want_sq += w * w;
    if (std::fabs(e) > d.max_abs) {
      d.max_abs = std::fabs(e);
      d.max_abs_index = i;
    }
  }
  d.want_l2 = std::sqrt(want_sq);
  // ||want|| = 0: any difference is infinitely large relative to it.
  d.rel_l2 = want_sq > 0 ? std::sqrt(diff_sq / want_sq) : (diff_sq > 0 ? INFINITY : 0.0);
  return d;
}

// "[0, 417]" for flat index 417 of shape [2, 1000].
std::string index_str(int64_t flat, const dnncost::Shape& shape) {
  if (dnncost::shape_numel(shape) == 0) return "(empty tensor)";
  std::string s;
  const std::vector<int64_t> strides = dnncost::shape_strides(shape);
  for (size_t k = 0; k < shape.size(); ++k) {
    s += (k ? ", " : "") + std::to_string(flat / strides[k]);
    flat %= strides[k];
  }
  return "[" + s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  std::string got_path, want_path;
  double bound = 1e-5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--max-rel-l2") {
      if (i + 1 >= argc) {
        std::cerr << "compare_tensors: --max-rel-l2 needs a value\n" << kUsage << "\n";
        return 2;
      }
      try {
        size_t used = 0;
        bound = std::stod(argv[++i], &used);
        if (used != std::string(argv[i]).size() || !(bound >= 0)) throw std::invalid_argument("bad bound");
      } catch (const std::exception&) {
        std::cerr << "compare_tensors: --max-rel-l2 expects a non-negative number, got '" << argv[i] << "'\n";
        return 2;
      }
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage << "\n";
      return 0;
    } else if (got_path.empty()) {
      got_path = a;
    } else if (want_path.empty()) {
      want_path = a;
    } else {
      std::cerr << "compare_tensors: unexpected argument '" << a << "'\n" << kUsage << "\n";
      return 2;
    }
  }
  if (want_path.empty()) {
    std::cerr << kUsage << "\n";
    return 2;
  }

  Tensor got, want;
  try {
    got = dnncost::read_tensor_file(got_path);
    want = dnncost::read_tensor_file(want_path);
  } catch (const std::exception& e) {
    std::cerr << "compare_tensors: " << e.what() << "\n";
    return 2;
  }
  if (got.dtype() != want.dtype() || got.shape() != want.shape()) {
    std::cerr << "compare_tensors: cannot compare " << got_path << " (" << dnncost::dtype_name(got.dtype()) << " "
              << dnncost::shape_str(got.shape()) << ") with " << want_path << " (" << dnncost::dtype_name(want.dtype())
              << " " << dnncost::shape_str(want.shape()) << "): element type and shape must be equal\n";
    return 2;
  }
  if (!dnncost::dtype_is_float(want.dtype())) {
    std::cerr << "compare_tensors: element type " << dnncost::dtype_name(want.dtype())
              << " is not floating point; expected float tensors\n";
    return 2;
  }

  const Difference d = difference(got, want);
  char line[256];
  std::snprintf(line, sizeof line, "relative L2 error %.3e (bound %.1e), max |got - want| %.3e at %s, ||want|| %.6g",
                d.rel_l2, bound, d.max_abs, index_str(d.max_abs_index, want.shape()).c_str(), d.want_l2);
  std::cout << dnncost::dtype_name(want.dtype()) << " " << dnncost::shape_str(want.shape()) << ": " << line << "\n";
  if (d.non_finite > 0) {
    std::cout << "FAIL: " << d.non_finite << " element(s) are NaN or Inf\n";
    return 1;
  }
  if (!(d.rel_l2 <= bound)) {
    std::cout << "FAIL: relative L2 error " << d.rel_l2 << " is beyond the bound " << bound << "\n";
    return 1;
  }
  std::cout << "PASS\n";
  return 0;
}
