// Conv and ConvTranspose (layers/conv.cpp, layers/conv_transpose.cpp): the attributes and geometry they share
// (kernel_shape, strides, dilations, pads, auto_pad and group with their ONNX defaults, checked against the input
// shapes), overflow-checked size arithmetic, and ConvParams, what a Conv resolved that the device kernels
// (kernels/cpu/conv.cpp, kernels/cuda/conv.cu) read. The loops themselves are in kernels/conv_taps.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"
#include "kernels/fused_activation.h"

namespace dnncost {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The attributes common to Conv and ConvTranspose, one value per spatial axis (pads split into begin/end).
struct ConvAttributes {
  AutoPad auto_pad = AutoPad::kNotSet;
  int64_t group = 1;
  std::vector<int64_t> kernel;      // kernel_shape, or the spatial dims of W when absent
  std::vector<int64_t> strides;     // default 1
  std::vector<int64_t> dilations;   // default 1
  std::vector<int64_t> pads_begin;  // default 0; only meaningful for auto_pad NOTSET
  std::vector<int64_t> pads_end;
};

// Reads and validates the common attributes for input X and weight W (both float tensors of rank >= 3):
// W has the rank of X, kernel_shape agrees with W, strides/dilations >= 1, pads >= 0, counts match the number
// of spatial axes, group >= 1. Channel checks are op-specific and left to the caller. Fails through
// attrs.fail() naming the node and what was expected.
ConvAttributes read_conv_attributes(const AttributeReader& attrs, const Shape& x_shape, const Shape& w_shape);

// Where a Conv node's operands are, as the graph passes leave it: X, W, [B], and with dnncost.sum = 1 the residual
// last (X, W, R or X, W, B, R). `bias` and `residual` are kNoOperand when absent; `ok` is false for an input count
// neither form has (a device kernel then leaves the step to the reference).
constexpr size_t kNoOperand = static_cast<size_t>(-1);
struct ConvOperands {
  bool ok = false;
  size_t bias = kNoOperand;
  size_t residual = kNoOperand;
};
ConvOperands conv_operands(const AttributeReader& attrs, size_t input_count, bool input2_present);

// What a Conv layer resolved in infer(), for the device kernels: its geometry (pads of VALID and SAME_* resolved
// against the input), where its operands are, and the activation the graph passes fused into it (kNone if none).
struct ConvParams {
  ConvAttributes geometry;
  ConvOperands operands;
  FusedActivation activation;
};

// Begin and end pads per spatial axis of a convolution from input `x` to output `y` as the layer resolves them:
// the explicit pads, none for VALID, or SAME_UPPER / SAME_LOWER split against the output size. Appends to
// `begin` / `end`; false when `y` does not follow from them (a device kernel then leaves the step to the reference).
bool resolve_conv_pads(const ConvAttributes& g, const Shape& x, const Shape& y, std::vector<int64_t>& begin,
                       std::vector<int64_t>& end);

// Reads an optional per-axis attribute (`count` values, default `dflt` for each) requiring every value to be
// >= min_value; `rank_text` says where the count comes from, e.g. "for a 4-D input".
std::vector<int64_t> read_axis_values(const AttributeReader& attrs, const std::string& name, size_t count, int64_t dflt,
                                      int64_t min_value, const std::string& rank_text);

// (kernel - 1) * dilation + 1, the extent the kernel covers along one axis.
int64_t effective_kernel(const AttributeReader& attrs, int64_t kernel, int64_t dilation);

// a * b and a + b for int64, failing with "<what> overflows int64" instead of wrapping.
int64_t checked_mul(const AttributeReader& attrs, int64_t a, int64_t b, const char* what);
int64_t checked_add(const AttributeReader& attrs, int64_t a, int64_t b, const char* what);

// "[1, 2, 3]"
std::string ints_str(const std::vector<int64_t>& v);

}  // namespace dnncost
