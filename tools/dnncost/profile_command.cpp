// `dnncost profile`: latency, memory and per-layer time of models over a sweep of batch sizes and symbolic
// dimensions (--dim); one JSON record per (model, dims, batch) appended to a JSON Lines file as soon as it is
// measured.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "engine/cuda/cuda_device.h"
#include "engine/session.h"
#include "importers/onnx/onnx_import.h"
#include "metrics/cost_roles.h"
#include "metrics/device_peaks.h"
#include "metrics/fit.h"
#include "core/host_info.h"
#include "metrics/power_meter.h"
#include "metrics/timing.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/dim_option.h"
#include "tools/dnncost/format.h"
#include "tools/dnncost/profile_trace.h"
#include "tools/dnncost/records_csv.h"
#include "tools/dnncost/zoo.h"

namespace dnncost {
namespace {

// The signal (SIGINT or SIGTERM) that asked the sweep to stop, 0 while none has. The handler is reset to the
// default once it has run, so a second Ctrl-C ends the process at once (every record written stays whole).
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_profile_stop_signal(int sig) { g_stop_signal = sig; }

bool stop_requested() { return g_stop_signal.load() != 0; }

// Installs the stop handler for SIGINT and SIGTERM for the lifetime of the object.
class StopSignalGuard {
 public:
  StopSignalGuard() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_profile_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~StopSignalGuard() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

std::string stop_signal_name() { return g_stop_signal.load() == SIGTERM ? "SIGTERM" : "SIGINT"; }

// Seeded inputs for every graph input: floats uniform in [0, 1) (image-like, non-zero), integers 0.
std::vector<std::shared_ptr<const Tensor>> random_inputs(const Plan& plan, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<std::shared_ptr<const Tensor>> out;
  for (int id : plan.input_ids()) {
    const PlanValue& v = plan.values()[id];
    auto t = std::make_shared<Tensor>(v.dtype, v.shape);
    if (v.dtype == DType::kFloat32) {
      float* p = t->data<float>();
      for (int64_t i = 0; i < t->numel(); ++i) p[i] = u(rng);
    }
    out.push_back(t);
  }
  return out;
}

// The plan's totals, with MACs and FLOPs summed by cost role (metrics/cost_roles.h).
nlohmann::json cost_totals_json(const Plan& plan, const std::vector<CostRole>& roles) {
  const Cost& c = plan.totals();
  const RoleTotals by_role = role_totals(plan, roles);
  return {{"params", c.params},
          {"macs", c.macs},
          {"flops", c.flops},
          {"macs_by_role", macs_by_role_json(by_role)},
          {"flops_by_role", flops_by_role_json(by_role)},
          {"bytes_read", c.bytes_read},
          {"bytes_written", c.bytes_written},
          {"weight_bytes", c.weight_bytes},
          {"activation_bytes", c.activation_bytes},
          {"layers", plan.steps().size()}};
}

nlohmann::json fit_json(const LinearFit& f) {
  nlohmann::json j = {{"points", f.points}, {"valid", f.valid}};
  if (f.valid) {
    j["ms_per_gflop"] = f.slope * 1e9;
    j["intercept_ms"] = f.intercept;
    j["r2"] = f.r2;
    // slope is ms per FLOP: one GFLOP takes slope * 1e6 seconds.
    if (f.slope > 0) j["effective_gflops"] = 1.0 / (f.slope * 1e6);
    else j["effective_gflops"] = nullptr;
  }
  return j;
}

// Per-layer pass, separate from the headline latency: each step timed on its own (synchronised), or, on a device
// that times itself, one pass of every step with the device's events between the steps.
struct LayerTimes {
  std::vector<double> median_ms;
  int iterations = 0;
  std::string method;
};

// Timed iterations go to the trace: an iteration marker, then one span per layer.
LayerTimes time_layers(Session& s, const TimingPolicy& policy, ProfileTrace& trace) {
  const size_t n = s.plan().steps().size();
  std::vector<std::vector<double>> samples(n);
  const bool device_timed = s.times_itself();
  auto one_pass = [&](bool record, int iteration) {
    if (record) trace.layer_iteration(iteration, now_s());
    if (device_timed) {
      // The spans lie where the device's times put them, from the pass's start on the host clock.
      double t = now_s();
      const std::vector<double> ms = s.timed_steps_ms();
      if (!record) return;
      for (size_t i = 0; i < n && i < ms.size(); ++i) {
        samples[i].push_back(ms[i]);
        trace.layer_span(i, iteration, t, t + ms[i] / 1000.0);
        t += ms[i] / 1000.0;
      }
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      const double t0 = now_s();
      s.run_step(i);
      s.synchronize();
      const double t1 = now_s();
      if (!record) continue;
      samples[i].push_back((t1 - t0) * 1000.0);
      trace.layer_span(i, iteration, t0, t1);
    }
  };
  for (int w = 0; w < policy.warmup && !stop_requested(); ++w) one_pass(false, w);
  const double start = now_s();
  int iters = 0;
  while (!stop_requested() && iters < policy.max_iters &&
         (iters < policy.min_iters || now_s() - start < policy.min_time_s)) {
    one_pass(true, iters);
    ++iters;
  }
  LayerTimes lt;
  lt.iterations = iters;
  lt.method = device_timed ? "device events between steps, one pass of every step per iteration"
                           : "host clock around run_step() and synchronize()";
  for (auto& v : samples) lt.median_ms.push_back(summarize(v).median_ms);
  return lt;
}

struct Row {
  std::string model;
  std::string dims;  // "seq=128", "" without --dim
  int64_t batch = 0;
  std::string status;
  double median = 0, p10 = 0, p90 = 0, per_image = 0, ips = 0, gflops = 0;
  double power_w = -1, j_per_image = -1;  // -1: not measured
  int64_t memory = 0, rss = 0;
};

// Appends one JSON record per line. Each record is one write() to a file opened with O_APPEND, so a record is
// either whole or absent: an interrupted or crashed sweep leaves only valid lines. A failed write is undone.
class RecordSink {
 public:
  // "" writes nothing, "-" writes to stdout, anything else appends to that file.
  explicit RecordSink(const std::string& path) : path_(path) {
    if (path_.empty()) return;
    if (path_ == "-") {  // stdout: not ours to close; std::cout is flushed before each record
      fd_ = STDOUT_FILENO;
      owns_fd_ = false;
      return;
    }
    fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);  // read: the last byte
    if (fd_ < 0 && errno == EACCES) fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw ModelError("--json " + path_ + ": cannot open the file for appending (" + std::strerror(errno) + ")");
    }
    // A last line without its newline (a writer that died mid-line) must not swallow the next record.
    struct stat st {};
    if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      char last = '\n';
      if (::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') needs_newline_ = true;
    }
  }
  ~RecordSink() {
    if (fd_ >= 0 && owns_fd_) ::close(fd_);
  }
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;

