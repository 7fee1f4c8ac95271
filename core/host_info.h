// Facts about the host for records: CPU model, core count, process peak memory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace dnncost {

std::string cpu_model_name();     // from /proc/cpuinfo ("unknown" when absent)
int logical_cpus();
int64_t peak_rss_bytes();         // process high-water mark of resident memory (VmHWM), 0 when unknown
int64_t current_rss_bytes();      // VmRSS, 0 when unknown
int64_t host_available_bytes();   // memory free for new allocations (MemAvailable in /proc/meminfo), -1 when unknown
std::string utc_timestamp();      // "2026-11-26T05:30:00Z"
nlohmann::json host_json();

}  // namespace dnncost
