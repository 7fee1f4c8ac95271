// Chrome trace event writer: events collected in memory, written as one JSON document.
#include "metrics/trace.h"

#include <cstdio>
#include <fstream>

#include "core/errors.h"
#include "metrics/timing.h"

namespace dnncost {

double TraceWriter::now_us() { return now_s() * 1e6; }

void TraceWriter::process_name(int pid, const std::string& name, int sort_index) {
  events_.push_back({{"ph", "M"}, {"pid", pid}, {"tid", 0}, {"name", "process_name"}, {"args", {{"name", name}}}});
  events_.push_back(
      {{"ph", "M"}, {"pid", pid}, {"tid", 0}, {"name", "process_sort_index"}, {"args", {{"sort_index", sort_index}}}});
}

void TraceWriter::thread_name(int pid, int tid, const std::string& name, int sort_index) {
  events_.push_back({{"ph", "M"}, {"pid", pid}, {"tid", tid}, {"name", "thread_name"}, {"args", {{"name", name}}}});
  events_.push_back(
      {{"ph", "M"}, {"pid", pid}, {"tid", tid}, {"name", "thread_sort_index"}, {"args", {{"sort_index", sort_index}}}});
}

void TraceWriter::span(int pid, int tid, const std::string& name, const std::string& category, double ts_us,
                       double dur_us, nlohmann::json args) {
  events_.push_back({{"ph", "X"},
                     {"pid", pid},
                     {"tid", tid},
                     {"name", name},
                     {"cat", category},
                     {"ts", ts_us},
                     {"dur", dur_us},
                     {"args", std::move(args)}});
}

void TraceWriter::instant(int pid, int tid, const std::string& name, const std::string& category, double ts_us,
                          bool process_scope, nlohmann::json args) {
  events_.push_back({{"ph", "i"},
                     {"pid", pid},
                     {"tid", tid},
                     {"name", name},
                     {"cat", category},
                     {"ts", ts_us},
                     {"s", process_scope ? "p" : "t"},
                     {"args", std::move(args)}});
}

void TraceWriter::counter(int pid, const std::string& name, double ts_us, const nlohmann::json& values) {
  events_.push_back({{"ph", "C"}, {"pid", pid}, {"tid", 0}, {"name", name}, {"ts", ts_us}, {"args", values}});
}

nlohmann::json TraceWriter::document() const {
  return {{"traceEvents", events_}, {"displayTimeUnit", "ms"}, {"otherData", other_}};
}

void TraceWriter::write(const std::string& path, const std::string& option) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) throw ModelError(option + " " + path + ": cannot open " + tmp + " for writing");
    f << document().dump() << "\n";
    f.flush();
    if (!f) throw ModelError(option + " " + path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw ModelError(option + " " + path + ": cannot rename " + tmp + " to it");
  }
}

}  // namespace dnncost
