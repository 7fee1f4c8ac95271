// `dnncost profile`: latency, memory and per-layer time of models over a batch-size sweep; one JSON record per
// (model, batch) appended to a JSON Lines file as soon as it is measured.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "engine/session.h"
#include "importers/onnx/onnx_import.h"
#include "metrics/fit.h"
#include "metrics/host_info.h"
#include "metrics/timing.h"
#include "tools/dnncost/commands.h"
#include "tools/dnncost/format.h"
#include "tools/dnncost/zoo.h"

namespace dnncost {
namespace {

std::atomic<bool> g_interrupted{false};

void on_profile_sigint(int) { g_interrupted = true; }

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

nlohmann::json cost_totals_json(const Plan& plan) {
  const Cost& c = plan.totals();
  return {{"params", c.params},
          {"macs", c.macs},
          {"flops", c.flops},
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

// Per-layer pass, separate from the headline latency: each step timed on its own (synchronised).
struct LayerTimes {
  std::vector<double> median_ms;
  int iterations = 0;
};

LayerTimes time_layers(Session& s, const TimingPolicy& policy) {
  const size_t n = s.plan().steps().size();
  std::vector<std::vector<double>> samples(n);
  auto one_pass = [&](bool record) {
    for (size_t i = 0; i < n; ++i) {
      const double t0 = now_s();
      s.run_step(i);
      s.synchronize();
      if (record) samples[i].push_back((now_s() - t0) * 1000.0);
    }
  };
  for (int w = 0; w < policy.warmup && !g_interrupted; ++w) one_pass(false);
  const double start = now_s();
  int iters = 0;
  while (!g_interrupted && iters < policy.max_iters &&
         (iters < policy.min_iters || now_s() - start < policy.min_time_s)) {
    one_pass(true);
    ++iters;
  }
  LayerTimes lt;
  lt.iterations = iters;
  for (auto& v : samples) lt.median_ms.push_back(summarize(v).median_ms);
  return lt;
}

struct Row {
  std::string model;
  int64_t batch = 0;
  std::string status;
  double median = 0, p10 = 0, p90 = 0, per_image = 0, ips = 0, gflops = 0;
  int64_t memory = 0, rss = 0;
};

class RecordSink {
 public:
  explicit RecordSink(const std::string& path) : path_(path) {
    if (path_.empty()) return;
    f_.open(path_, std::ios::app);
    if (!f_) throw ModelError("--json " + path_ + ": cannot open the file for appending");
  }
  void write(const nlohmann::json& record) {
    if (path_.empty()) return;
    f_ << record.dump() << "\n";
    f_.flush();
    if (!f_) throw ModelError("--json " + path_ + ": write failed");
  }

 private:
  std::string path_;
  std::ofstream f_;
};

// One progress line, rewritten in place on a terminal; nothing when stderr is a file or a pipe.
void progress(bool quiet, const std::string& line) {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  if (quiet || !tty) return;
  std::cerr << "\r\033[K" << line << std::flush;
}

// Measures one (model, batch): fills `record` and `row`; throws on failure (the caller records it).
void measure(const Graph& g, const ProfileOptions& opt, const DeviceSpec& spec, int64_t batch, const std::string& label,
             nlohmann::json& record, Row& row) {
  progress(opt.quiet, label + ": planning");
  const PassOptions passes = passes_for(opt.passes, spec.kind);
  const OptimizedGraph executed = optimize(g, passes);  // the graph the device runs
  const Plan plan(*executed.graph, bind_batch(*executed.graph, batch));
  record["passes"] = {{"mode", passes.name()}, {"changes", executed.log.size()}};
  record["costs"] = cost_totals_json(plan);
  progress(opt.quiet, label + ": allocating");
  std::unique_ptr<Session> session = make_session(plan, spec);
  record["device"] = session->device_json();
  session->set_inputs(random_inputs(plan, opt.seed));

  TimingPolicy policy;
  policy.warmup = opt.warmup;
  policy.min_iters = opt.min_iters;
  policy.min_time_s = opt.min_time;
  progress(opt.quiet, label + ": timing the whole network");
  const std::vector<double> samples = time_repeated(
      policy, [&] { session->run(); }, [&] { session->synchronize(); }, [] { return g_interrupted.load(); });
  if (g_interrupted) throw std::runtime_error("interrupted");
  const TimingStats st = summarize(samples);
  record["latency"] = stats_json(st);
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

  row.median = st.median_ms;
  row.p10 = st.p10_ms;
  row.p90 = st.p90_ms;
  row.per_image = st.median_ms / static_cast<double>(batch);
  row.ips = record["images_per_s"];
  row.gflops = record["achieved_gflops"];
  row.memory = mem.planned() + mem.weight_bytes;
  row.rss = peak_rss_bytes();

  if (!opt.per_layer) return;
  progress(opt.quiet, label + ": timing each layer");
  const LayerTimes lt = time_layers(*session, policy);
  if (g_interrupted) throw std::runtime_error("interrupted");
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
                      {"median_ms", ms},
                      {"share", sum > 0 ? ms / sum : 0.0},
                      {"flops", s.cost.flops},
                      {"macs", s.cost.macs},
                      {"bytes", s.cost.bytes_read + s.cost.bytes_written},
                      {"gflops", secs > 0 ? static_cast<double>(s.cost.flops) / secs / 1e9 : 0.0},
                      {"gbs", secs > 0 ? static_cast<double>(s.cost.bytes_read + s.cost.bytes_written) / secs / 1e9
                                       : 0.0}});
    fx.push_back(static_cast<double>(s.cost.flops));
    fy.push_back(ms);
    by_op[s.node->op_type].first.push_back(static_cast<double>(s.cost.flops));
    by_op[s.node->op_type].second.push_back(ms);
  }
  record["per_layer"] = {{"iterations", lt.iterations},
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
  const DeviceSpec spec = parse_device(opt.device, opt.threads);
  passes_for(opt.passes, spec.kind);  // a bad --passes fails before anything is measured
  DNNCOST_EXPECT(!opt.batches.empty(), "--batch: expected at least one batch size");
  for (int64_t b : opt.batches) DNNCOST_EXPECT(b >= 1, "--batch: batch sizes must be positive, got " << b);
  DNNCOST_EXPECT(opt.warmup >= 0, "--warmup: expected 0 or more, got " << opt.warmup);
  DNNCOST_EXPECT(opt.min_iters >= 1, "--min-iters: expected 1 or more, got " << opt.min_iters);
  DNNCOST_EXPECT(opt.min_time >= 0, "--min-time: expected 0 or more seconds, got " << opt.min_time);
  RecordSink sink(opt.json_path);
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_profile_sigint);

