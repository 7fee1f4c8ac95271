// Type-blind element copies for the selection and data-movement ops (Where, Expand, Trilu): an element of any type
// is moved as an unsigned integer of its size, so one loop serves float32, int64, bool, float16, ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace dnncost {

// Calls f(U{}) with U the unsigned integer type of `bytes` bytes (1, 2, 4 or 8); throws std::logic_error otherwise
// (the layers accept only element types of these sizes).
template <typename F>
void with_element_bytes(size_t bytes, F&& f) {
  switch (bytes) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    case 8: f(uint64_t{}); break;
    default: throw std::logic_error("no element copy for elements of " + std::to_string(bytes) + " bytes");
  }
}

}  // namespace dnncost
