// Power measurement for `dnncost profile` (see power_meter.h).
#include "metrics/power_meter.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/errors.h"
#include "metrics/timing.h"

namespace dnncost {

void check_power_options(const PowerOptions& opt) {
  DNNCOST_EXPECT(opt.source == "auto" || opt.source == "nvml" || opt.source == "rapl" || opt.source == "none",
                 "--power: expected auto, nvml, rapl or none, got '" << opt.source << "'");
  DNNCOST_EXPECT(opt.hz > 0 && opt.hz <= 10000, "--power-hz: expected a rate in (0, 10000] Hz, got " << opt.hz);
  DNNCOST_EXPECT(opt.idle_seconds >= 0 && opt.idle_seconds <= 3600,
                 "--idle-seconds: expected 0 to 3600 seconds, got " << opt.idle_seconds);
  DNNCOST_EXPECT(opt.window_seconds >= 0 && opt.window_seconds <= 3600,
                 "--power-window: expected 0 to 3600 seconds, got " << opt.window_seconds);
}

PowerMeter::PowerMeter(const PowerOptions& opt, const std::string& device_kind, int device_index)
    : opt_(opt), source_(choose_power_source(opt.source, device_kind, device_index)) {
  init();
}

PowerMeter::PowerMeter(const PowerOptions& opt, std::unique_ptr<PowerSource> source)
    : opt_(opt), source_(std::move(source)) {
  init();
}

void PowerMeter::init() {
  sensor_ = source_->sensor();
  std::string why;
  const bool available = source_->available(&why);
  if (!available) {
    reason_ = why.empty() ? "the sensor is not available" : why;
  } else if (opt_.window_seconds <= 0) {
    reason_ = "power windows disabled (--power-window 0)";
  }
  measuring_ = available && opt_.window_seconds > 0;
}

std::string PowerMeter::summary_line() const {
  if (!measuring_) return "unavailable (" + sensor_ + ": " + reason_ + ")";
  const nlohmann::json d = source_->describe();
  std::string line = sensor_;
  if (d.contains("gpu")) line += ": " + d["gpu"].get<std::string>();
  if (d.contains("zones")) {
    line += ":";
    for (const auto& z : d["zones"]) line += " " + z.get<std::string>();
  }
  if (d.contains("power_reading")) line += ", power " + d["power_reading"].get<std::string>();
  if (idle_.valid) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", idle %.1f W", idle_.avg_w);
    line += buf;
  }
  return line;
}

nlohmann::json PowerMeter::unavailable_json() const {
  return {{"available", false}, {"sensor", sensor_}, {"reason", reason_}};
}

void PowerMeter::measure_idle(const std::function<bool()>& stop) {
  if (idle_done_ || !measuring_) return;
  idle_done_ = true;
  if (opt_.idle_seconds <= 0) return;
  PowerSampler sampler(*source_, opt_.hz);
  sampler.start();
  const double t0 = now_s();
  bool stopped = false;
  while (now_s() - t0 < opt_.idle_seconds) {
    if (stop && stop()) {
      stopped = true;
      break;
    }
    const double left = opt_.idle_seconds - (now_s() - t0);
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(0.05, std::max(0.0, left))));
  }
  const double t1 = now_s();
  sampler.stop();
  idle_samples_ = sampler.samples();
  if (stopped) return;  // idle stays unknown
  idle_ = summarize_power(idle_samples_, t0, t1);
}

namespace {

void put(nlohmann::json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = *v;
}

}  // namespace

nlohmann::json PowerMeter::measure_window(const std::function<void()>& run_once, int64_t images_per_run,
                                          const std::function<bool()>& stop) {
  if (!measuring_) return unavailable_json();
  measure_idle(stop);
  if (stop && stop()) return unavailable_json();

  PowerSampler sampler(*source_, opt_.hz);
  sampler.start();
  const double t0 = now_s();
  int64_t runs = 0;
  do {
    run_once();
    ++runs;
  } while (!(stop && stop()) && now_s() - t0 < opt_.window_seconds);
  const double t1 = now_s();
  sampler.stop();
  window_samples_ = sampler.samples();
  const PowerWindow w = summarize_power(window_samples_, t0, t1);
  if (!w.valid) {
    nlohmann::json j = {{"available", false},
                        {"sensor", sensor_},
                        {"reason", "the sensor gave no usable reading in the power window: " + w.invalid_reason}};
    return j;
  }
  const int64_t images = runs * images_per_run;
  nlohmann::json j = {{"available", true},
                      {"sensor", sensor_},
                      {"source", source_->describe()},
                      {"method", w.method},
                      {"power_is_average", w.power_is_average},
                      {"avg_w", w.avg_w},
                      {"energy_j", w.energy_j},
                      {"energy_per_image_j", images > 0 ? w.energy_j / static_cast<double>(images) : 0.0},
                      {"images", images},
                      {"runs", runs},
                      {"window_s", w.window_s},
                      {"samples", w.samples},
                      {"sample_hz", opt_.hz},
                      {"effective_hz", w.window_s > 0 ? w.samples / w.window_s : 0.0},
                      {"read_ms", sampler.mean_read_ms()}};
  if (idle_.valid) {
    j["idle_w"] = idle_.avg_w;
    j["dynamic_w"] = w.avg_w - idle_.avg_w;
    j["idle_s"] = idle_.window_s;
    j["idle_samples"] = idle_.samples;
  } else {
    j["idle"] = opt_.idle_seconds <= 0 ? "not measured (--idle-seconds 0)" : "not measured (interrupted or no reading)";
  }
  put(j, "peak_w", w.peak_w);
  put(j, "energy_counter_j", w.energy_counter_j);
  put(j, "energy_integrated_j", w.energy_integrated_j);
  put(j, "sm_clock_mhz_mean", w.sm_clock_mhz_mean);
  put(j, "sm_clock_mhz_min", w.sm_clock_mhz_min);
  put(j, "sm_clock_mhz_max", w.sm_clock_mhz_max);
  put(j, "mem_clock_mhz_mean", w.mem_clock_mhz_mean);
  put(j, "temperature_c_max", w.temperature_c_max);
  put(j, "power_limit_w", w.power_limit_w);
  if (w.failed_reads > 0) {
    j["failed_reads"] = w.failed_reads;
    j["first_error"] = w.first_error;
  }
  return j;
}

}  // namespace dnncost
