// Image decoding for `dnncost eval`: JPEG (libjpeg-turbo) and PNG (libpng) files to 8-bit RGB, the way
// PIL's Image.open(path).convert("RGB") decodes them (the loader torchvision's ImageFolder uses).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dnncost {

// An 8-bit RGB image: rows top to bottom, pixels interleaved R, G, B.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // height * width * 3 bytes

  RgbImage() = default;
  RgbImage(int w, int h) : width(w), height(h), pixels(static_cast<size_t>(w) * static_cast<size_t>(h) * 3) {}
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 3; }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 3; }
};

// A file that could not be decoded. what() is a short reason ready for a report ("truncated JPEG (premature
// end of data)", "not a JPEG or PNG file", ...), without the path.
class ImageDecodeError : public std::runtime_error {
 public:
  explicit ImageDecodeError(const std::string& reason) : std::runtime_error(reason) {}
};

enum class ImageFormat { kUnknown, kJpeg, kPng };

// The format from the first bytes (magic numbers), not from the file name.
ImageFormat detect_image_format(const uint8_t* data, size_t size);

// Largest image accepted, in pixels: PIL's decompression-bomb error threshold (2 * Image.MAX_IMAGE_PIXELS).
constexpr int64_t kMaxImagePixels = 178956970;

// Decodes JPEG or PNG bytes to RGB. Conversions follow PIL's convert("RGB"): grayscale is replicated, alpha
// is dropped (not composited), palettes are expanded, 16-bit samples keep their high byte, CMYK JPEGs use
// Adobe (inverted) polarity and PIL's cmyk2rgb. No EXIF orientation and no colour management are applied
// (neither does torchvision's loader). Throws ImageDecodeError on any failure, including a truncated file.
RgbImage decode_image(const uint8_t* data, size_t size);

// The decoders this build uses, for records: "libjpeg-turbo 2.1.5 (libjpeg API 62), libpng 1.6.39".
std::string image_decoder_versions();

// Reads and decodes a file; unreadable files are an ImageDecodeError too ("cannot read the file: ...").
RgbImage decode_image_file(const std::string& path);

}  // namespace dnncost
