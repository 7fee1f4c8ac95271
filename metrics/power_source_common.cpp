// The open-once, timed-read skeleton of the NVML and RAPL power sources.
#include "metrics/power_source_common.h"

#include "metrics/timing.h"

namespace dnncost {

bool OpenedOncePowerSource::available(std::string* reason) {
  if (!probed_) {
    probed_ = true;
    ok_ = open(&reason_);
  }
  if (!ok_ && reason) *reason = reason_;
  return ok_;
}

PowerSample OpenedOncePowerSource::read() {
  PowerSample s;
  const double t_before = now_s();
  if (!ok_) {
    s.t_s = t_before;
    s.error = label_ + " is not available: " + reason_;
    return s;
  }
  read_sensor(&s);
  const double t_after = now_s();
  s.t_s = 0.5 * (t_before + t_after);  // the middle of the sensor reads
  finish(&s, t_after);
  return s;
}

}  // namespace dnncost
