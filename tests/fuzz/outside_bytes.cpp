// Secret bytes outside the fuzzed model's folder and the test for them (see outside_bytes.h).
#include "tests/fuzz/outside_bytes.h"

#include <cstdint>
#include <random>
#include <unordered_set>

namespace dnncost::fuzzing {
namespace {

constexpr size_t kSecretBytes = 4096;
constexpr size_t kWindow = 16;  // a run this long cannot appear by chance

uint64_t window_hash(const unsigned char* p) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (size_t i = 0; i < kWindow; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

const std::unordered_set<uint64_t>& secret_windows() {
  static const std::unordered_set<uint64_t> windows = [] {
    std::unordered_set<uint64_t> w;
    const std::string& s = outside_bytes();
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (size_t i = 0; i + kWindow <= s.size(); ++i) w.insert(window_hash(p + i));
    return w;
  }();
  return windows;
}

}  // namespace

const std::string& outside_bytes() {
  static const std::string bytes = [] {
    std::mt19937_64 rng(0x0d1c0575ull);
    std::string s(kSecretBytes, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
  }();
  return bytes;
}

bool holds_outside_bytes(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  const auto& windows = secret_windows();
  for (size_t i = 0; i + kWindow <= n; ++i)
    if (windows.count(window_hash(p + i))) return true;
  return false;
}

}  // namespace dnncost::fuzzing
