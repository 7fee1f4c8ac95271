// Pooling ops: MaxPool (with its optional Indices output), AveragePool, MaxUnpool, GlobalAveragePool and
// GlobalMaxPool, for any number of spatial axes.
//
// MaxPool, AveragePool and MaxUnpool read their window from the same ONNX attributes (kernel_shape, strides,
// dilations, pads, auto_pad, ceil_mode) into one N-D PoolGeometry; the per-axis window arithmetic lives in
// kernels/pool_window.h so a GPU kernel computes the same windows.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "kernels/pool_window.h"
#include "layers/pool.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Largest kernel, stride, dilation or pad value accepted: keeps every window computation inside int64.
constexpr int64_t kMaxWindowValue = (int64_t{1} << 31) - 1;
// Largest spatial input size accepted for the same reason (no real tensor comes near it).
constexpr int64_t kMaxSpatialSize = int64_t{1} << 60;

// Where the windows of a pooling op lie, per spatial axis, for one input shape.
struct PoolGeometry {
  Shape input;   // spatial dims of X
  Shape output;  // spatial dims of Y
  Shape kernel, strides, dilations, pads_begin, pads_end;
  std::vector<std::vector<PoolAxisWindow>> windows;  // [spatial axis][output coordinate]
  int64_t kernel_elements = 1;                       // prod(kernel)

  size_t rank() const { return input.size(); }
  int64_t input_plane() const { return shape_numel(input); }
  int64_t output_plane() const { return shape_numel(output); }
};

// The taps of one window as offsets inside one (n, c) plane of X; reused from window to window.
struct WindowTaps {
  std::vector<int64_t> row_major;  // offsets in row-major order of the window (axis 0 outermost)
  std::vector<int64_t> col_major;  // the same taps as column-major offsets (MaxPool storage_order = 1)
  std::vector<int64_t> scratch;
};

// Lists the taps inside the input of the window at output coordinate `coord`. The list is built one axis at a
// time: every tap of the axes so far is extended by every tap of the next axis.
void list_window_taps(const PoolGeometry& g, const std::vector<int64_t>& coord, bool with_col_major, WindowTaps& taps) {
  taps.row_major.assign(1, 0);
  taps.col_major.assign(1, 0);
  int64_t row_stride = g.input_plane();
  int64_t col_stride = 1;
  for (size_t a = 0; a < g.rank(); ++a) {
    row_stride /= g.input[a];
    const PoolAxisWindow& w = g.windows[a][coord[a]];
    taps.scratch.clear();
    for (int64_t offset : taps.row_major)
      for (int64_t t = 0; t < w.count; ++t)
        taps.scratch.push_back(offset + (w.first + t * g.dilations[a]) * row_stride);
    taps.row_major.swap(taps.scratch);
    if (with_col_major) {
      taps.scratch.clear();
      for (int64_t offset : taps.col_major)
        for (int64_t t = 0; t < w.count; ++t)
          taps.scratch.push_back(offset + (w.first + t * g.dilations[a]) * col_stride);
      taps.col_major.swap(taps.scratch);
    }
    col_stride *= g.input[a];
  }
}

// Number of taps of the window at `coord` that count_include_pad = 1 (input and pads) or 0 (input) divides by.
int64_t window_divisor(const PoolGeometry& g, const std::vector<int64_t>& coord, bool include_pad) {
  int64_t n = 1;
  for (size_t a = 0; a < g.rank(); ++a) {
    const PoolAxisWindow& w = g.windows[a][coord[a]];
    n *= include_pad ? w.padded_count : w.count;
  }
  return n;
}

// Steps an N-D coordinate to the next position in row-major order.
void next_coordinate(std::vector<int64_t>& coord, const Shape& dims) {
  for (size_t a = coord.size(); a-- > 0;) {
    if (++coord[a] < dims[a]) return;
    coord[a] = 0;
  }
}

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    (void)v;
    return false;
  }
}

// Max over a window; NaN propagates (as in PyTorch). Returns the position in `taps` of the maximum: the first
// one in window order when several are equal.
template <typename T>
size_t argmax_of_taps(const T* x, const std::vector<int64_t>& taps) {
  size_t best = 0;
  for (size_t t = 1; t < taps.size(); ++t) {
    const T v = x[taps[t]];
    if (v > x[taps[best]] || is_nan(v)) best = t;
  }
  return best;
}