  std::vector<Row> rows;
  int failures = 0;
  const size_t total = opt.models.size() * opt.batches.size();
  size_t done = 0;
  for (size_t m = 0; m < opt.models.size() && !g_interrupted; ++m) {
    const std::string& model = opt.models[m];
    std::unique_ptr<Graph> g;
    std::string load_error;
    try {
      g = std::make_unique<Graph>(load_onnx(resolve_model(model, opt.models_dir)));
    } catch (const ModelError& e) {
      load_error = e.what();
    }
    for (int64_t batch : opt.batches) {
      if (g_interrupted) break;
      ++done;
      const std::string label =
          "[" + std::to_string(done) + "/" + std::to_string(total) + "] " + model + " batch " + std::to_string(batch);
      nlohmann::json record = {{"schema", "dnncost.profile/1"},
                               {"tool", {{"name", "dnncost"}, {"version", DNNCOST_VERSION}}},
                               {"time", utc_timestamp()},
                               {"host", host_json()},
                               {"model", model},
                               {"batch", batch},
                               {"device", {{"kind", spec.kind}, {"requested", opt.device}, {"threads", spec.threads}}},
                               {"policy",
                                {{"warmup", opt.warmup}, {"min_iters", opt.min_iters}, {"min_time_s", opt.min_time}}},
                               {"status", "ok"}};
      if (g) record["graph"] = {{"producer", g->producer}, {"opset", g->opset}, {"name", g->name}};
      Row row;
      row.model = model;
      row.batch = batch;
      row.status = "ok";
      try {
        if (!load_error.empty()) throw ModelError(load_error);
        measure(*g, opt, spec, batch, label, record, row);
      } catch (const std::bad_alloc&) {
        record["status"] = "out_of_memory";
        record["error"] = "out of memory at batch " + std::to_string(batch);
        row.status = "out of memory";
      } catch (const std::exception& e) {
        const bool intr = g_interrupted.load();
        record["status"] = intr ? "interrupted" : "error";
        record["error"] = intr ? "interrupted by SIGINT before this measurement finished" : e.what();
        row.status = intr ? "interrupted" : "error";
        if (!intr) {
          progress(opt.quiet, "");
          std::cerr << (opt.quiet ? "" : "\n") << "dnncost: " << label << ": " << e.what() << "\n";
        }
      }
      if (row.status != "ok") ++failures;
      record["memory_peak_rss"] = peak_rss_bytes();
      sink.write(record);
      rows.push_back(row);
      if (!opt.quiet && opt.per_layer && row.status == "ok") {
        progress(false, "");
        std::cerr << label << "\n" << per_layer_summary(record);
      }
    }
  }
  progress(opt.quiet, "");
  std::signal(SIGINT, previous);

  TextTable t({"model", "batch", "median ms", "p10-p90 ms", "ms/image", "images/s", "GFLOP/s", "memory", "peak RSS"},
              {true, false, false, false, false, false, false, false, false});
  char buf[64];
  for (const Row& r : rows) {
    if (r.status != "ok") {
      t.add({r.model, std::to_string(r.batch), r.status});
      continue;
    }
    std::vector<std::string> cells = {r.model, std::to_string(r.batch)};
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
    t.add(cells);
  }
  std::cout << "device " << spec.str() << (spec.threads ? ", " + std::to_string(spec.threads) + " threads" : "")
            << "\n"
            << t.str();
  if (!opt.json_path.empty()) std::cout << rows.size() << " record(s) appended to " << opt.json_path << "\n";
  if (g_interrupted) {
    std::cerr << "dnncost: interrupted; every record measured so far is in "
              << (opt.json_path.empty() ? std::string("the table above") : opt.json_path) << "\n";
    return 130;
  }
  return failures ? 1 : 0;
}

}  // namespace dnncost