  void write(const nlohmann::json& record) {
    if (fd_ < 0) return;
    if (!owns_fd_) std::cout.flush();
    const std::string line = (needs_newline_ ? "\n" : "") + record.dump() + "\n";
    const off_t before = ::lseek(fd_, 0, SEEK_END);  // -1 for a pipe or a terminal: nothing to undo there
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = n < 0 ? std::strerror(errno) : "nothing written";
        if (before >= 0 && ::ftruncate(fd_, before) != 0) {
          // the partial line stays; nothing more can be done
        }
        throw ModelError("--json " + path_ + ": write failed (" + why + ")");
      }
      done += static_cast<size_t>(n);
    }
    needs_newline_ = false;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = true;
  bool needs_newline_ = false;
};

// How this dnncost was built: compiler, and the CUDA/cuDNN versions compiled in (null in CPU-only builds).
nlohmann::json build_json() {
  const std::string cuda = cuda_build_versions();
#if defined(__clang__)
  const std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = "GCC " __VERSION__;
#else
  const std::string compiler = "unknown";
#endif
  return {{"compiler", compiler}, {"cuda", cuda.empty() ? nlohmann::json() : nlohmann::json(cuda)}};
}

// One progress line, rewritten in place on a terminal; nothing when stderr is a file or a pipe.
void progress(bool quiet, const std::string& line) {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  if (quiet || !tty) return;
  std::cerr << "\r\033[K" << line << std::flush;
}

