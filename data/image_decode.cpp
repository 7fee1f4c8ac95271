// JPEG and PNG decoding to RGB with Debian's libjpeg-turbo and libpng, matching PIL's convert("RGB").
#include "data/image_decode.h"

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <jpeglib.h>  // needs <cstdio> first
#include <jerror.h>   // JWRN_JPEG_EOF
#include <png.h>

namespace dnncost {
namespace {

constexpr size_t kMaxFileBytes = size_t{1} << 30;

void check_pixel_count(uint64_t width, uint64_t height, const char* format) {
  if (width == 0 || height == 0) throw ImageDecodeError(std::string("corrupt ") + format + ": the image is empty");
  if (width * height > static_cast<uint64_t>(kMaxImagePixels)) {
    throw ImageDecodeError(std::string(format) + " of " + std::to_string(width) + "x" + std::to_string(height) +
                           " pixels is larger than the limit of " + std::to_string(kMaxImagePixels) + " pixels");
  }
}

// ---------------------------------------------------------------------------------------------------------
// JPEG. libjpeg reports fatal errors through error_exit, which must not return: it longjmps back into
// decode_jpeg_into, whose frame holds only C objects (so no destructor is skipped). Warnings are counted;
// "premature end of JPEG file" (libjpeg then pads with grey) is a truncated file, an error as in PIL.

struct JpegErrorState {
  jpeg_error_mgr mgr;  // first member: libjpeg hands back a pointer to it
  jmp_buf jump;
  bool truncated;
  char message[JMSG_LENGTH_MAX];
};

void on_jpeg_error(j_common_ptr cinfo) {
  auto* state = reinterpret_cast<JpegErrorState*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, state->message);
  std::longjmp(state->jump, 1);
}

void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace output
  auto* state = reinterpret_cast<JpegErrorState*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) state->truncated = true;
  cinfo->err->num_warnings++;
}

// Decodes into out (RGB) using scratch for non-RGB scanlines. Returns false with *error set on failure.
bool decode_jpeg_into(const uint8_t* data, size_t size, RgbImage* out, std::vector<uint8_t>* scratch,
                      std::string* error) {
  jpeg_decompress_struct cinfo;
  JpegErrorState state;
  cinfo.err = jpeg_std_error(&state.mgr);
  state.mgr.error_exit = on_jpeg_error;
  state.mgr.emit_message = on_jpeg_message;
  state.truncated = false;
  state.message[0] = '\0';
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&cinfo);
    *error = state.truncated ? std::string("truncated JPEG (premature end of data)")
                             : std::string("corrupt JPEG: ") + state.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  const bool gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = gray ? JCS_GRAYSCALE : (cmyk ? JCS_CMYK : JCS_RGB);
  try {
    check_pixel_count(cinfo.image_width, cinfo.image_height, "JPEG");
    *out = RgbImage(static_cast<int>(cinfo.image_width), static_cast<int>(cinfo.image_height));
    scratch->resize(static_cast<size_t>(cinfo.image_width) * 4);
  } catch (const std::exception& e) {
    jpeg_destroy_decompress(&cinfo);
    *error = e.what();
    return false;
  }
  jpeg_start_decompress(&cinfo);
  const int width = static_cast<int>(cinfo.output_width);
  while (cinfo.output_scanline < cinfo.output_height) {
    const int y = static_cast<int>(cinfo.output_scanline);
    uint8_t* dst = out->row(y);
    JSAMPROW line = gray || cmyk ? scratch->data() : dst;
    jpeg_read_scanlines(&cinfo, &line, 1);
    if (gray) {
      for (int x = 0; x < width; ++x) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = line[x];
    } else if (cmyk) {
      // PIL reads CMYK JPEGs as "CMYK;I" (Adobe polarity: stored inverted), then cmyk2rgb:
      // out = clip(nk - nk * c / 255) with nk = 255 - k and PIL's rounded MULDIV255. With c, k inverted on
      // reading, nk is the stored K sample.
      for (int x = 0; x < width; ++x) {
        const int nk = line[4 * x + 3];
        for (int c = 0; c < 3; ++c) {
          const int ink = 255 - line[4 * x + c];
          const int t = ink * nk + 128;
          const int v = nk - (((t >> 8) + t) >> 8);
          dst[3 * x + c] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
      }
    }
  }
  const bool truncated = state.truncated;
  jpeg_destroy_decompress(&cinfo);
  if (truncated) {
    *error = "truncated JPEG (premature end of data)";
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// PNG, with the same longjmp discipline. Transforms: palette -> RGB, 1/2/4-bit grey -> 8 bits, 16 -> 8 bits
// (high byte, as PIL's "RGB;16B"); then grey is replicated and alpha dropped here.

struct PngReadState {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char message[256];
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngReadState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void read_png_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<PngReadState*>(png_get_io_ptr(png));
  if (length > state->size - state->pos) png_error(png, "premature end of data");
  std::memcpy(out, state->data + state->pos, length);
  state->pos += length;
}

bool decode_png_into(const uint8_t* data, size_t size, RgbImage* out, std::vector<uint8_t>* scratch,
                     std::vector<png_bytep>* rows, std::string* error) {
  PngReadState state{data, size, 0, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
  if (!png) {
    *error = "libpng could not start (out of memory)";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    *error = "libpng could not start (out of memory)";
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    if (std::strcmp(state.message, "premature end of data") == 0) *error = "truncated PNG (premature end of data)";
    else *error = std::string("corrupt PNG: ") + state.message;
    return false;
  }
  png_set_read_fn(png, &state, read_png_bytes);
  png_read_info(png, info);
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, nullptr, nullptr, nullptr);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth == 16) png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  try {
    check_pixel_count(width, height, "PNG");
    if (channels < 1 || channels > 4 || row_bytes != static_cast<size_t>(width) * static_cast<size_t>(channels))
      throw ImageDecodeError("corrupt PNG: unexpected row layout after conversion to 8 bits");
    *out = RgbImage(static_cast<int>(width), static_cast<int>(height));
    scratch->resize(row_bytes * height);
    rows->resize(height);
  } catch (const std::exception& e) {
    png_destroy_read_struct(&png, &info, nullptr);
    *error = e.what();
    return false;
  }
  for (png_uint_32 y = 0; y < height; ++y) (*rows)[y] = scratch->data() + row_bytes * y;
  png_read_image(png, rows->data());
  png_destroy_read_struct(&png, &info, nullptr);

  for (png_uint_32 y = 0; y < height; ++y) {
    const uint8_t* src = (*rows)[y];
    uint8_t* dst = out->row(static_cast<int>(y));
    for (png_uint_32 x = 0; x < width; ++x, src += channels, dst += 3) {
      if (channels <= 2) {
        dst[0] = dst[1] = dst[2] = src[0];  // grey (+ alpha, dropped)
      } else {
        dst[0] = src[0];  // RGB (+ alpha, dropped)
        dst[1] = src[1];
        dst[2] = src[2];
      }
    }
  }
  return true;
}

std::string other_format_name(const uint8_t* d, size_t n) {
  auto starts = [&](const char* magic, size_t len) { return n >= len && std::memcmp(d, magic, len) == 0; };
  if (starts("GIF87a", 6) || starts("GIF89a", 6)) return "GIF";
  if (starts("BM", 2)) return "BMP";
  if (n >= 12 && starts("RIFF", 4) && std::memcmp(d + 8, "WEBP", 4) == 0) return "WebP";
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return "TIFF";
  if (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6') return "PNM";
  return "";
}

}  // namespace

ImageFormat detect_image_format(const uint8_t* data, size_t size) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat::kJpeg;
  if (size >= 8 && std::memcmp(data, kPng, 8) == 0) return ImageFormat::kPng;
  return ImageFormat::kUnknown;
}

