// Attribute reading and checked size arithmetic shared by Conv and ConvTranspose (see conv_geometry.h).
#include <algorithm>
#include "layers/conv_geometry.h"

#include <sstream>

namespace dnncost {

std::string ints_str(const std::vector<int64_t>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

int64_t checked_mul(const AttributeReader& attrs, int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) attrs.fail(std::string(what) + " overflows int64");
  return r;
}

int64_t checked_add(const AttributeReader& attrs, int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) attrs.fail(std::string(what) + " overflows int64");
  return r;
}

int64_t effective_kernel(const AttributeReader& attrs, int64_t kernel, int64_t dilation) {
  return checked_add(attrs, checked_mul(attrs, kernel - 1, dilation, "dilated kernel extent"), 1,
                     "dilated kernel extent");
}

std::vector<int64_t> read_axis_values(const AttributeReader& attrs, const std::string& name, size_t count, int64_t dflt,
                                      int64_t min_value, const std::string& rank_text) {
  std::vector<int64_t> v = attrs.get_ints(name, {});
  if (v.empty()) return std::vector<int64_t>(count, dflt);  // absent, or written as an empty list
  if (v.size() != count) {
    attrs.fail(name + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(count) + " " +
               rank_text);
  }
  for (int64_t x : v) {
    if (x < min_value) {
      attrs.fail(name + " must be >= " + std::to_string(min_value) + " on every axis, got " + ints_str(v));
    }
  }
  return v;
}

ConvOperands conv_operands(const AttributeReader& attrs, size_t input_count, bool input2_present) {
  ConvOperands o;
  o.bias = input2_present ? 2 : kNoOperand;
  if (attrs.get_int("dnncost.sum", 0) == 1) {
    if (input_count < 3) return o;
    o.residual = input_count - 1;
    if (input_count < 4) o.bias = kNoOperand;
  } else if (input_count > 3) {
    return o;
  }
  o.ok = true;
  return o;
}

bool resolve_conv_pads(const ConvAttributes& g, const Shape& x, const Shape& y, std::vector<int64_t>& begin,
                       std::vector<int64_t>& end) {
  for (size_t d = 0; d + 2 < x.size(); ++d) {
    const int64_t in = x[2 + d], out = y[2 + d], stride = g.strides[d];
    const int64_t extent = (g.kernel[d] - 1) * g.dilations[d] + 1;
    int64_t b = 0, e = 0;
    switch (g.auto_pad) {
      case AutoPad::kNotSet:
        b = g.pads_begin[d];
        e = g.pads_end[d];
        break;
      case AutoPad::kValid:
        break;
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        const int64_t total = std::max<int64_t>(0, (out - 1) * stride + extent - in);
        b = g.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        e = total - b;
        break;
      }
    }
    if ((in + b + e - extent) / stride + 1 != out) return false;
    begin.push_back(b);
    end.push_back(e);
  }
  return true;
}

ConvAttributes read_conv_attributes(const AttributeReader& attrs, const Shape& x_shape, const Shape& w_shape) {
  const size_t rank = x_shape.size();
  if (rank < 3) {
    attrs.fail("input X must have rank >= 3 (N, C and at least one spatial axis), got shape " + shape_str(x_shape));
  }
  if (w_shape.size() != rank) {
    attrs.fail("weight W has rank " + std::to_string(w_shape.size()) + ", expected " + std::to_string(rank) +
               " (the rank of X " + shape_str(x_shape) + "), got W shape " + shape_str(w_shape));
  }
  const size_t spatial = rank - 2;
  const std::string rank_text = "for a " + std::to_string(rank) + "-D input";

  ConvAttributes a;
  const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET")
    a.auto_pad = AutoPad::kNotSet;
  else if (auto_pad == "SAME_UPPER")
    a.auto_pad = AutoPad::kSameUpper;
  else if (auto_pad == "SAME_LOWER")
    a.auto_pad = AutoPad::kSameLower;
  else if (auto_pad == "VALID")
    a.auto_pad = AutoPad::kValid;
  else
    attrs.fail("auto_pad is '" + auto_pad + "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");

  a.group = attrs.get_int("group", 1);
  if (a.group < 1) attrs.fail("group must be >= 1, got " + std::to_string(a.group));

  for (size_t d = 0; d < rank; ++d) {
    if (w_shape[d] < 1) attrs.fail("weight W must have no empty dimension, got shape " + shape_str(w_shape));
  }
  const std::vector<int64_t> w_kernel(w_shape.begin() + 2, w_shape.end());
  a.kernel = read_axis_values(attrs, "kernel_shape", spatial, 1, 1, rank_text);
  if (!attrs.get_ints("kernel_shape", {}).empty() && a.kernel != w_kernel) {
    attrs.fail("kernel_shape " + ints_str(a.kernel) + " disagrees with the kernel dims " + ints_str(w_kernel) +
               " of W " + shape_str(w_shape));
  }
  a.kernel = w_kernel;

  a.strides = read_axis_values(attrs, "strides", spatial, 1, 1, rank_text);
  a.dilations = read_axis_values(attrs, "dilations", spatial, 1, 1, rank_text);
  const std::vector<int64_t> pads =
      read_axis_values(attrs, "pads", 2 * spatial, 0, 0, rank_text + " (begin and end of each spatial axis)");
  a.pads_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  a.pads_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(spatial), pads.end());
  return a;
}

}  // namespace dnncost