// The device's measured peaks (metrics/device_peaks.h): measured when the first configuration starts (so that
// Ctrl-C during it is recorded like any interruption), then reused by every record of the run; null with the
// reason when not measured.
class DevicePeaksOnce {
 public:
  DevicePeaksOnce(const ProfileOptions& opt, const DeviceSpec& spec) : opt_(opt), spec_(spec) {}
  const nlohmann::json& get(const std::string& label) {
    if (!value_.is_null()) return value_;
    if (!opt_.peaks) return value_ = {{"gflops", nullptr}, {"gbs", nullptr}, {"note", "not measured (--no-peaks)"}};
    progress(opt_.quiet, label + ": measuring the device's peak GFLOP/s and GB/s");
    try {
      nlohmann::json j = peaks_json(measure_device_peaks(spec_, opt_.peaks_time, [] { return stop_requested(); }));
      if (stop_requested()) throw std::runtime_error("interrupted");
      value_ = std::move(j);
    } catch (const std::bad_alloc&) {
      value_ = {{"gflops", nullptr}, {"gbs", nullptr}, {"note", "not measured: out of memory"}};
    }
    return value_;
  }
  const nlohmann::json& value() const { return value_; }  // null until measured

 private:
  const ProfileOptions& opt_;
  DeviceSpec spec_;
  nlohmann::json value_;
};

