// The fuzzer's "outside the model's folder" oracle: secret bytes stored next to the model's folder, and a test
// of whether a tensor holds any run of them. Compiled without coverage instrumentation (see CMakeLists.txt), so
// that libFuzzer cannot learn the secret from the comparisons and plant it in a model itself.
#pragma once

#include <cstddef>
#include <string>

namespace dnncost::fuzzing {

// 4 KiB of pseudo-random bytes (fixed seed), the content of <tmp>/outside.bin.
const std::string& outside_bytes();

// True when bytes [data, data + n) contain 16 consecutive bytes of outside_bytes() (at any offset of both).
bool holds_outside_bytes(const void* data, size_t n);

}  // namespace dnncost::fuzzing
