// What the NVML and RAPL power sources (metrics/power_nvml.cpp, metrics/power_rapl.cpp) share, written once: the
// sensor is opened on the first available() call, whose answer and reason are remembered; a read() without the
// sensor is a sample holding only its time and that reason; otherwise read() times the sensor reads and stamps
// the sample with the middle of the time they took, then lets the source finish it.
#pragma once

#include <string>
#include <utility>

#include "metrics/power.h"

namespace dnncost {

class OpenedOncePowerSource : public PowerSource {
 public:
  std::string sensor() const final { return sensor_; }
  bool available(std::string* reason) final;
  PowerSample read() final;

 protected:
  // `sensor` is what sensor() says ("nvml"); `label` names the sensor in a read without it ("NVML").
  OpenedOncePowerSource(std::string sensor, std::string label) : sensor_(std::move(sensor)), label_(std::move(label)) {}

  // Opens the sensor: true when it can measure, else false with *why. Called once, by the first available().
  virtual bool open(std::string* why) = 0;
  // The timed reads of one sample: power and energy, and s->error for the first read that failed.
  virtual void read_sensor(PowerSample* s) = 0;
  // After the timed reads, s->t_s set: what follows from the time, or what is read outside the timed part.
  // t_after: when the timed reads ended.
  virtual void finish(PowerSample* s, double t_after) {}

  // open() was called and succeeded.
  bool opened() const { return ok_; }

 private:
  std::string sensor_, label_;
  bool probed_ = false, ok_ = false;
  std::string reason_;
};

}  // namespace dnncost