RgbImage decode_image(const uint8_t* data, size_t size) {
  RgbImage image;
  std::vector<uint8_t> scratch;
  std::vector<png_bytep> rows;
  std::string error;
  switch (detect_image_format(data, size)) {
    case ImageFormat::kJpeg:
      if (!decode_jpeg_into(data, size, &image, &scratch, &error)) throw ImageDecodeError(error);
      return image;
    case ImageFormat::kPng:
      if (!decode_png_into(data, size, &image, &scratch, &rows, &error)) throw ImageDecodeError(error);
      return image;
    case ImageFormat::kUnknown:
      break;
  }
  if (size == 0) throw ImageDecodeError("empty file");
  const std::string other = other_format_name(data, size);
  if (!other.empty()) throw ImageDecodeError("unsupported image format (" + other + "); dnncost decodes JPEG and PNG");
  throw ImageDecodeError("not a JPEG or PNG file");
}

std::string image_decoder_versions() {
#define DNNCOST_STRINGIFY_VALUE(x) #x
#define DNNCOST_STRINGIFY(x) DNNCOST_STRINGIFY_VALUE(x)
#ifdef LIBJPEG_TURBO_VERSION
  std::string jpeg = "libjpeg-turbo " DNNCOST_STRINGIFY(LIBJPEG_TURBO_VERSION);
#else
  std::string jpeg = "libjpeg";
#endif
  jpeg += " (libjpeg API " + std::to_string(JPEG_LIB_VERSION) + ")";
  return jpeg + ", libpng " + png_get_libpng_ver(nullptr);
#undef DNNCOST_STRINGIFY
#undef DNNCOST_STRINGIFY_VALUE
}

RgbImage decode_image_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ImageDecodeError("a folder, not an image file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ImageDecodeError(std::string("cannot read the file: ") + std::strerror(errno));
  f.seekg(0, std::ios::end);
  const std::streamoff length = f.tellg();
  if (length < 0) throw ImageDecodeError("cannot read the file (not a regular file?)");
  if (static_cast<uint64_t>(length) > kMaxFileBytes) throw ImageDecodeError("file larger than 1 GiB");
  f.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(length));
  if (length > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), length))
    throw ImageDecodeError("cannot read the file (read error)");
  return decode_image(bytes.data(), bytes.size());
}

}  // namespace dnncost
