// Host-only arithmetic of the cuda session (no CUDA includes, so every build compiles and tests it): the --math and
// --workspace-mb options and the layout of the device weight region.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.h"

namespace dnncost::cuda_geometry {

// --- options -------------------------------------------------------------------------------------------------

// Throws ModelError naming --math unless `math` is fp32, tf32 or fp16.
inline void check_math(const std::string& math) {
  if (math != "fp32" && math != "tf32" && math != "fp16")
    throw ModelError("--math " + math +
                     ": expected fp32 (default: no tensor-core rounding, compares with the CPU), "
                     "tf32 or fp16");
}

constexpr int64_t kMaxWorkspaceMb = int64_t{1} << 20;  // 1 TiB: beyond any GPU
constexpr int64_t kAutoWorkspaceMb = -1;               // --workspace-mb auto (the default)
constexpr int64_t kAutoWorkspaceCapMb = 4096;          // auto: at most this much ...
constexpr int64_t kAutoWorkspaceFreeDivisor = 4;       // ... and at most this fraction of the free memory

// Throws ModelError naming --workspace-mb unless mb is kAutoWorkspaceMb or 0 <= mb <= kMaxWorkspaceMb; returns the
// limit in bytes (kAutoWorkspaceMb for auto, resolved by the session with auto_workspace_bytes).
inline int64_t workspace_limit_bytes(int64_t mb) {
  if (mb == kAutoWorkspaceMb) return kAutoWorkspaceMb;
  if (mb < 0 || mb > kMaxWorkspaceMb)
    throw ModelError("--workspace-mb " + std::to_string(mb) + ": expected auto or 0 to " +
                     std::to_string(kMaxWorkspaceMb) + " (MiB of scratch one layer may use)");
  return mb << 20;
}

// --workspace-mb's text: "auto" (kAutoWorkspaceMb) or a whole number of MiB in range; ModelError naming the option.
inline int64_t parse_workspace_mb(const std::string& text) {
  if (text == "auto") return kAutoWorkspaceMb;
  size_t used = 0;
  long long mb = -2;
  try {
    mb = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || mb < 0)
    throw ModelError("--workspace-mb " + text + ": expected auto or a whole number of MiB, 0 to " +
                     std::to_string(kMaxWorkspaceMb));
  workspace_limit_bytes(mb);
  return mb;
}

// The workspace limit --workspace-mb auto gives a session: the smallest of kAutoWorkspaceCapMb, a quarter of the
// device memory free after the context and handles, and half of what that free memory leaves beside the plan's
// weights and activations (`need_bytes`), so that a batch which fits without workspace is not pushed out of memory
// by it. (PyTorch's cudnn.benchmark considers every algorithm whose workspace it can allocate; a fixed small limit
// rules out the FFT and Winograd algorithms at large batches.)
inline int64_t auto_workspace_bytes(int64_t free_bytes, int64_t need_bytes = 0) {
  const int64_t free = std::max<int64_t>(0, free_bytes);
  const int64_t quarter = free / kAutoWorkspaceFreeDivisor;
  const int64_t left_half = std::max<int64_t>(0, free - std::max<int64_t>(0, need_bytes)) / 2;
  return std::min<int64_t>({kAutoWorkspaceCapMb << 20, quarter, left_half});
}

// --- device memory layout --------------------------------------------------------------------------------------

constexpr int64_t kDeviceAlignment = 256;  // cudaMalloc's alignment; every constant starts at a multiple of it

inline int64_t align_up(int64_t bytes, int64_t alignment = kDeviceAlignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

// Where each constant of each step lies in the one weight region: offsets[step][k], and the region's size.
struct WeightLayout {
  std::vector<std::vector<int64_t>> offsets;
  int64_t bytes = 0;
};

// Constants placed one after another, each aligned; sizes[step][k] in bytes (a 0-byte constant takes no room).
inline WeightLayout layout_weights(const std::vector<std::vector<int64_t>>& sizes) {
  WeightLayout w;
  for (const auto& step : sizes) {
    std::vector<int64_t> offs;
    for (int64_t n : step) {
      offs.push_back(w.bytes);
      w.bytes += align_up(n);
    }
    w.offsets.push_back(std::move(offs));
  }
  return w;
}

}  // namespace dnncost::cuda_geometry
