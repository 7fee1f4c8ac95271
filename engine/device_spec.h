// DeviceSpec: what the user asked for with --device, --threads, --max-memory and the cuda options. Its own header so
// that the memory cap (engine/memory_cap.h) and the sessions (engine/session.h) both use it without including each
// other.
#pragma once

#include <cstdint>
#include <string>

#include "engine/memory_cap.h"

namespace dnncost {

// What the user asked for with --device / --threads.
struct DeviceSpec {
  std::string kind = "ref";  // ref, cpu, cuda
  int index = 0;             // cuda:N
  int threads = 0;           // cpu: 0 = the library's default
  MemoryCap memory_cap;      // a session whose plan needs more is refused before allocating (default: no cap)
  // cuda only (engine/cuda/cuda_options.h checks them):
  std::string math = "fp32";       // --math fp32|tf32|fp16: how convolutions and GEMMs may round
  int64_t workspace_mb = -1;       // --workspace-mb: the largest scratch one step may use (MiB); -1: auto
  bool include_transfers = false;  // --include-transfers: the timed run also copies inputs in and outputs out
  std::string str() const { return kind == "cuda" ? "cuda:" + std::to_string(index) : kind; }
};

}  // namespace dnncost
