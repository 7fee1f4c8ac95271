// The cap on planned memory (--max-memory): sizes as the user writes them, the memory a device has free, and the
// check that refuses a plan above the cap before anything is allocated.
#pragma once

#include <cstdint>
#include <string>

#include "core/errors.h"

namespace dnncost {

class Plan;
struct DeviceSpec;  // engine/device_spec.h

struct MemoryCap {
  int64_t bytes = -1;  // < 0: no cap
  std::string source;  // where the cap comes from, for messages: "--max-memory 4G", "MemAvailable of this host"
  bool limited() const { return bytes >= 0; }
};

// Parses a byte size: a non-negative integer with an optional binary unit K, M, G, T (also KB/KiB, ...; 1K =
// 1024), e.g. "4G", "512M", "1.5G", "1000000". `option` names the option in the error message.
int64_t parse_byte_size(const std::string& text, const std::string& option);

// The cap for --max-memory TEXT on this device: TEXT a size, "none" (no cap), or empty for the default: the
// device's free memory (the host's MemAvailable for ref and cpu, cudaMemGetInfo's free bytes for cuda:N).
MemoryCap resolve_memory_cap(const std::string& text, const DeviceSpec& spec);

// Throws MemoryCapError naming the option, the model, the batch and the planned bytes when the plan needs more
// than the cap. Planned bytes: the weights + the activation arena of the memory plan (graph inputs included).
void check_memory_cap(const Plan& plan, const MemoryCap& cap);

}  // namespace dnncost