// Base of the windowed pools: reads and checks the window attributes shared by MaxPool, AveragePool, MaxUnpool.
class WindowedPool : public Layer {
 public:
  using Layer::Layer;

 protected:
  // ONNX added some attributes in later opsets; a model of an older opset must not use them.
  void reject_before_opset(const char* attribute, int64_t since) const {
    DNNCOST_LAYER_EXPECT(
        !attrs().has(attribute) || ctx().opset >= since,
        "attribute '" << attribute << "' exists from opset " << since << " on; this model uses opset " << ctx().opset);
  }

  // X must be N x C x D1 x ... x Dn with n >= 1.
  void expect_spatial_input(const ValueDesc& x) const {
    DNNCOST_LAYER_EXPECT(x.rank() >= 3, "input X must have rank >= 3 (N, C and at least one spatial axis), got shape "
                                            << shape_str(x.shape));
    for (int64_t a = 2; a < x.rank(); ++a)
      DNNCOST_LAYER_EXPECT(x.shape[a] <= kMaxSpatialSize, "input X spatial size " << x.shape[a]
                                                                                  << " is too large (shape "
                                                                                  << shape_str(x.shape) << ")");
  }

  // An ints attribute with `count` values (one per spatial axis, or two for pads), each in [min_value, max].
  std::vector<int64_t> axis_values(const char* name, size_t count, int64_t dflt, int64_t min_value, const ValueDesc& x,
                                   bool required) const {
    DNNCOST_LAYER_EXPECT(!required || attrs().has(name), "missing required attribute '" << name << "' (" << count
                                                                                        << " values for a " << x.rank()
                                                                                        << "-D input)");
    const std::vector<int64_t> v = attrs().get_ints(name, std::vector<int64_t>(count, dflt));
    const bool pads = std::string(name) == "pads";
    DNNCOST_LAYER_EXPECT(v.size() == count, name << " has " << v.size() << " values, expected " << count
                                                 << (pads ? " (begin and end of each spatial axis)" : "") << " for a "
                                                 << x.rank() << "-D input");
    for (size_t i = 0; i < v.size(); ++i)
      DNNCOST_LAYER_EXPECT(v[i] >= min_value && v[i] <= kMaxWindowValue, name << "[" << i << "] is " << v[i]
                                                                              << ", expected " << min_value << " to "
                                                                              << kMaxWindowValue);
    return v;
  }

