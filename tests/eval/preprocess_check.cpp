// Compares dnncost's image decoding, resize + centre crop and normalised tensors with PIL/torchvision's on real
// photographs (references written by build_eval_data.py). Prints the max abs difference per image and case and
// fails when one exceeds its tolerance.
//
//   dnncost_preprocess_check PHOTO_DIR [--pixel-tolerance 1] [--tensor-tolerance 0.0175]
//
// Tolerances: decoding must match exactly (same libjpeg-turbo, same conversions); resize + crop within
// --pixel-tolerance uint8 levels; tensors within --tensor-tolerance (one uint8 level is 1/255/std <= 0.0175).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/image_decode.h"
#include "data/preprocess.h"

namespace {

template <typename T>
std::vector<T> read_binary(const std::string& path, size_t count) {
  std::ifstream f(path, std::ios::binary);
  std::vector<T> v(count);
  if (!f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(count * sizeof(T))) ||
      f.peek() != std::char_traits<char>::eof()) {
    std::cerr << path << ": expected " << count * sizeof(T) << " bytes\n";
    std::exit(2);
  }
  return v;
}

// Max abs difference and the number of differing values.
struct Difference {
  double max = 0;
  size_t count = 0;
};

template <typename A, typename B>
Difference compare(const A* a, const B* b, size_t n) {
  Difference d;
  for (size_t i = 0; i < n; ++i) {
    const double diff = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (diff > 0) ++d.count;
    if (diff > d.max || std::isnan(diff)) d.max = std::isnan(diff) ? INFINITY : diff;
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: dnncost_preprocess_check PHOTO_DIR [--pixel-tolerance N] [--tensor-tolerance X]\n";
    return 2;
  }
  const std::string dir = argv[1];
  double pixel_tolerance = 1, tensor_tolerance = 0.0175;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--pixel-tolerance") pixel_tolerance = std::atof(argv[i + 1]);
    else if (flag == "--tensor-tolerance") tensor_tolerance = std::atof(argv[i + 1]);
  }
  std::ifstream mf(dir + "/manifest.json");
  if (!mf) {
    std::cerr << dir << "/manifest.json: missing (run build_eval_data.py)\n";
    return 2;
  }
  const nlohmann::json manifest = nlohmann::json::parse(mf);
  dnncost::PreprocessOptions opt;
  for (int c = 0; c < 3; ++c) {
    opt.mean[static_cast<size_t>(c)] = static_cast<float>(manifest["mean"][static_cast<size_t>(c)].get<double>());
    opt.std[static_cast<size_t>(c)] = static_cast<float>(manifest["std"][static_cast<size_t>(c)].get<double>());
  }
  int failures = 0, cases = 0;
  double worst_decode = 0, worst_pixel = 0, worst_tensor = 0;
  std::printf("%-36s %-10s %14s %22s %22s\n", "image", "resize/crop", "decode max|d|", "resize+crop max|d| (n)",
              "tensor max|d| (n)");
  for (const auto& entry : manifest["images"]) {
    const std::string path = entry["path"];
    const std::string name = path.substr(path.find_last_of('/') + 1);
    dnncost::RgbImage decoded;
    try {
      decoded = dnncost::decode_image_file(path);
    } catch (const std::exception& e) {
      std::printf("%-36s FAIL: %s\n", name.c_str(), e.what());
      ++failures;
      continue;
    }
    const int width = entry["width"], height = entry["height"];
    if (decoded.width != width || decoded.height != height) {
      std::printf("%-36s FAIL: decoded %dx%d, PIL %dx%d\n", name.c_str(), decoded.width, decoded.height, width, height);
      ++failures;
      continue;
    }
    const auto reference = read_binary<uint8_t>(dir + "/" + entry["decoded"].get<std::string>(), decoded.pixels.size());
    const Difference dd = compare(decoded.pixels.data(), reference.data(), reference.size());
    worst_decode = std::max(worst_decode, dd.max);
    if (dd.max > 0) ++failures;
    // The resize/crop/normalise checks start from PIL's decode, so they measure preprocessing alone.
    dnncost::RgbImage pil(width, height);
    pil.pixels = reference;
    for (const auto& c : entry["cases"]) {
      ++cases;
      opt.resize = c["resize"];
      opt.crop = c["crop"];
      const dnncost::RgbImage cropped = dnncost::resize_and_crop(pil, opt);
      const auto ref_crop = read_binary<uint8_t>(dir + "/" + c["crop_file"].get<std::string>(), cropped.pixels.size());
      const Difference pd = compare(cropped.pixels.data(), ref_crop.data(), ref_crop.size());
      std::vector<float> tensor(static_cast<size_t>(3 * opt.crop * opt.crop));
      dnncost::preprocess_image(pil, opt, tensor.data());
      const auto ref_tensor = read_binary<float>(dir + "/" + c["tensor_file"].get<std::string>(), tensor.size());
      const Difference td = compare(tensor.data(), ref_tensor.data(), tensor.size());
      worst_pixel = std::max(worst_pixel, pd.max);
      worst_tensor = std::max(worst_tensor, td.max);
      const bool ok = pd.max <= pixel_tolerance && td.max <= tensor_tolerance;
      if (!ok) ++failures;
      char rc[32], pix[48], ten[48];
      std::snprintf(rc, sizeof rc, "%lld/%lld", static_cast<long long>(opt.resize), static_cast<long long>(opt.crop));
      std::snprintf(pix, sizeof pix, "%g (%zu)", pd.max, pd.count);
      std::snprintf(ten, sizeof ten, "%.3g (%zu)", td.max, td.count);
      std::printf("%-36s %-10s %14g %22s %22s%s\n", name.c_str(), rc, dd.max, pix, ten, ok ? "" : "  FAIL");
    }
  }
  std::printf("\n%zu images, %d resize/crop cases: max abs difference vs PIL/torchvision: decode %g, resize+crop %g "
              "(uint8 levels; tolerance %g), tensor %.3g (tolerance %g)\n",
              manifest["images"].size(), cases, worst_decode, worst_pixel, pixel_tolerance, worst_tensor,
              tensor_tolerance);
  if (failures) std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
