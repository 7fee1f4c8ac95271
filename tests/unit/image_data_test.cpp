// Unit tests of data/: decoding (PNG bytes, JPEG made here with libjpeg, broken files), torchvision's
// resize-size and centre-crop rules, PIL's antialiased bilinear resampling (values from PIL 9.4), normalisation,
// class folders and labels files. The comparison with PIL on real photographs is tests/eval (ctest eval.*).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <jpeglib.h>

#include "data/image_decode.h"
#include "data/image_folder.h"
#include "data/preprocess.h"
#include "core/errors.h"
#include "tests/unit/expect_error.h"

namespace dnncost::testing {
namespace {

namespace fs = std::filesystem;

// A 2x2 RGB PNG written by PIL: red, green / blue, (10, 20, 30).
const std::vector<uint8_t> kTinyPng = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x16, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xc0, 0xf0, 0x9f, 0x81, 0x81, 0x81, 0xe1, 0x3f, 0x97, 0x88,
    0x1c, 0x00, 0x1a, 0x58, 0x03, 0x3a, 0x82, 0xe0, 0xab, 0x53, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82};

// A greyscale JPEG of the given pixels, encoded here with libjpeg (quality 100).
std::vector<uint8_t> encode_gray_jpeg(const std::vector<uint8_t>& pixels, int width, int height) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = 1;
  cinfo.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 100, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) + cinfo.next_scanline * static_cast<size_t>(width);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::vector<uint8_t> bytes(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  return bytes;
}

std::string decode_error(const std::vector<uint8_t>& bytes) {
  return error_message<ImageDecodeError>([&] { decode_image(bytes.data(), bytes.size()); }, "(decoded)");
}

// An image whose R channel holds x, G holds y, B holds 7.
RgbImage coordinate_image(int width, int height) {
  RgbImage im(width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      im.row(y)[3 * x] = static_cast<uint8_t>(x);
      im.row(y)[3 * x + 1] = static_cast<uint8_t>(y);
      im.row(y)[3 * x + 2] = 7;
    }
  return im;
}

RgbImage gray_row(const std::vector<uint8_t>& values) {
  RgbImage im(static_cast<int>(values.size()), 1);
  for (size_t i = 0; i < values.size(); ++i) im.pixels[3 * i] = im.pixels[3 * i + 1] = im.pixels[3 * i + 2] = values[i];
  return im;
}

std::vector<int> red_row(const RgbImage& im, int y = 0) {
  std::vector<int> r;
  for (int x = 0; x < im.width; ++x) r.push_back(im.row(y)[3 * x]);
  return r;
}

// ------------------------------------------------------------------------------------------------ decoding

TEST(ImageDecode, TinyPngMatchesPil) {
  const RgbImage im = decode_image(kTinyPng.data(), kTinyPng.size());
  ASSERT_EQ(im.width, 2);
  ASSERT_EQ(im.height, 2);
  EXPECT_EQ(im.pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}));
}

TEST(ImageDecode, GrayJpegIsReplicatedToRgb) {
  std::vector<uint8_t> pixels(16 * 8);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 2);
  const std::vector<uint8_t> jpeg = encode_gray_jpeg(pixels, 16, 8);
  const RgbImage im = decode_image(jpeg.data(), jpeg.size());
  ASSERT_EQ(im.width, 16);
  ASSERT_EQ(im.height, 8);
  for (size_t i = 0; i < pixels.size(); ++i) {
    EXPECT_EQ(im.pixels[3 * i], im.pixels[3 * i + 1]);
    EXPECT_EQ(im.pixels[3 * i], im.pixels[3 * i + 2]);
    EXPECT_NEAR(im.pixels[3 * i], pixels[i], 3) << "pixel " << i;  // quality 100 is near-lossless
  }
}

TEST(ImageDecode, BrokenFilesSayWhy) {
  EXPECT_EQ(decode_error({}), "empty file");
  const std::string text = "these are notes";
  EXPECT_EQ(decode_error(std::vector<uint8_t>(text.begin(), text.end())), "not a JPEG or PNG file");
  const std::string gif = "GIF89a....";
  EXPECT_NE(decode_error(std::vector<uint8_t>(gif.begin(), gif.end())).find("unsupported image format (GIF)"),
            std::string::npos);
  // A PNG cut inside its image data, and one with a corrupted IHDR CRC.
  std::vector<uint8_t> png(kTinyPng.begin(), kTinyPng.begin() + 50);
  EXPECT_EQ(decode_error(png), "truncated PNG (premature end of data)");
  png = kTinyPng;
  png[29] ^= 0xFF;
  EXPECT_NE(decode_error(png).find("corrupt PNG"), std::string::npos) << decode_error(png);
  // A JPEG cut in half, and a JPEG marker followed by garbage.
  std::vector<uint8_t> pixels(64 * 64, 128);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 37) % 251);
  std::vector<uint8_t> jpeg = encode_gray_jpeg(pixels, 64, 64);
  jpeg.resize(jpeg.size() / 2);
  EXPECT_EQ(decode_error(jpeg), "truncated JPEG (premature end of data)");
  std::vector<uint8_t> garbage = {0xFF, 0xD8, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  EXPECT_NE(decode_error(garbage).find("JPEG"), std::string::npos) << decode_error(garbage);
}