  // Output size and pads of every spatial axis from kernel_shape, strides, pads, auto_pad, ceil_mode and (MaxPool,
  // AveragePool from opset 19) dilations. Fails unless every window overlaps the input. ceil_mode applies to explicit
  // pads only: the auto_pad output sizes are fixed by their formulas.
  PoolGeometry resolve_geometry(const ValueDesc& x, bool has_dilations) const {
    const size_t r = static_cast<size_t>(x.rank()) - 2;
    PoolGeometry g;
    g.input.assign(x.shape.begin() + 2, x.shape.end());
    g.kernel = axis_values("kernel_shape", r, 1, 1, x, true);
    g.strides = axis_values("strides", r, 1, 1, x, false);
    g.dilations = has_dilations ? axis_values("dilations", r, 1, 1, x, false) : Shape(r, 1);
    const std::vector<int64_t> pads = axis_values("pads", 2 * r, 0, 0, x, false);
    const std::string auto_pad = attrs().get_string("auto_pad", "NOTSET");
    DNNCOST_LAYER_EXPECT(
        auto_pad == "NOTSET" || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER" || auto_pad == "VALID",
        "auto_pad is '" << auto_pad << "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    DNNCOST_LAYER_EXPECT(
        auto_pad == "NOTSET" || std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; }),
        "pads cannot be used together with auto_pad=" << auto_pad);
    const int64_t ceil_mode = attrs().get_int("ceil_mode", 0);
    DNNCOST_LAYER_EXPECT(ceil_mode == 0 || ceil_mode == 1, "ceil_mode is " << ceil_mode << ", expected 0 or 1");

    for (size_t a = 0; a < r; ++a) {
      const int64_t in = g.input[a], k = g.kernel[a], s = g.strides[a];
      const int64_t extent = (k - 1) * g.dilations[a] + 1;  // input positions one window spans
      int64_t out = 0, pad_begin = 0, pad_end = 0;
      if (auto_pad == "NOTSET") {
        pad_begin = pads[a];
        pad_end = pads[a + r];
        const int64_t padded = in + pad_begin + pad_end;
        DNNCOST_LAYER_EXPECT(extent <= padded, "kernel extent " << extent << " along spatial axis " << a
                                                                << " is larger than the padded input (" << in << " + "
                                                                << pad_begin << " + " << pad_end << " = " << padded
                                                                << ")");
        out = (padded - extent) / s + 1;
        // ceil_mode adds a last, partial window, but only one that starts inside the input or its begin pad.
        if (ceil_mode && (padded - extent) % s != 0 && out * s < in + pad_begin) ++out;
      } else if (auto_pad == "VALID") {
        DNNCOST_LAYER_EXPECT(extent <= in, "kernel extent " << extent << " along spatial axis " << a
                                                            << " is larger than the input (" << in
                                                            << ") with auto_pad=VALID");
        out = (in - extent) / s + 1;
      } else {  // SAME_UPPER, SAME_LOWER: out = ceil(in / stride), the odd pad at the end (UPPER) or begin (LOWER)
        out = (in + s - 1) / s;
        const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
        pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        pad_end = total - pad_begin;
      }
      g.output.push_back(out);
      g.pads_begin.push_back(pad_begin);
      g.pads_end.push_back(pad_end);

      std::vector<PoolAxisWindow> axis;
      for (int64_t o = 0; o < out; ++o) {
        axis.push_back(pool_axis_window(o, in, k, s, g.dilations[a], pad_begin, pad_end));
        DNNCOST_LAYER_EXPECT(axis.back().count > 0, "the window of output "
                                                        << o << " along spatial axis " << a
                                                        << " covers only padding (input " << in << ", pads "
                                                        << pad_begin << " and " << pad_end << ", kernel " << k
                                                        << ", dilation " << g.dilations[a] << ", stride " << s
                                                        << "); expected every window to overlap the input");
      }
      g.windows.push_back(std::move(axis));
      DNNCOST_LAYER_EXPECT(g.kernel_elements <= std::numeric_limits<int64_t>::max() / k,
                           "kernel_shape " << shape_str(g.kernel) << " has more elements than fit in int64");
      g.kernel_elements *= k;
    }
    return g;
  }

  // The typed attributes the devices read, from the resolved geometry.
  static PoolParams params_of(const PoolGeometry& g, bool max) {
    PoolParams p;
    p.max = max;
    p.kernel = g.kernel;
    p.strides = g.strides;
    p.dilations = g.dilations;
    p.pads_begin = g.pads_begin;
    p.pads_end = g.pads_end;
    return p;
  }

  // N, C followed by the output spatial dims.
  static Shape pooled_shape(const ValueDesc& x, const PoolGeometry& g) {
    Shape y = {x.shape[0], x.shape[1]};
    y.insert(y.end(), g.output.begin(), g.output.end());
    return y;
  }

  // a * b, failing (naming the node) instead of overflowing.
  int64_t checked_product(int64_t a, int64_t b, const char* what) const {
    DNNCOST_LAYER_EXPECT(b == 0 || a <= std::numeric_limits<int64_t>::max() / b, what << " overflows int64");
    return a * b;
  }
};