// Measures one (model, dims, batch): fills `record` and `row`; throws on failure (the caller records it).
void measure(const Graph& g, const ProfileOptions& opt, const DeviceSpec& spec, const DimValues& dims, int64_t batch,
             const std::string& label, DevicePeaksOnce& peaks, PowerMeter& power, ProfileTrace& trace,
             nlohmann::json& record, Row& row) {
  if (power.measuring() && !power.idle_measured()) progress(opt.quiet, label + ": measuring idle power");
  power.measure_idle([] { return stop_requested(); });  // once, before the first configuration runs
  if (stop_requested()) throw std::runtime_error("interrupted");
  trace.idle_power(power.idle_samples());                   // once, the first time there are samples
  const nlohmann::json& device_peaks = peaks.get(label);     // once, after idle (the peaks heat the device)
  progress(opt.quiet, label + ": planning");
  const PassOptions passes = passes_for(opt.passes, spec.kind);
  const OptimizedGraph executed = optimize(g, passes, dims);  // the graph the device runs
  InputRequest request;
  request.batch = batch;
  request.dims = dims;
  const Plan plan(*executed.graph, bind_inputs(*executed.graph, request).binding);
  record["passes"] = {{"mode", passes.name()}, {"changes", executed.log.size()}};
  const std::vector<CostRole> roles = cost_roles(plan);
  record["costs"] = cost_totals_json(plan, roles);
  progress(opt.quiet, label + ": allocating");
  std::unique_ptr<Session> session = make_session(plan, spec);
  session->set_inputs(random_inputs(plan, opt.seed));
  record["device"] = session->device_json();
  record["device"]["peaks"] = device_peaks;
  trace.begin_configuration(dims.empty() ? g.path : g.path + " " + dims_label(dims), batch, *session);

  TimingPolicy policy;
  policy.warmup = opt.warmup;
  policy.min_iters = opt.min_iters;
  policy.min_time_s = opt.min_time;
  progress(opt.quiet, label + ": timing the whole network");
  double run_start = 0;
  int run_index = -policy.warmup;
  std::vector<double> samples;
  if (session->times_itself()) {
    samples = sample_repeated(
        policy,
        [&] {
          run_start = now_s();
          const double ms = session->timed_run_ms();
          if (run_index >= 0) trace.network_run(run_index, run_start, now_s());
          ++run_index;
          return ms;
        },
        [] { return stop_requested(); });
  } else {
    samples = time_repeated(
        policy,
        [&] {
          run_start = now_s();
          session->run();
        },
        [&] {
          session->synchronize();
          if (run_index >= 0) trace.network_run(run_index, run_start, now_s());
          ++run_index;
        },
        [] { return stop_requested(); });
  }
  if (stop_requested()) throw std::runtime_error("interrupted");
  const TimingStats st = summarize(samples);
  record["latency"] = stats_json(st);
  record["latency"]["method"] = session->timing_method();
  if (session->times_itself()) {
    session->outputs();  // the device-to-host copy, timed on its own (device.transfers)
    record["device"] = session->device_json();
    record["device"]["peaks"] = device_peaks;
  }
  record["per_image_ms"] = st.median_ms / static_cast<double>(batch);
  record["images_per_s"] = st.median_ms > 0 ? 1000.0 * static_cast<double>(batch) / st.median_ms : 0.0;
  record["achieved_gflops"] = st.median_ms > 0 ? static_cast<double>(plan.totals().flops) / (st.median_ms * 1e6) : 0.0;

  const SessionMemory mem = session->memory();
  record["memory"] = {{"planned", mem.planned() + mem.weight_bytes},
                      {"allocated", mem.allocated() + mem.weight_bytes},
                      {"weights", mem.weight_bytes},
                      {"arena_planned", mem.arena_planned},
                      {"arena_allocated", mem.arena_allocated},
                      {"workspace_planned", mem.workspace_planned},
                      {"workspace_allocated", mem.workspace_allocated},
                      {"activations_without_reuse", mem.naive_activation_bytes},
                      {"in_place_layers", mem.in_place},
                      {"peak_rss", peak_rss_bytes()}};
  if (record["device"].contains("memory")) record["memory"]["device"] = record["device"]["memory"];

  row.median = st.median_ms;
  row.p10 = st.p10_ms;
  row.p90 = st.p90_ms;
  row.per_image = st.median_ms / static_cast<double>(batch);
  row.ips = record["images_per_s"];
  row.gflops = record["achieved_gflops"];
  row.memory = mem.planned() + mem.weight_bytes;
  row.rss = peak_rss_bytes();

  // Power window (metrics/power_meter.h); its samples become the configuration's power counter track.
  if (power.measuring()) progress(opt.quiet, label + ": measuring power");
  record["power"] = power.measure_window([&] { session->run(); session->synchronize(); }, batch,
                                         [] { return stop_requested(); });
  if (stop_requested()) throw std::runtime_error("interrupted");
  trace.power_window(power.last_window_samples());
  if (record["power"]["available"].get<bool>()) {
    row.power_w = record["power"]["avg_w"];
    row.j_per_image = record["power"]["energy_per_image_j"];
  }

  if (!opt.per_layer && !trace.enabled()) return;
  progress(opt.quiet, label + ": timing each layer");
  const LayerTimes lt = time_layers(*session, policy, trace);
  if (stop_requested()) throw std::runtime_error("interrupted");
  double sum = 0;
  for (double m : lt.median_ms) sum += m;
  nlohmann::json layers = nlohmann::json::array();
  std::vector<double> fx, fy;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_op;
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& s = plan.steps()[i];
    const double ms = lt.median_ms[i];
    const double secs = ms / 1000.0;
    layers.push_back({{"index", i},
                      {"name", s.node->name},
                      {"op", s.node->op_type},
                      {"executed_op", executed_op_label(*s.node)},
                      {"role", cost_role_name(roles[i])},
                      {"median_ms", ms},
                      {"share", sum > 0 ? ms / sum : 0.0},
                      {"flops", s.cost.flops},
                      {"macs", s.cost.macs},
                      {"bytes", s.cost.bytes_read + s.cost.bytes_written},
                      {"weight_bytes", s.cost.weight_bytes},
                      {"activation_bytes", s.cost.activation_bytes},
                      {"gflops", secs > 0 ? static_cast<double>(s.cost.flops) / secs / 1e9 : 0.0},
                      {"gbs", secs > 0 ? static_cast<double>(s.cost.bytes_read + s.cost.bytes_written) / secs / 1e9
                                       : 0.0},
                      {"implementation", session->step_algorithm(i)}});
    if (nlohmann::json step = session->step_json(i); !step.is_null()) layers.back()["device_step"] = step;
    fx.push_back(static_cast<double>(s.cost.flops));
    fy.push_back(ms);
    by_op[s.node->op_type].first.push_back(static_cast<double>(s.cost.flops));
    by_op[s.node->op_type].second.push_back(ms);
  }
  record["per_layer"] = {{"iterations", lt.iterations},
                         {"method", lt.method},
                         {"layer_sum_ms", sum},
                         {"network_median_ms", st.median_ms},
                         {"gap_ms", sum - st.median_ms},
                         {"layers", layers}};
  nlohmann::json fits = {{"overall", fit_json(fit_linear(fx, fy))}};
  for (const auto& kv : by_op) fits["by_op"][kv.first] = fit_json(fit_linear(kv.second.first, kv.second.second));
  record["fit_time_vs_flops"] = fits;
}

