// Execution trace in the Chrome trace event format (JSON object with "traceEvents"): opens in the Perfetto UI
// (ui.perfetto.dev) and in chrome://tracing. Timestamps are microseconds on the clock of now_s()
// (metrics/timing.h), so trace spans and timing samples line up. Format reference: "Trace Event Format"
// (Google, docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace dnncost {

class TraceWriter {
 public:
  // Microseconds on the now_s() clock.
  static double now_us();

  // Names a process (pid) and its sort position in the viewer ("M" metadata events).
  void process_name(int pid, const std::string& name, int sort_index);
  // Names a thread (track) of a process and its sort position.
  void thread_name(int pid, int tid, const std::string& name, int sort_index);
  // A complete span ("X" event) from ts_us lasting dur_us.
  void span(int pid, int tid, const std::string& name, const std::string& category, double ts_us, double dur_us,
            nlohmann::json args = nlohmann::json::object());
  // An instant marker ("i" event) on one thread (scope "t") or across the process (scope "p").
  void instant(int pid, int tid, const std::string& name, const std::string& category, double ts_us, bool process_scope,
               nlohmann::json args = nlohmann::json::object());
  // A counter track sample ("C" event): each key of `values` is one series of the track `name`.
  void counter(int pid, const std::string& name, double ts_us, const nlohmann::json& values);
  // Free-form facts written under "otherData" (device, power source, how to read the trace).
  void note(const std::string& key, nlohmann::json value) { other_[key] = std::move(value); }

  size_t events() const { return events_.size(); }
  // The whole trace document.
  nlohmann::json document() const;
  // Writes the document to `path` atomically (a temporary file renamed over it); throws ModelError naming
  // `option` on failure.
  void write(const std::string& path, const std::string& option = "--trace") const;

 private:
  nlohmann::json events_ = nlohmann::json::array();
  nlohmann::json other_ = nlohmann::json::object();
};

}  // namespace dnncost