// MaxPool: max over each window. Opset 1..12 forms: storage_order and the Indices output from 8, ceil_mode and
// dilations from 10, int8/uint8 inputs from 12.
class MaxPool : public WindowedPool, public ParsedAttributes<PoolParams> {
 public:
  using WindowedPool::WindowedPool;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    const ValueDesc& x = in[0];
    DNNCOST_LAYER_EXPECT(x.dtype == DType::kFloat32 || x.dtype == DType::kInt8 || x.dtype == DType::kUint8,
                         "input X must be float (float32), int8 or uint8, got " << dtype_name(x.dtype));
    expect_spatial_input(x);
    reject_before_opset("storage_order", 8);
    reject_before_opset("dilations", 10);
    reject_before_opset("ceil_mode", 10);
    DNNCOST_LAYER_EXPECT(ctx().opset >= 8 || !node().has_output(1),
                         "the Indices output exists from opset 8 on; this model uses opset " << ctx().opset);
    storage_order_ = attrs().get_int("storage_order", 0);
    DNNCOST_LAYER_EXPECT(storage_order_ == 0 || storage_order_ == 1,
                         "storage_order is " << storage_order_ << ", expected 0 (row major) or 1 (column major)");
    geometry_ = resolve_geometry(x, true);
    parsed_ = params_of(geometry_, true);
    const Shape y = pooled_shape(x, geometry_);
    if (ctx().opset < 8) return {{x.dtype, y}};
    return {{x.dtype, y}, {DType::kInt64, y}};
  }

  // Every output compares the prod(kernel) taps of a full window (padding counted like the input): k - 1.
  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    return {0, checked_product(out[0].numel(), geometry_.kernel_elements - 1, "MaxPool FLOPs")};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const Tensor& x = *in[0];
    int64_t* indices = out.size() > 1 && out[1] ? out[1]->data<int64_t>() : nullptr;
    switch (x.dtype()) {
      case DType::kFloat32:
        return pool(x.data<float>(), out[0]->data<float>(), indices, x.shape());
      case DType::kInt8:
        return pool(x.data<int8_t>(), out[0]->data<int8_t>(), indices, x.shape());
      case DType::kUint8:
        return pool(x.data<uint8_t>(), out[0]->data<uint8_t>(), indices, x.shape());
      default:
        fail("input X must be float (float32), int8 or uint8, got " + dtype_name(x.dtype()));
    }
  }

 private:
  // A window's taps are the same in every (n, c) plane, so they are listed once per output position.
  // Indices are flat positions in X (n, c and the spatial axes; column-major spatial axes for storage_order 1).
  template <typename T>
  void pool(const T* x, T* y, int64_t* indices, const Shape& x_shape) const {
    const PoolGeometry& g = geometry_;
    const int64_t planes = x_shape[0] * x_shape[1];
    const int64_t in_plane = g.input_plane(), out_plane = g.output_plane();
    const bool column_major = storage_order_ == 1;
    std::vector<int64_t> coord(g.rank(), 0);
    WindowTaps taps;
    for (int64_t j = 0; j < out_plane; ++j, next_coordinate(coord, g.output)) {
      list_window_taps(g, coord, indices && column_major, taps);
      for (int64_t p = 0; p < planes; ++p) {
        const T* xp = x + p * in_plane;
        const size_t best = argmax_of_taps(xp, taps.row_major);
        y[p * out_plane + j] = xp[taps.row_major[best]];
        if (indices)
          indices[p * out_plane + j] = p * in_plane + (column_major ? taps.col_major[best] : taps.row_major[best]);
      }
    }
  }

  PoolGeometry geometry_;
  int64_t storage_order_ = 0;
};