TEST(ImageDecode, MissingFileIsADecodeError) {
  expect_error<ImageDecodeError>([] { decode_image_file("/nonexistent/dnncost/image.png"); }, {"cannot read the file"});
}

// ------------------------------------------------------------------------------------------------ preprocessing

TEST(Preprocess, ResizedSizeFollowsTorchvision) {
  // Shorter side -> 256, longer -> int(256 * long / short).
  EXPECT_EQ(resized_size(640, 427, 256).width, 383);
  EXPECT_EQ(resized_size(640, 427, 256).height, 256);
  EXPECT_EQ(resized_size(427, 640, 256).width, 256);
  EXPECT_EQ(resized_size(427, 640, 256).height, 383);
  EXPECT_EQ(resized_size(500, 375, 256).width, 341);  // 341.33 truncated
  EXPECT_EQ(resized_size(300, 300, 256).width, 256);
  EXPECT_EQ(resized_size(300, 300, 256).height, 256);
}

TEST(Preprocess, CenterCropRoundsHalfToEvenLikePython) {
  // (257 - 224) / 2 = 16.5 -> 16; (259 - 224) / 2 = 17.5 -> 18; (260 - 224) / 2 = 18.
  EXPECT_EQ(center_crop(coordinate_image(257, 224), 224, 224).row(0)[0], 16);
  EXPECT_EQ(center_crop(coordinate_image(259, 224), 224, 224).row(0)[0], 18);
  EXPECT_EQ(center_crop(coordinate_image(260, 224), 224, 224).row(0)[0], 18);
  const RgbImage c = center_crop(coordinate_image(230, 255), 224, 224);  // top round(15.5) = 16
  EXPECT_EQ(c.row(0)[0], 3);
  EXPECT_EQ(c.row(0)[1], 16);
}

TEST(Preprocess, CenterCropPadsSmallImagesWithZeros) {
  // 200 wide -> 12 zero columns on the left, 12 on the right; 250 high -> top round(26 / 2) = 13.
  const RgbImage c = center_crop(coordinate_image(200, 250), 224, 224);
  ASSERT_EQ(c.width, 224);
  for (int x = 0; x < 12; ++x) EXPECT_EQ(c.row(5)[3 * x + 2], 0) << x;
  EXPECT_EQ(c.row(5)[3 * 12], 0);  // source x = 0
  EXPECT_EQ(c.row(5)[3 * 12 + 2], 7);
  EXPECT_EQ(c.row(5)[3 * 211], 199);
  EXPECT_EQ(c.row(5)[3 * 212 + 2], 0);
  EXPECT_EQ(c.row(0)[3 * 12 + 1], 13);  // source row 13 at the first column inside the padding
  // Odd padding: 3 short -> 1 before, 2 after.
  const RgbImage d = center_crop(coordinate_image(5, 8), 8, 8);
  EXPECT_EQ(red_row(d, 0), (std::vector<int>{0, 0, 1, 2, 3, 4, 0, 0}));
  EXPECT_EQ(d.row(0)[2], 0);
  EXPECT_EQ(d.row(0)[3 * 1 + 2], 7);
  EXPECT_EQ(d.row(0)[3 * 6 + 2], 0);
}

TEST(Preprocess, BilinearResizeMatchesPil) {
  // Values from PIL 9.4: Image.resize(size, Image.BILINEAR).
  const RgbImage row = gray_row({0, 50, 100, 150, 200, 250});
  EXPECT_EQ(red_row(resize_bilinear_antialiased(row, 4, 1)), (std::vector<int>{19, 89, 161, 231}));
  EXPECT_EQ(red_row(resize_bilinear_antialiased(row, 9, 1)),
            (std::vector<int>{0, 25, 58, 92, 125, 158, 192, 225, 250}));
  RgbImage grid(5, 3);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) {
      const int v = (y * 5 + x) * 17;
      grid.row(y)[3 * x] = static_cast<uint8_t>(v);
      grid.row(y)[3 * x + 1] = static_cast<uint8_t>(255 - v);
      grid.row(y)[3 * x + 2] = static_cast<uint8_t>(v / 2);
    }
  EXPECT_EQ(resize_bilinear_antialiased(grid, 2, 2).pixels,
            (std::vector<uint8_t>{49, 206, 24, 83, 172, 41, 155, 100, 77, 189, 66, 94}));
}

TEST(Preprocess, ResizeKeepsConstantImagesAndIdentity) {
  RgbImage flat(37, 23);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 200);
  for (auto size : {std::pair<int, int>{5, 3}, {100, 61}, {37, 10}, {12, 23}}) {
    const RgbImage r = resize_bilinear_antialiased(flat, size.first, size.second);
    ASSERT_EQ(r.width, size.first);
    ASSERT_EQ(r.height, size.second);
    for (uint8_t v : r.pixels) ASSERT_EQ(v, 200);
  }
  const RgbImage im = coordinate_image(9, 4);
  EXPECT_EQ(resize_bilinear_antialiased(im, 9, 4).pixels, im.pixels);
  EXPECT_THROW(resize_bilinear_antialiased(im, 0, 4), ModelError);
}

