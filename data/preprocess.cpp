// Resize (PIL's antialiased bilinear ImagingResample), centre crop and normalisation, as torchvision does them
// on PIL images. Comments name the PIL/torchvision code each step reproduces.
#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <sstream>  // DNNCOST_EXPECT streams its message
#include <string>
#include <vector>

#include "core/errors.h"

namespace dnncost {
namespace {

// PIL libImaging/Resample.c: coefficients are fixed point with PRECISION_BITS = 32 - 8 - 2 fractional bits.
constexpr int kPrecisionBits = 32 - 8 - 2;

// PIL's bilinear_filter (a triangle of support 1).
double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

// PIL's clip8: rounds (the sum started at 1/2) and clips a fixed-point sum to uint8.
inline uint8_t clip8(int32_t sum) {
  if (sum >= (1 << kPrecisionBits << 8)) return 255;
  if (sum <= 0) return 0;
  return static_cast<uint8_t>(sum >> kPrecisionBits);
}

// The source window and fixed-point weights of every output sample along one axis.
struct ResampleTaps {
  int ksize = 0;                 // weights per output sample
  std::vector<int> first;        // first source sample
  std::vector<int> count;        // number of source samples
  std::vector<int32_t> weights;  // out_size * ksize
};

// PIL's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter, with the same double arithmetic.
ResampleTaps precompute_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;  // bilinear support 1, widened when downscaling (antialiasing)
  ResampleTaps taps;
  taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(static_cast<size_t>(out_size));
  taps.count.resize(static_cast<size_t>(out_size));
  taps.weights.assign(static_cast<size_t>(out_size) * static_cast<size_t>(taps.ksize), 0);
  std::vector<double> k(static_cast<size_t>(taps.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as PIL's (int) cast
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax = std::min(xmax - xmin, taps.ksize);
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = bilinear_filter((x + xmin - center + 0.5) * ss);
      k[static_cast<size_t>(x)] = w;
      ww += w;
    }
    int32_t* out = &taps.weights[static_cast<size_t>(xx) * static_cast<size_t>(taps.ksize)];
    for (int x = 0; x < xmax; ++x) {
      double w = k[static_cast<size_t>(x)];
      if (ww != 0.0) w /= ww;
      out[x] = w < 0 ? static_cast<int32_t>(-0.5 + w * (1 << kPrecisionBits))
                     : static_cast<int32_t>(0.5 + w * (1 << kPrecisionBits));
    }
    taps.first[static_cast<size_t>(xx)] = xmin;
    taps.count[static_cast<size_t>(xx)] = xmax;
  }
  return taps;
}

// PIL's ImagingResampleHorizontal_8bpc over source rows [row_begin, row_end).
RgbImage resample_horizontal(const RgbImage& in, int out_width, int row_begin, int row_end) {
  const ResampleTaps taps = precompute_taps(in.width, out_width);
  RgbImage out(out_width, row_end - row_begin);
  for (int y = row_begin; y < row_end; ++y) {
    const uint8_t* src = in.row(y);
    uint8_t* dst = out.row(y - row_begin);
    for (int xx = 0; xx < out_width; ++xx) {
      const int32_t* k = &taps.weights[static_cast<size_t>(xx) * static_cast<size_t>(taps.ksize)];
      const uint8_t* s = src + 3 * taps.first[static_cast<size_t>(xx)];
      int32_t ss0 = 1 << (kPrecisionBits - 1), ss1 = ss0, ss2 = ss0;
      for (int x = 0; x < taps.count[static_cast<size_t>(xx)]; ++x, s += 3) {
        ss0 += s[0] * k[x];
        ss1 += s[1] * k[x];
        ss2 += s[2] * k[x];
      }
      dst[3 * xx] = clip8(ss0);
      dst[3 * xx + 1] = clip8(ss1);
      dst[3 * xx + 2] = clip8(ss2);
    }
  }
  return out;
}

// PIL's ImagingResampleVertical_8bpc; `taps` index rows of `in` shifted by row_offset.
RgbImage resample_vertical(const RgbImage& in, const ResampleTaps& taps, int out_height, int row_offset) {
  RgbImage out(in.width, out_height);
  const int samples = in.width * 3;
  std::vector<int32_t> sums(static_cast<size_t>(samples));
  for (int yy = 0; yy < out_height; ++yy) {
    const int32_t* k = &taps.weights[static_cast<size_t>(yy) * static_cast<size_t>(taps.ksize)];
    std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
    const int first = taps.first[static_cast<size_t>(yy)] - row_offset;
    for (int y = 0; y < taps.count[static_cast<size_t>(yy)]; ++y) {
      const uint8_t* src = in.row(first + y);
      for (int i = 0; i < samples; ++i) sums[static_cast<size_t>(i)] += src[i] * k[y];
    }
    uint8_t* dst = out.row(yy);
    for (int i = 0; i < samples; ++i) dst[i] = clip8(sums[static_cast<size_t>(i)]);
  }
  return out;
}

// Python's round(d / 2) for an integer d >= 0 (round half to even), as CenterCrop computes its offsets.
int64_t half_rounded_to_even(int64_t d) {
  const int64_t half = d / 2;
  if (d % 2 == 0) return half;
  return half % 2 == 0 ? half : half + 1;
}

}  // namespace