// AveragePool: mean over each window, dividing by the taps inside the input (count_include_pad = 0, default)
// or inside the input and its explicit pads (count_include_pad = 1). count_include_pad from opset 7, ceil_mode
// from 10, dilations from 19 (the taps of a window are `dilation` apart, as MaxPool's; the divisor counts the
// taps, not the positions they span).
class AveragePool : public WindowedPool, public ParsedAttributes<PoolParams> {
 public:
  using WindowedPool::WindowedPool;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    expect_float(in[0], "input X");
    expect_spatial_input(in[0]);
    reject_before_opset("count_include_pad", 7);
    reject_before_opset("ceil_mode", 10);
    reject_before_opset("dilations", 19);
    count_include_pad_ = attrs().get_int("count_include_pad", 0);
    DNNCOST_LAYER_EXPECT(count_include_pad_ == 0 || count_include_pad_ == 1,
                         "count_include_pad is " << count_include_pad_ << ", expected 0 or 1");
    geometry_ = resolve_geometry(in[0], true);
    parsed_ = params_of(geometry_, false);
    parsed_.count_include_pad = count_include_pad_ == 1;
    return {{DType::kFloat32, pooled_shape(in[0], geometry_)}};
  }

  // Every output adds the prod(kernel) taps of a full window (k - 1 adds) and divides once: k FLOPs.
  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    return {0, checked_product(out[0].numel(), geometry_.kernel_elements, "AveragePool FLOPs")};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const PoolGeometry& g = geometry_;
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    const int64_t planes = in[0]->shape()[0] * in[0]->shape()[1];
    const int64_t in_plane = g.input_plane(), out_plane = g.output_plane();
    std::vector<int64_t> coord(g.rank(), 0);
    WindowTaps taps;
    for (int64_t j = 0; j < out_plane; ++j, next_coordinate(coord, g.output)) {
      list_window_taps(g, coord, false, taps);
      const double divisor = static_cast<double>(window_divisor(g, coord, count_include_pad_ == 1));
      for (int64_t p = 0; p < planes; ++p) {
        const float* xp = x + p * in_plane;
        double sum = 0;
        for (int64_t offset : taps.row_major) sum += xp[offset];
        y[p * out_plane + j] = static_cast<float>(sum / divisor);
      }
    }
  }

 private:
  PoolGeometry geometry_;
  int64_t count_include_pad_ = 0;
};

// MaxUnpool (opset 9 and 11, the same): Y is zero, then Y.flat[I[i]] = X.flat[i] (I as MaxPool's Indices
// output: flat positions in Y).
// Y's shape is output_shape when given (it must be known at plan time), else N, C and per spatial axis
// (in - 1) * stride + kernel - pad_begin - pad_end.
class MaxUnpool : public WindowedPool {
 public:
  using WindowedPool::WindowedPool;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    DNNCOST_LAYER_EXPECT(ctx().opset >= 9, "MaxUnpool exists from opset 9 on; this model uses opset " << ctx().opset);
    expect_inputs(in, 2, 3);
    const ValueDesc& x = in[0];
    const ValueDesc& indices = in[1];
    expect_float(x, "input X");
    expect_spatial_input(x);
    DNNCOST_LAYER_EXPECT(indices.dtype == DType::kInt64, "input I must be int64, got " << dtype_name(indices.dtype));
    DNNCOST_LAYER_EXPECT(indices.shape == x.shape, "input I has shape " << shape_str(indices.shape)
                                                                        << ", expected the shape of X "
                                                                        << shape_str(x.shape));
    const size_t r = static_cast<size_t>(x.rank()) - 2;
    const std::vector<int64_t> kernel = axis_values("kernel_shape", r, 1, 1, x, true);
    const std::vector<int64_t> strides = axis_values("strides", r, 1, 1, x, false);
    const std::vector<int64_t> pads = axis_values("pads", 2 * r, 0, 0, x, false);

    Shape y = {x.shape[0], x.shape[1]};
    if (in.size() > 2 && in[2].present) {
      const ValueDesc& shape_in = in[2];
      DNNCOST_LAYER_EXPECT(shape_in.constant != nullptr,
                           "input 'output_shape' must be known at plan time (a constant or computed from shapes)");
      DNNCOST_LAYER_EXPECT(shape_in.dtype == DType::kInt64,
                           "input 'output_shape' must be int64, got " << dtype_name(shape_in.dtype));
      const std::vector<int64_t> dims = shape_in.constant->to_int64_vector();
      DNNCOST_LAYER_EXPECT(shape_in.rank() == 1 && static_cast<int64_t>(dims.size()) == x.rank(),
                           "input 'output_shape' must be a 1-D tensor of " << x.rank() << " values, got shape "
                                                                           << shape_str(shape_in.shape));
      DNNCOST_LAYER_EXPECT(dims[0] == x.shape[0] && dims[1] == x.shape[1],
                           "output_shape " << shape_str(dims) << " must keep N and C of X " << shape_str(x.shape));
      for (size_t a = 2; a < dims.size(); ++a)
        DNNCOST_LAYER_EXPECT(dims[a] >= 1, "output_shape " << shape_str(dims) << " has a spatial size below 1");
      y = dims;
    } else {
      for (size_t a = 0; a < r; ++a) {
        const int64_t size = checked_product(x.shape[a + 2] - 1, strides[a], "MaxUnpool output size") + kernel[a] -
                             pads[a] - pads[a + r];
        DNNCOST_LAYER_EXPECT(size >= 1, "output size " << size << " along spatial axis " << a
                                                       << " ((input - 1) * stride + kernel - pads) is below 1");
        y.push_back(size);
      }
    }
    return {{DType::kFloat32, y}};
  }

  // Data movement only.
  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>&) const override { return {}; }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    const int64_t* indices = in[1]->data<int64_t>();
    Tensor& y_tensor = *out[0];
    float* y = y_tensor.data<float>();
    const int64_t y_size = y_tensor.numel();
    std::fill(y, y + y_size, 0.f);
    for (int64_t i = 0; i < in[0]->numel(); ++i) {
      DNNCOST_LAYER_EXPECT(indices[i] >= 0 && indices[i] < y_size,
                           "I[" << i << "] is " << indices[i] << ", expected a flat position in the output "
                                << shape_str(y_tensor.shape()) << " (0 to " << y_size - 1 << ")");
      y[indices[i]] = x[i];
    }
  }
};

