// Single-centre-crop preprocessing, as torchvision's
//   Resize(resize) -> CenterCrop(crop) -> ToTensor() -> Normalize(mean, std)
// on a PIL RGB image: resize the shorter side with PIL's antialiased bilinear resampling (in uint8, rounded
// after each pass, exactly as PIL's ImagingResample), crop the centre (zero padding when the image is smaller),
// scale to [0, 1] and normalise per channel into a float CHW tensor.
#pragma once

#include <array>
#include <cstdint>

#include "data/image_decode.h"

namespace dnncost {

struct PreprocessOptions {
  int64_t resize = 256;  // shorter side after resizing; 0: no resizing
  int64_t crop = 224;    // side of the square centre crop
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
};

struct ImageSize {
  int64_t width = 0;
  int64_t height = 0;
};

// torchvision 0.14 Resize(int) output size: the shorter side becomes `shorter`, the longer one
// int(shorter * long / short) (truncated).
ImageSize resized_size(int64_t width, int64_t height, int64_t shorter);

// PIL's Image.resize(size, Image.BILINEAR): separable triangle filter whose support scales with the
// downscaling factor (antialiased), 22-bit fixed-point coefficients, horizontal pass then vertical pass,
// each rounded and clipped to uint8. Returns the input unchanged when the size is the same.
RgbImage resize_bilinear_antialiased(const RgbImage& in, int64_t out_width, int64_t out_height);

// torchvision's CenterCrop: top = round((height - crop) / 2) with Python's round (half to even), likewise
// left; an image smaller than the crop is first padded with zeros, (crop - size) / 2 before, the rest after.
RgbImage center_crop(const RgbImage& in, int64_t crop_width, int64_t crop_height);

// Writes the image into out[3][height][width] as (value / 255 - mean[c]) / std[c] in float32 (ToTensor then
// Normalize, the same float operations).
void normalize_to_chw(const RgbImage& in, const std::array<float, 3>& mean, const std::array<float, 3>& std,
                      float* out);

// The whole chain: resize (unless opt.resize == 0), centre crop, normalise into out[3][crop][crop].
void preprocess_image(const RgbImage& in, const PreprocessOptions& opt, float* out);

// The uint8 image after resize and crop (for tests and debugging).
RgbImage resize_and_crop(const RgbImage& in, const PreprocessOptions& opt);

}  // namespace dnncost