std::string per_layer_summary(const nlohmann::json& record) {
  std::ostringstream os;
  char line[256];
  const auto& pl = record["per_layer"];
  std::vector<nlohmann::json> layers(pl["layers"].begin(), pl["layers"].end());
  std::stable_sort(layers.begin(), layers.end(),
                   [](const nlohmann::json& a, const nlohmann::json& b) { return a["median_ms"] > b["median_ms"]; });
  TextTable t({"#", "layer", "op", "ms", "share", "GFLOP/s", "GB/s"}, {false, true, true, false, false, false, false});
  char buf[64];
  for (size_t i = 0; i < layers.size() && i < 10; ++i) {
    const auto& l = layers[i];
    std::string name = l["name"];
    if (name.size() > 36) name = name.substr(0, 16) + "..." + name.substr(name.size() - 17);
    std::snprintf(buf, sizeof buf, "%.3f", l["median_ms"].get<double>());
    std::string ms = buf;
    std::snprintf(buf, sizeof buf, "%.1f", l["gflops"].get<double>());
    std::string gf = buf;
    std::snprintf(buf, sizeof buf, "%.1f", l["gbs"].get<double>());
    t.add({std::to_string(l["index"].get<int>()), name, l["op"], ms, percent(l["share"].get<double>()), gf, buf});
  }
  os << "  slowest layers (of " << layers.size() << "):\n" << t.str();
  std::snprintf(line, sizeof line, "%.3f ms layer sum vs %.3f ms network (gap %+.3f ms)",
                pl["layer_sum_ms"].get<double>(), pl["network_median_ms"].get<double>(), pl["gap_ms"].get<double>());
  os << "  " << line << "\n";
  const auto& f = record["fit_time_vs_flops"]["overall"];
  if (f["valid"].get<bool>()) {
    std::snprintf(line, sizeof line, "time = %.4f ms/GFLOP * FLOPs %+.4f ms, R^2 = %.3f (effective %.1f GFLOP/s)",
                  f["ms_per_gflop"].get<double>(), f["intercept_ms"].get<double>(), f["r2"].get<double>(),
                  f["effective_gflops"].is_number() ? f["effective_gflops"].get<double>() : 0.0);
    os << "  per-layer fit: " << line << "\n";
  }
  return os.str();
}

}  // namespace