// GlobalAveragePool / GlobalMaxPool: one mean / max per (n, c) plane over all spatial axes; Y is N x C x 1 x ...
template <bool kMax>
class GlobalPool : public Layer, public ParsedAttributes<PoolParams> {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    const ValueDesc& x = in[0];
    expect_float(x, "input X");
    DNNCOST_LAYER_EXPECT(x.rank() >= 3, "input X must have rank >= 3 (N, C and at least one spatial axis), got shape "
                                            << shape_str(x.shape));
    Shape y = {x.shape[0], x.shape[1]};
    for (int64_t a = 2; a < x.rank(); ++a) {
      DNNCOST_LAYER_EXPECT(x.shape[a] >= 1, "input X has an empty spatial axis (shape "
                                                << shape_str(x.shape) << "); expected every spatial size >= 1");
      y.push_back(1);
    }
    const size_t r = static_cast<size_t>(x.rank()) - 2;
    parsed_ = PoolParams();
    parsed_.max = kMax;
    parsed_.global = true;
    parsed_.kernel.assign(x.shape.begin() + 2, x.shape.end());
    parsed_.strides.assign(r, 1);
    parsed_.dilations.assign(r, 1);
    parsed_.pads_begin.assign(r, 0);
    parsed_.pads_end.assign(r, 0);
    return {{DType::kFloat32, y}};
  }

  // Per (n, c) plane of S elements: S - 1 comparisons (max), or S - 1 adds and 1 divide (average).
  OpCount count(const std::vector<ValueDesc>& in, const std::vector<ValueDesc>& out) const override {
    const int64_t planes = out[0].numel();
    const int64_t spatial = planes == 0 ? 0 : in[0].numel() / planes;
    return {0, planes * (kMax ? spatial - 1 : spatial)};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->data<float>();
    float* y = out[0]->data<float>();
    const int64_t planes = out[0]->numel();
    const int64_t spatial = planes == 0 ? 0 : in[0]->numel() / planes;
    for (int64_t p = 0; p < planes; ++p) {
      const float* xp = x + p * spatial;
      if constexpr (kMax) {
        float best = xp[0];
        for (int64_t i = 1; i < spatial; ++i)
          if (xp[i] > best || std::isnan(xp[i])) best = xp[i];
        y[p] = best;
      } else {
        double sum = 0;
        for (int64_t i = 0; i < spatial; ++i) sum += xp[i];
        y[p] = static_cast<float>(sum / static_cast<double>(spatial));
      }
    }
  }
};

using GlobalAveragePool = GlobalPool<false>;
using GlobalMaxPool = GlobalPool<true>;

DNNCOST_REGISTER_LAYER("MaxPool", MaxPool);
DNNCOST_REGISTER_LAYER("AveragePool", AveragePool);
DNNCOST_REGISTER_LAYER("MaxUnpool", MaxUnpool);
DNNCOST_REGISTER_LAYER("GlobalAveragePool", GlobalAveragePool);
DNNCOST_REGISTER_LAYER("GlobalMaxPool", GlobalMaxPool);

}  // namespace
}  // namespace dnncost