TEST(Preprocess, NormalizeWritesChwLikeToTensorAndNormalize) {
  RgbImage im(2, 1);
  im.pixels = {255, 0, 51, 0, 255, 102};
  std::vector<float> out(6);
  normalize_to_chw(im, {0.5f, 0.5f, 0.0f}, {0.5f, 0.25f, 1.0f}, out.data());
  EXPECT_FLOAT_EQ(out[0], 1.0f);   // R at x=0
  EXPECT_FLOAT_EQ(out[1], -1.0f);  // R at x=1
  EXPECT_FLOAT_EQ(out[2], -2.0f);  // G at x=0
  EXPECT_FLOAT_EQ(out[3], 2.0f);
  EXPECT_FLOAT_EQ(out[4], 0.2f);   // B
  EXPECT_FLOAT_EQ(out[5], 0.4f);
}

// ------------------------------------------------------------------------------------------------ image sets

class ImageSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dnncost_image_set_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const std::string& rel) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "x";
  }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root_ / rel) << text; }
  std::string error_of(const std::function<void()>& f) { return error_message(f, "(no error)"); }
  fs::path root_;
};

TEST_F(ImageSetTest, ClassFoldersInImageFolderOrder) {
  touch("dog/b.jpg");
  touch("dog/a.jpg");
  touch("dog/sub/c.jpg");
  touch("dog/.hidden.jpg");
  touch("cat/z.png");
  touch("ant/x.txt");
  touch("root_file.jpg");  // not in a class folder: ignored
  fs::create_directories(root_ / "bee");  // empty class keeps its index
  const LabelledImageSet set = list_class_folders(root_.string());
  EXPECT_EQ(set.class_names, (std::vector<std::string>{"ant", "bee", "cat", "dog"}));
  std::vector<std::string> rel;
  std::vector<int64_t> labels;
  for (const auto& im : set.images) {
    rel.push_back(im.relative);
    labels.push_back(im.label);
  }
  EXPECT_EQ(rel, (std::vector<std::string>{"ant/x.txt", "cat/z.png", "dog/a.jpg", "dog/b.jpg", "dog/sub/c.jpg"}));
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 2, 3, 3, 3}));
}

TEST_F(ImageSetTest, EmptyFoldersAreErrorsNamingTheOption) {
  EXPECT_NE(error_of([&] { list_class_folders(root_.string()); }).find("--images"), std::string::npos);
  EXPECT_NE(error_of([&] { list_class_folders(root_.string()); }).find("no class folders"), std::string::npos);
  fs::create_directories(root_ / "a");
  EXPECT_NE(error_of([&] { list_class_folders(root_.string()); }).find("contain no files"), std::string::npos);
  EXPECT_NE(error_of([&] { list_class_folders((root_ / "missing").string()); }).find("no such folder"),
            std::string::npos);
}

TEST_F(ImageSetTest, LabelsFileLines) {
  write("labels.txt", "# path label\n\nval/ILSVRC2012_val_00000001.JPEG 65\n  my photos/a b.png\t3  \n");
  const LabelledImageSet set = read_labels_file(root_.string(), (root_ / "labels.txt").string());
  ASSERT_EQ(set.images.size(), 2u);
  EXPECT_EQ(set.images[0].relative, "val/ILSVRC2012_val_00000001.JPEG");
  EXPECT_EQ(set.images[0].label, 65);
  EXPECT_EQ(set.images[0].line, 3);
  EXPECT_EQ(set.images[1].relative, "my photos/a b.png");
  EXPECT_EQ(set.images[1].label, 3);
}

TEST_F(ImageSetTest, LabelsFileErrorsNameTheLine) {
  const std::string path = (root_ / "labels.txt").string();
  write("labels.txt", "a.png 1\nb.png\n");
  EXPECT_NE(error_of([&] { read_labels_file(root_.string(), path); }).find("labels.txt line 2: expected"),
            std::string::npos);
  write("labels.txt", "a.png one\n");
  EXPECT_NE(error_of([&] { read_labels_file(root_.string(), path); }).find("line 1: the label 'one' is not an integer"),
            std::string::npos);
  write("labels.txt", "a.png -3\n");
  EXPECT_NE(error_of([&] { read_labels_file(root_.string(), path); }).find("negative"), std::string::npos);
  write("labels.txt", "# nothing\n");
  EXPECT_NE(error_of([&] { read_labels_file(root_.string(), path); }).find("no 'relative/path label' lines"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_labels_file(root_.string(), path + ".missing"); }).find("--labels"),
            std::string::npos);
}

TEST_F(ImageSetTest, ClassNames) {
  write("names.txt", "tench\n goldfish \n\n");
  EXPECT_EQ(read_class_names((root_ / "names.txt").string()), (std::vector<std::string>{"tench", "goldfish"}));
  write("empty.txt", "");
  EXPECT_NE(error_of([&] { read_class_names((root_ / "empty.txt").string()); }).find("--class-names"),
            std::string::npos);
}

}  // namespace
}  // namespace dnncost::testing