int profile_command(const ProfileOptions& opt) {
  DeviceSpec spec = device_spec(opt.device, opt.threads, opt.cuda);
  spec.memory_cap = resolve_memory_cap(opt.max_memory, spec);
  passes_for(opt.passes, spec.kind);  // a bad --passes fails before anything is measured
  DNNCOST_EXPECT(!opt.batches.empty(), "--batch: expected at least one batch size");
  const DimLists dim_lists = parse_dim_options(opt.dims);
  const std::vector<DimValues> dim_sweep = dim_combinations(dim_lists);
  for (int64_t b : opt.batches) DNNCOST_EXPECT(b >= 1, "--batch: batch sizes must be positive, got " << b);
  DNNCOST_EXPECT(opt.warmup >= 0, "--warmup: expected 0 or more, got " << opt.warmup);
  DNNCOST_EXPECT(opt.min_iters >= 1, "--min-iters: expected 1 or more, got " << opt.min_iters);
  DNNCOST_EXPECT(opt.min_time >= 0, "--min-time: expected 0 or more seconds, got " << opt.min_time);
  check_power_options(opt.power);
  RecordSink sink(opt.json_path);
  const MemoryCap& cap = spec.memory_cap;
  const nlohmann::json cap_json = {{"bytes", cap.limited() ? nlohmann::json(cap.bytes) : nlohmann::json(nullptr)},
                                   {"source", cap.limited() ? cap.source : "none"}};
  PowerMeter power(opt.power, spec.kind, spec.index);
  std::optional<StopSignalGuard> stop_guard(std::in_place);
  ProfileTrace trace(opt.trace_path);
  trace.note("power", power.measuring() ? "counter track 'power (W)': " + power.summary_line()
                                        : "no power counter track: " + power.summary_line());
  std::vector<nlohmann::json> csv_records;
  DevicePeaksOnce peaks(opt, spec);

  std::vector<Row> rows;
  int failures = 0;
  // Each model's configurations: every combination of the --dim values, each at every batch size.
  std::vector<std::pair<DimValues, int64_t>> configurations;
  for (const DimValues& dims : dim_sweep)
    for (int64_t batch : opt.batches) configurations.emplace_back(dims, batch);
  const size_t total = opt.models.size() * configurations.size();
  size_t done = 0;
  for (size_t m = 0; m < opt.models.size() && !stop_requested(); ++m) {
    const std::string& model = opt.models[m];
    std::unique_ptr<Graph> g;
    std::string load_error;
    try {
      g = std::make_unique<Graph>(load_onnx(resolve_model(model, opt.models_dir)));
      check_dim_names(*g, dim_sweep.front());  // a --dim the model does not have fails each of its records
    } catch (const std::bad_alloc&) {
      load_error = model + ": out of memory while loading the model";
    } catch (const std::exception& e) {
      load_error = e.what();
    }
    for (const auto& configuration : configurations) {
      if (stop_requested()) break;
      const DimValues& dims = configuration.first;
      const int64_t batch = configuration.second;
      const std::string dims_text = dims_label(dims);
      ++done;
      const std::string label = "[" + std::to_string(done) + "/" + std::to_string(total) + "] " + model +
                                (dims_text.empty() ? "" : " " + dims_text) + " batch " + std::to_string(batch);
      nlohmann::json record = {
          {"schema", "dnncost.profile/1"},
          {"tool", {{"name", "dnncost"}, {"version", DNNCOST_VERSION}}},
          {"time", utc_timestamp()},
          {"host", host_json()},
          {"build", build_json()},
          {"model", model},
          {"batch", batch},
          {"dims", dims_json(dims)},
          {"device", {{"kind", spec.kind}, {"requested", opt.device}, {"threads", spec.threads}}},
          {"policy", {{"warmup", opt.warmup}, {"min_iters", opt.min_iters}, {"min_time_s", opt.min_time}}},
          {"memory_cap", cap_json},
          {"status", "ok"}};
      if (g) record["graph"] = {{"producer", g->producer}, {"opset", g->opset}, {"name", g->name}};
      Row row;
      row.model = model;
      row.dims = dims_text;
      row.batch = batch;
      row.status = "ok";
      try {
        if (!load_error.empty()) throw ModelError(load_error);
        measure(*g, opt, spec, dims, batch, label, peaks, power, trace, record, row);
      } catch (const std::bad_alloc&) {
        record["status"] = "out_of_memory";
        record["error"] = "out of memory at batch " + std::to_string(batch) +
                          (dims_text.empty() ? "" : " " + dims_text) + " (an allocation failed)";
        row.status = "out of memory";
      } catch (const MemoryCapError& e) {  // refused before allocating: above --max-memory
        record["status"] = "out_of_memory";
        record["error"] = e.what();
        row.status = "out of memory";
      } catch (const std::exception& e) {
        const bool intr = stop_requested();
        record["status"] = intr ? "interrupted" : "error";
        record["error"] =
            intr ? "interrupted by " + stop_signal_name() + " before this measurement finished" : e.what();
        if (intr) record["signal"] = stop_signal_name();
        row.status = intr ? "interrupted" : "error";
        if (!intr) {
          progress(opt.quiet, "");
          std::cerr << (opt.quiet ? "" : "\n") << "dnncost: " << label << ": " << e.what() << "\n";
        }
      }
      if (!record.contains("power") && !power.measuring()) record["power"] = power.unavailable_json();
      if (row.status != "ok") ++failures;
      record["memory_peak_rss"] = peak_rss_bytes();
      sink.write(record);
      if (!peaks.value().is_null()) trace.note("device_peaks", peaks.value());
      trace.flush();
      if (!opt.csv_path.empty() || !opt.layer_csv_path.empty()) {
        csv_records.push_back(record);
        if (!opt.csv_path.empty()) write_text_file(opt.csv_path, records_csv(csv_records), "--csv");
        if (!opt.layer_csv_path.empty()) {
          write_text_file(opt.layer_csv_path, layers_csv(csv_records), "--layer-csv");
        }
      }
      rows.push_back(row);
      if (!opt.quiet && opt.per_layer && row.status == "ok") {
        progress(false, "");
        std::cerr << label << "\n" << per_layer_summary(record);
      }
    }
  }
  progress(opt.quiet, "");
  const int stop_signal = g_stop_signal.load();
  stop_guard.reset();

  std::vector<std::string> header = {"model",    "batch",   "median ms", "p10-p90 ms", "ms/image",
                                     "images/s", "GFLOP/s", "memory",    "peak RSS"};
  const bool dims_column = !dim_lists.empty();
  if (dims_column) header.insert(header.begin() + 1, "dims");
  if (power.measuring()) header.insert(header.end(), {"avg W", "J/image"});
  std::vector<bool> left(header.size(), false);
  left[0] = true;
  left[1] = dims_column;
  TextTable t(header, left);
  char buf[64];
  for (const Row& r : rows) {
    std::vector<std::string> cells = {r.model};
    if (dims_column) cells.push_back(r.dims);
    cells.push_back(std::to_string(r.batch));
    if (r.status != "ok") {
      cells.push_back(r.status);
      t.add(cells);
      continue;
    }
    std::snprintf(buf, sizeof buf, "%.3f", r.median);
    cells.push_back(buf);
    std::snprintf(buf, sizeof buf, "%.3f-%.3f", r.p10, r.p90);
    cells.push_back(buf);
    std::snprintf(buf, sizeof buf, "%.3f", r.per_image);
    cells.push_back(buf);
    std::snprintf(buf, sizeof buf, "%.1f", r.ips);
    cells.push_back(buf);
    std::snprintf(buf, sizeof buf, "%.1f", r.gflops);
    cells.push_back(buf);
    cells.push_back(bytes_str(r.memory));
    cells.push_back(bytes_str(r.rss));
    if (power.measuring()) {
      std::snprintf(buf, sizeof buf, "%.1f", r.power_w);
      cells.push_back(r.power_w >= 0 ? buf : "-");
      std::snprintf(buf, sizeof buf, "%.4g", r.j_per_image);
      cells.push_back(r.j_per_image >= 0 ? buf : "-");
    }
    t.add(cells);
  }
  // With --json - the records own stdout; the table goes to stderr.
  std::ostream& table_out = opt.json_path == "-" ? std::cerr : std::cout;
  table_out << "device " << spec.str() << (spec.threads ? ", " + std::to_string(spec.threads) + " threads" : "")
            << "\n"
            << "power " << power.summary_line() << "\n"
            << t.str();
  if (!opt.json_path.empty() && opt.json_path != "-") {
    table_out << rows.size() << " record(s) appended to " << opt.json_path << "\n";
  }
  if (!opt.csv_path.empty()) table_out << "records as CSV: " << opt.csv_path << "\n";
  if (!opt.layer_csv_path.empty()) table_out << "per-layer CSV: " << opt.layer_csv_path << "\n";
  if (trace.enabled()) {
    table_out << "trace (" << trace.events() << " events; open in ui.perfetto.dev or chrome://tracing): "
              << opt.trace_path << "\n";
  }
  if (stop_signal != 0) {
    std::cerr << "dnncost: interrupted by " << (stop_signal == SIGTERM ? "SIGTERM" : "SIGINT")
              << "; every record measured so far is in "
              << (opt.json_path.empty() ? std::string("the table above") : opt.json_path) << "\n";
    return 128 + stop_signal;  // 130 for SIGINT, 143 for SIGTERM, as a shell reports a process they end
  }
  return failures ? 1 : 0;
}

}  // namespace dnncost
