// Device peaks from two one-node graphs (MatMul, Add) run through the device's session.
#include "metrics/device_peaks.h"

#include <algorithm>
#include <map>
#include <random>

#include "core/graph.h"
#include "engine/plan.h"
#include "metrics/timing.h"

namespace dnncost {
namespace {

// A graph with one node `op` over float32 graph inputs of the given shapes (graph inputs, not initializers,
// so the node is not folded at plan time).
Graph one_node_graph(const std::string& op, const std::vector<Shape>& input_shapes,
                     const std::map<std::string, Attribute>& attributes = {}) {
  Graph g;
  g.path = "<device peak: " + op + ">";
  g.name = "device_peak_" + op;
  g.opset = 13;
  Node n;
  n.name = op;
  n.op_type = op;
  n.attributes = attributes;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    ValueInfo vi;
    vi.name = "in" + std::to_string(i);
    vi.dtype = DType::kFloat32;
    vi.has_shape = true;
    for (int64_t d : input_shapes[i]) vi.dims.push_back(Dim{d, ""});
    g.inputs.push_back(vi);
    n.inputs.push_back(vi.name);
  }
  n.outputs.push_back("out");
  ValueInfo out;
  out.name = "out";
  g.outputs.push_back(out);
  g.nodes.push_back(n);
  return g;
}

struct OneNodeTiming {
  double best_s = 0;
  int runs = 0;
  Cost cost;
};

// Plans the graph, fills the inputs with seeded values in [0.5, 1) and times the session's run: one untimed
// run, then at least `min_runs` runs and `seconds` of runs; returns the fastest.
OneNodeTiming time_one_node(const Graph& g, const DeviceSpec& spec, double seconds, int min_runs,
                            const std::function<bool()>& stop) {
  std::vector<std::shared_ptr<const Tensor>> feeds;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.5f, 1.f);
  for (const ValueInfo& vi : g.inputs) {
    Shape s;
    for (const Dim& d : vi.dims) s.push_back(d.value);
    auto t = std::make_shared<Tensor>(DType::kFloat32, s);
    float* p = t->data<float>();
    for (int64_t i = 0; i < t->numel(); ++i) p[i] = u(rng);
    feeds.push_back(t);
  }
  const Plan plan(g, bind_tensors(g, feeds));
  std::unique_ptr<Session> session = make_session(plan, spec);
  session->set_inputs(feeds);
  TimingPolicy policy;
  policy.warmup = 1;
  policy.min_iters = min_runs;
  policy.min_time_s = seconds;
  policy.max_iters = 1000;
  // A device with its own clock (cuda: CUDA-graph replays between events) times itself.
  const std::vector<double> ms =
      session->times_itself()
          ? sample_repeated(policy, [&] { return session->timed_run_ms(); }, stop)
          : time_repeated(policy, [&] { session->run(); }, [&] { session->synchronize(); }, stop);
  OneNodeTiming r;
  r.runs = static_cast<int>(ms.size());
  r.best_s = ms.empty() ? 0.0 : *std::min_element(ms.begin(), ms.end()) / 1000.0;
  for (const PlanStep& st : plan.steps()) r.cost += st.cost;
  return r;
}

// Seconds of one run of the graph (after one untimed run), to choose a size.
double one_run_seconds(const Graph& g, const DeviceSpec& spec) { return time_one_node(g, spec, 0.0, 1, {}).best_s; }

}  // namespace

// A 3 x 3 convolution, stride 1, padding 1, of N images of C x 56 x 56 with C filters.
Graph conv_graph(int64_t n, int64_t c) {
  Attribute pads;
  pads.type = Attribute::Type::kInts;
  pads.ints = {1, 1, 1, 1};
  return one_node_graph("Conv", {{n, c, 56, 56}, {c, c, 3, 3}}, {{"pads", pads}});
}

DevicePeaks measure_device_peaks(const DeviceSpec& spec, double seconds, const std::function<bool()>& stop) {
  DevicePeaks peaks;
  const double share = std::max(seconds, 0.0) / 3;
  auto rate = [](int64_t amount, const OneNodeTiming& t) {
    return t.best_s > 0 ? static_cast<double>(amount) / t.best_s / 1e9 : 0.0;
  };

  int64_t n = 128;
  while (n < 4096 && one_run_seconds(one_node_graph("MatMul", {{n, n}, {n, n}}), spec) < 0.05) {
    if (stop && stop()) break;
    n *= 2;
  }
  const OneNodeTiming gemm = time_one_node(one_node_graph("MatMul", {{n, n}, {n, n}}), spec, share, 3, stop);
  const double gemm_gflops = rate(gemm.cost.flops, gemm);

  const int64_t channels = 128;
  int64_t images = 1;
  while (images < 64 && one_run_seconds(conv_graph(images, channels), spec) < 0.05) {
    if (stop && stop()) break;
    images *= 2;
  }
  const OneNodeTiming conv = time_one_node(conv_graph(images, channels), spec, share, 3, stop);
  const double conv_gflops = rate(conv.cost.flops, conv);
  peaks.gflops = std::max(gemm_gflops, conv_gflops);

  int64_t m = int64_t{8} << 20;
  while (m < (int64_t{64} << 20) && one_run_seconds(one_node_graph("Add", {{m}, {m}}), spec) < 0.002) {
    if (stop && stop()) break;
    m *= 2;
  }
  const OneNodeTiming add = time_one_node(one_node_graph("Add", {{m}, {m}}), spec, share, 3, stop);
  const int64_t add_bytes = add.cost.bytes_read + add.cost.bytes_written;
  peaks.gbs = rate(add_bytes, add);

  peaks.detail = {
      {"compute_op", gemm_gflops >= conv_gflops ? "MatMul" : "Conv"},
      {"matmul",
       {{"m", n},
        {"n", n},
        {"k", n},
        {"flops", gemm.cost.flops},
        {"runs", gemm.runs},
        {"best_ms", gemm.best_s * 1e3},
        {"gflops", gemm_gflops}}},
      {"conv",
       {{"input", {images, channels, 56, 56}},
        {"weight", {channels, channels, 3, 3}},
        {"pads", 1},
        {"flops", conv.cost.flops},
        {"runs", conv.runs},
        {"best_ms", conv.best_s * 1e3},
        {"gflops", conv_gflops}}},
      {"bandwidth",
       {{"op", "Add"}, {"elements", m}, {"bytes", add_bytes}, {"runs", add.runs}, {"best_ms", add.best_s * 1e3}}},
      {"method",
       "fastest of repeated runs of one-node float32 graphs through this device's session: compute is the "
       "faster of a MatMul n x n x n (2 n^3 FLOPs) and a 3x3 Conv of N x 128 x 56 x 56 with 128 filters; "
       "bandwidth is an Add of two m-element vectors (bytes read + written = 12 m)"}};
  return peaks;
}

nlohmann::json peaks_json(const DevicePeaks& p) {
  nlohmann::json j = p.detail;
  j["gflops"] = p.gflops;
  j["gbs"] = p.gbs;
  return j;
}

}  // namespace dnncost
