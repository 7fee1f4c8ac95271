// Launch geometry of the cuda device's own kernels (kernels/cuda/*.cuh): how many blocks of how many threads a
// grid-stride loop over N work items gets, and whether its indices fit 32 bits. Host-only (no CUDA includes), so
// the arithmetic is unit-tested in every build (tests/unit/cuda_kernels_test.cpp).
//
// Every element-wise kernel is a grid-stride loop: thread t of a grid of G threads handles items t, t + G,
// t + 2G, ... < N, so any N (also > 2^31) is covered by a grid of bounded size. Indices are 64-bit unless every
// index the loop forms (the largest item plus one grid stride, and every offset computed from it) stays below
// 2^31: then the kernel runs with int32 indices, whose division and modulo (one per merged dimension in the
// broadcast / transpose / pad / slice tables) are several times cheaper on the GPU.
#pragma once

#include <algorithm>
#include <cstdint>

namespace dnncost::cuda {

constexpr int kThreadsPerBlock = 256;
// Blocks of one grid-stride launch at most: 65536 x 256 = 16 M threads, far more than any GPU holds resident
// (an H100 runs 132 SMs x 2048 threads), so the cap only bounds the grid, never the parallelism.
constexpr int64_t kMaxGridBlocks = int64_t{1} << 16;
constexpr int64_t kInt32Limit = (int64_t{1} << 31) - 1;

struct LaunchGeometry {
  int64_t blocks = 0;  // 0: nothing to launch (no work items)
  int threads = 0;
  bool empty() const { return blocks == 0; }
  int64_t total_threads() const { return blocks * threads; }
};

// Grid for a grid-stride loop over `items` work items: ceil(items / threads) blocks, at most max_blocks.
inline LaunchGeometry grid_stride_geometry(int64_t items, int threads = kThreadsPerBlock,
                                           int64_t max_blocks = kMaxGridBlocks) {
  LaunchGeometry g;
  if (items <= 0 || threads <= 0 || max_blocks <= 0) return g;
  g.threads = threads;
  g.blocks = std::min(max_blocks, (items + threads - 1) / threads);
  return g;
}

// Blocks of kThreadsPerBlock threads for the fixed-width grid-stride launches beside cuDNN and cuBLAS (the conv
// epilogue, the pooling window, the GEMM bias broadcast): ceil(elements / 256), at least 1, at most 65535 x 8.
inline int capped_grid_blocks(int64_t elements) {
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>((elements + kThreadsPerBlock - 1) / kThreadsPerBlock, int64_t{65535} * 8)));
}

// True when a grid-stride loop of geometry g over `items` items, whose per-item offsets are all at most
// max_offset, can use int32 indices: the loop variable reaches at most items - 1 + total_threads before it
// stops, and no offset exceeds the int32 range.
//
// Tests set int64_indexing_forced() to make kernels built afterwards take their 64-bit paths on small tensors.
inline bool& int64_indexing_forced() {
  static bool forced = false;
  return forced;
}
inline bool fits_int32_indexing(int64_t items, int64_t max_offset, const LaunchGeometry& g) {
  if (items < 0 || max_offset < 0 || int64_indexing_forced()) return false;
  return items + g.total_threads() <= kInt32Limit && max_offset <= kInt32Limit;
}

// Geometry of a "one block per row" reduction (InstanceNormalization planes, ReduceMean groups): a power of two
// threads between 32 (a warp) and kThreadsPerBlock, no more than the row needs; blocks loop over rows
// grid-stride when there are more rows than max_blocks.
inline LaunchGeometry block_per_row_geometry(int64_t rows, int64_t row_length, int64_t max_blocks = kMaxGridBlocks) {
  LaunchGeometry g;
  if (rows <= 0 || max_blocks <= 0) return g;
  int threads = 32;
  while (threads < kThreadsPerBlock && threads < row_length) threads *= 2;
  g.threads = threads;
  g.blocks = std::min(rows, max_blocks);
  return g;
}

// Widest copy unit (16, 8, 4, 2 or 1 bytes) that divides every byte count and byte offset in `values` (sizes,
// pitches, offsets, and the buffer addresses' alignment): a byte copy then moves that many bytes per thread.
inline int widest_copy_unit(std::initializer_list<int64_t> values) {
  for (int unit = 16; unit > 1; unit /= 2) {
    bool divides = true;
    for (int64_t v : values) divides = divides && v % unit == 0;
    if (divides) return unit;
  }
  return 1;
}

}  // namespace dnncost::cuda
