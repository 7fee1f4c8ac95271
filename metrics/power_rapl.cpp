// RAPL power source: the CPU's energy counters through the Linux powercap interface
// (/sys/class/powercap/intel-rapl:N/energy_uj, also used for AMD CPUs). Zones summed: each package
// (intel-rapl:N, named package-N) and its dram subzone (intel-rapl:N:M named dram), which the package does
// not include. Not summed: the core and uncore subzones (parts of the package: adding them would count their
// energy twice) and psys (the whole platform, overlapping the packages). Counters wrap at
// max_energy_range_uj; power is the energy delta over the time between two readings.
#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "metrics/power.h"
#include "metrics/power_source_common.h"

namespace dnncost {
namespace {

// Reads a file's first line. Returns false and sets *why (path and the system's error) when it cannot.
bool read_line(const std::string& path, std::string* out, std::string* why) {
  errno = 0;
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    if (why) *why = std::strerror(errno);
    return false;
  }
  char buf[128] = {0};
  const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  const int read_errno = errno;
  std::fclose(f);
  if (!ok) {
    if (why) *why = read_errno ? std::strerror(read_errno) : "empty file";
    return false;
  }
  *out = buf;
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r' || out->back() == ' ')) out->pop_back();
  return true;
}

bool read_u64(const std::string& path, uint64_t* v, std::string* why) {
  std::string line;
  if (!read_line(path, &line, why)) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long x = std::strtoull(line.c_str(), &end, 10);
  if (line.empty() || errno != 0 || (end && *end != '\0')) {
    if (why) *why = "not a counter value: '" + line + "'";
    return false;
  }
  *v = x;
  return true;
}

std::vector<std::string> list_dir(const std::string& path, bool* exists) {
  std::vector<std::string> names;
  DIR* d = opendir(path.c_str());
  *exists = d != nullptr;
  if (!d) return names;
  while (dirent* e = readdir(d)) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

class RaplPowerSource : public OpenedOncePowerSource {
 public:
  explicit RaplPowerSource(std::string root) : OpenedOncePowerSource("rapl", "RAPL"), root_(std::move(root)) {}

  nlohmann::json describe() const override {
    nlohmann::json j = {{"root", root_}};
    nlohmann::json zones = nlohmann::json::array();
    for (const Zone& z : zones_) zones.push_back(z.label);
    j["zones"] = zones;
    if (!skipped_.empty()) j["not_added"] = skipped_;
    j["power_reading"] = "energy counter deltas between readings";
    j["energy_counter"] = "energy_uj of the zones (wrap-around at max_energy_range_uj)";
    j["scope"] = "whole CPU packages and their DRAM: every process on this machine";
    return j;
  }

 private:
  // The counter reads of every zone; s->error names the first that failed.
  void read_sensor(PowerSample* s) override {
    for (Zone& z : zones_) {
      uint64_t raw = 0;
      std::string why;
      if (!read_u64(z.energy_path, &raw, &why)) {
        if (s->error.empty()) s->error = z.energy_path + ": " + why;
        continue;
      }
      if (z.have_last) {
        // The counter runs from 0 to max_energy_range_uj and starts again from 0.
        const uint64_t delta = raw >= z.last_raw ? raw - z.last_raw : raw + (z.max_range_uj - z.last_raw);
        z.accumulated_uj += static_cast<double>(delta);
      }
      z.last_raw = raw;
      z.have_last = true;
    }
  }

  // Energy as the sum of the zones, power as its delta since the previous reading over the time between them.
  void finish(PowerSample* s, double /*t_after*/) override {
    // A zone that was not read set s->error: a partial sum would be wrong, so this reading has no numbers.
    if (!s->error.empty()) return;
    double total_uj = 0;
    for (const Zone& z : zones_) total_uj += z.accumulated_uj;
    s->energy_j = total_uj * 1e-6;
    if (have_previous_ && s->t_s > previous_t_) s->watts = (*s->energy_j - previous_j_) / (s->t_s - previous_t_);
    previous_t_ = s->t_s;
    previous_j_ = *s->energy_j;
    have_previous_ = true;
  }

  struct Zone {
    std::string label;        // "package-0", "dram (package-0)"
    std::string energy_path;  // .../energy_uj
    uint64_t max_range_uj = 0;
    uint64_t last_raw = 0;
    bool have_last = false;
    double accumulated_uj = 0;
  };

  // Adds a zone after checking that its counter and range can be read.
  bool add_zone(const std::string& dir, const std::string& label, std::string* why) {
    Zone z;
    z.label = label;
    z.energy_path = dir + "/energy_uj";
    std::string e;
    uint64_t v = 0;
    if (!read_u64(z.energy_path, &v, &e)) {
      *why = "RAPL counter " + z.energy_path + " is not readable: " + e;
      if (e == std::strerror(EACCES))
        *why +=
            " (since Linux 5.10 only root may read the RAPL energy counters; run as root, or have an "
            "administrator grant read access to energy_uj)";
      return false;
    }
    if (!read_u64(dir + "/max_energy_range_uj", &z.max_range_uj, &e) || z.max_range_uj == 0) {
      *why = "RAPL zone " + dir + ": cannot read max_energy_range_uj (needed for the counter's wrap-around): " + e;
      return false;
    }
    zones_.push_back(z);
    return true;
  }

  bool open(std::string* why) override {
    bool exists = false;
    const std::vector<std::string> entries = list_dir(root_, &exists);
    if (!exists) {
      *why = "RAPL absent: " + root_ +
             " does not exist (no powercap interface in this kernel, or a container "
             "or virtual machine without it)";
      return false;
    }
    static const std::regex package_re("intel-rapl:([0-9]+)");
    static const std::regex sub_re("intel-rapl:([0-9]+):([0-9]+)");
    for (const std::string& name : entries) {
      std::smatch m;
      if (!std::regex_match(name, m, package_re)) continue;  // subzones also appear at the top level: skipped
      const std::string dir = root_ + "/" + name;
      std::string zone_name, e;
      if (!read_line(dir + "/name", &zone_name, &e)) {
        *why = "RAPL zone " + dir + ": cannot read its name: " + e;
        return false;
      }
      if (zone_name.rfind("package", 0) != 0) {
        skipped_.push_back(zone_name + " (" + name + "): not a CPU package (psys overlaps the packages)");
        continue;
      }
      if (!add_zone(dir, zone_name, why)) return false;
      bool sub_exists = false;
      for (const std::string& sub : list_dir(dir, &sub_exists)) {
        std::smatch sm;
        if (!std::regex_match(sub, sm, sub_re) || sm[1] != m[1]) continue;
        std::string sub_name;
        if (!read_line(dir + "/" + sub + "/name", &sub_name, &e)) {
          *why = "RAPL zone " + dir + "/" + sub + ": cannot read its name: " + e;
          return false;
        }
        if (sub_name == "dram") {
          if (!add_zone(dir + "/" + sub, "dram (" + zone_name + ")", why)) return false;
        } else {
          skipped_.push_back(sub_name + " (" + zone_name + "): part of the package's energy");
        }
      }
    }
    if (zones_.empty()) {
      *why = "RAPL absent: no package zone intel-rapl:N under " + root_ +
             " (no RAPL driver loaded, a CPU without RAPL, or a virtual machine)";
      return false;
    }
    return true;
  }

  std::string root_;
  std::vector<Zone> zones_;
  std::vector<std::string> skipped_;
  bool have_previous_ = false;
  double previous_t_ = 0, previous_j_ = 0;
};

}  // namespace

std::unique_ptr<PowerSource> make_rapl_power_source(const std::string& root) {
  return std::make_unique<RaplPowerSource>(root);
}

}  // namespace dnncost