ImageSize resized_size(int64_t width, int64_t height, int64_t shorter) {
  const bool portrait = width <= height;
  const int64_t short_side = portrait ? width : height;
  const int64_t long_side = portrait ? height : width;
  // int(requested * long / short): Python's true division of exact integers, truncated.
  const int64_t new_long =
      static_cast<int64_t>(static_cast<double>(shorter * long_side) / static_cast<double>(short_side));
  return portrait ? ImageSize{shorter, new_long} : ImageSize{new_long, shorter};
}

RgbImage resize_bilinear_antialiased(const RgbImage& in, int64_t out_width, int64_t out_height) {
  DNNCOST_EXPECT(out_width > 0 && out_height > 0 && out_width <= 65535 && out_height <= 65535,
                 "resize to " << out_width << "x" << out_height << " pixels: sizes must be in 1..65535");
  const int w = static_cast<int>(out_width), h = static_cast<int>(out_height);
  const bool need_horizontal = w != in.width;
  const bool need_vertical = h != in.height;
  if (!need_horizontal && !need_vertical) return in;
  if (!need_vertical) return resample_horizontal(in, w, 0, in.height);
  const ResampleTaps vertical = precompute_taps(in.height, h);
  if (!need_horizontal) return resample_vertical(in, vertical, h, 0);
  // As PIL: the horizontal pass covers only the source rows the vertical pass reads.
  const int row_begin = vertical.first.front();
  const int row_end = vertical.first.back() + vertical.count.back();
  const RgbImage temp = resample_horizontal(in, w, row_begin, row_end);
  return resample_vertical(temp, vertical, h, row_begin);
}

RgbImage center_crop(const RgbImage& in, int64_t crop_width, int64_t crop_height) {
  DNNCOST_EXPECT(crop_width > 0 && crop_height > 0 && crop_width <= 65535 && crop_height <= 65535,
                 "crop of " << crop_width << "x" << crop_height << " pixels: sizes must be in 1..65535");
  const int64_t pad_left = crop_width > in.width ? (crop_width - in.width) / 2 : 0;
  const int64_t pad_top = crop_height > in.height ? (crop_height - in.height) / 2 : 0;
  const int64_t padded_width = std::max<int64_t>(in.width, crop_width);
  const int64_t padded_height = std::max<int64_t>(in.height, crop_height);
  const int64_t left = half_rounded_to_even(padded_width - crop_width) - pad_left;  // in source coordinates
  const int64_t top = half_rounded_to_even(padded_height - crop_height) - pad_top;
  RgbImage out(static_cast<int>(crop_width), static_cast<int>(crop_height));  // zero-filled: the padding
  for (int64_t y = 0; y < crop_height; ++y) {
    const int64_t sy = y + top;
    if (sy < 0 || sy >= in.height) continue;
    const int64_t x_begin = std::max<int64_t>(0, -left);
    const int64_t x_end = std::min<int64_t>(crop_width, in.width - left);
    if (x_end <= x_begin) continue;
    std::copy(in.row(static_cast<int>(sy)) + 3 * (x_begin + left), in.row(static_cast<int>(sy)) + 3 * (x_end + left),
              out.row(static_cast<int>(y)) + 3 * x_begin);
  }
  return out;
}

void normalize_to_chw(const RgbImage& in, const std::array<float, 3>& mean, const std::array<float, 3>& std,
                      float* out) {
  const size_t plane = static_cast<size_t>(in.width) * static_cast<size_t>(in.height);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = in.row(y);
    for (int x = 0; x < in.width; ++x) {
      const size_t at = static_cast<size_t>(y) * static_cast<size_t>(in.width) + static_cast<size_t>(x);
      for (size_t c = 0; c < 3; ++c) {
        const float scaled = static_cast<float>(src[3 * x + static_cast<int>(c)]) / 255.0f;  // ToTensor: / 255
        out[c * plane + at] = (scaled - mean[c]) / std[c];                                     // Normalize
      }
    }
  }
}

RgbImage resize_and_crop(const RgbImage& in, const PreprocessOptions& opt) {
  if (opt.resize <= 0) return center_crop(in, opt.crop, opt.crop);
  const ImageSize size = resized_size(in.width, in.height, opt.resize);
  return center_crop(resize_bilinear_antialiased(in, size.width, size.height), opt.crop, opt.crop);
}

void preprocess_image(const RgbImage& in, const PreprocessOptions& opt, float* out) {
  normalize_to_chw(resize_and_crop(in, opt), opt.mean, opt.std, out);
}

}  // namespace dnncost
