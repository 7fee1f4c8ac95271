// Byte sizes, free device memory and the planned-memory cap (see memory_cap.h).
#include "engine/memory_cap.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "engine/cuda/cuda_device.h"
#include "engine/memory_plan.h"
#include "engine/plan.h"
#include "engine/device_spec.h"
#include "core/host_info.h"

namespace dnncost {
namespace {

std::string gib_str(int64_t bytes) {
  std::ostringstream os;
  os.precision(3);
  const double b = static_cast<double>(bytes);
  if (bytes >= (int64_t{1} << 30)) os << b / (1 << 30) << " GiB";
  else if (bytes >= (int64_t{1} << 20)) os << b / (1 << 20) << " MiB";
  else if (bytes >= 1024) os << b / 1024 << " KiB";
  else return std::to_string(bytes) + " bytes";
  return std::to_string(bytes) + " bytes (" + os.str() + ")";
}

}  // namespace

int64_t parse_byte_size(const std::string& text, const std::string& option) {
  const std::string what = option + " " + text + ": expected a size in bytes such as 4G, 512M or 1000000";
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  const std::string number = text.substr(0, i);
  std::string unit = text.substr(i);
  if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1) throw ModelError(what);
  for (auto& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() >= 2 && unit.back() == 'B') unit.pop_back();        // KB, MB, GB, TB
  if (unit.size() == 2 && unit.back() == 'I') unit.pop_back();        // KiB, MiB, GiB, TiB
  int shift = 0;
  if (unit == "K") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (unit == "T") shift = 40;
  else if (!unit.empty() && unit != "B") throw ModelError(what + " (unknown unit '" + text.substr(i) + "')");
  const long double value = std::strtold(number.c_str(), nullptr) * std::ldexp(1.0L, shift);
  if (!(value >= 0) || value >= 9.2e18L) throw ModelError(what + " (too large)");
  return static_cast<int64_t>(std::llround(value));
}

MemoryCap resolve_memory_cap(const std::string& text, const DeviceSpec& spec) {
  MemoryCap cap;
  if (text == "none" || text == "unlimited") return cap;
  if (!text.empty()) {
    cap.bytes = parse_byte_size(text, "--max-memory");
    cap.source = "--max-memory " + text;
    return cap;
  }
  if (spec.kind == "cuda") {
    std::string why;
    const int64_t free_bytes = cuda_free_memory(spec.index, &why);
    if (free_bytes < 0) {
      throw ModelError("--device " + spec.str() + ": cannot read the GPU's free memory (" + why + ")");
    }
    cap.bytes = free_bytes;
    cap.source = "the free memory of " + spec.str() + " (the default of --max-memory)";
    return cap;
  }
  cap.bytes = host_available_bytes();
  cap.source = "MemAvailable of this host (the default of --max-memory)";
  if (cap.bytes < 0) return MemoryCap();  // no /proc/meminfo: no default cap
  return cap;
}

void check_memory_cap(const Plan& plan, const MemoryCap& cap) {
  if (!cap.limited()) return;
  const int64_t weights = plan.totals().weight_bytes;
  const int64_t arena = plan_memory(plan).arena_bytes;
  const int64_t planned = weights + arena;
  if (planned <= cap.bytes) return;
  std::string batch = "?";
  if (!plan.input_ids().empty() && !plan.values()[plan.input_ids()[0]].shape.empty()) {
    batch = std::to_string(plan.values()[plan.input_ids()[0]].shape[0]);
  }
  throw MemoryCapError(plan.graph().path + ": at batch " + batch + " the plan needs " + gib_str(planned) +
                       " (weights " + gib_str(weights) + " + activation arena " + gib_str(arena) +
                       "), more than the cap of " + gib_str(cap.bytes) + " set by " + cap.source +
                       "; nothing was allocated (use a smaller batch, or raise the cap with --max-memory SIZE, "
                       "or --max-memory none)");
}

}  // namespace dnncost
