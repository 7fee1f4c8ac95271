// Latency of one model on one dnncost device, for bench/cpu_vs_peers.py (an internal tool until `dnncost
// profile` exists): plans the model for a batch size, fills the inputs with seeded uniform values, warms up,
// then times session.run() (inputs already set, outputs not copied) until both a minimum number of iterations
// and a minimum time are reached. Prints one JSON object with the median and the spread, in milliseconds.
//
// usage: dnncost_bench MODEL.onnx [--batch N] [--device cpu] [--threads N] [--warmup N] [--min-iters N]
//                      [--min-seconds S] [--per-step] [--samples]
// --samples adds every timed iteration (samples_ms).
// --per-step also times each step separately (run_step) and adds the total per op type and per implementation.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "engine/errors.h"
#include "engine/session.h"
#include "importers/onnx/onnx_import.h"

using namespace dnncost;

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, device = "cpu";
  int64_t batch = 1;
  int threads = 0, warmup = 3, min_iters = 10;
  double min_seconds = 2.0;
  bool per_step = false, samples = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
        return argv[++i];
      };
      if (a == "--batch") batch = std::stoll(next());
      else if (a == "--device") device = next();
      else if (a == "--threads") threads = std::stoi(next());
      else if (a == "--warmup") warmup = std::stoi(next());
      else if (a == "--min-iters") min_iters = std::stoi(next());
      else if (a == "--min-seconds") min_seconds = std::stod(next());
      else if (a == "--per-step") per_step = true;
      else if (a == "--samples") samples = true;
      else if (!a.empty() && a[0] != '-') model = a;
      else throw std::runtime_error("unknown option " + a);
    }
    if (model.empty()) throw std::runtime_error("no model given");

    const Graph g = load_onnx(model);
    const Plan plan(g, bind_batch(g, batch));
    std::vector<std::shared_ptr<const Tensor>> inputs;
    std::mt19937 rng(20240601);
    std::uniform_real_distribution<float> uniform(-1.f, 1.f);
    for (int id : plan.input_ids()) {
      const PlanValue& v = plan.values()[id];
      Tensor t(v.dtype, v.shape);
      if (v.dtype == DType::kFloat32)
        for (int64_t k = 0; k < t.numel(); ++k) t.data<float>()[k] = uniform(rng);
      inputs.push_back(std::make_shared<const Tensor>(std::move(t)));
    }

    using clock = std::chrono::steady_clock;
    const auto t_plan = clock::now();
    std::unique_ptr<Session> session = make_session(plan, parse_device(device, threads));
    const double setup_ms = std::chrono::duration<double, std::milli>(clock::now() - t_plan).count();
    session->set_inputs(inputs);
    for (int i = 0; i < warmup; ++i) {
      session->run();
      session->synchronize();
    }
    std::vector<double> ms;
    const auto start = clock::now();
    while (static_cast<int>(ms.size()) < min_iters ||
           std::chrono::duration<double>(clock::now() - start).count() < min_seconds) {
      const auto t0 = clock::now();
      session->run();
      session->synchronize();
      ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    }
    const SessionMemory mem = session->memory();
    nlohmann::json out = {{"model", model},
                          {"batch", batch},
                          {"device", session->device_name()},
                          {"device_info", session->device_json()},
                          {"iterations", ms.size()},
                          {"median_ms", percentile(ms, 0.5)},
                          {"min_ms", *std::min_element(ms.begin(), ms.end())},
                          {"p90_ms", percentile(ms, 0.9)},
                          {"setup_ms", setup_ms},
                          {"arena_bytes", mem.arena_planned},
                          {"workspace_bytes", mem.workspace_planned},
                          {"weight_bytes", mem.weight_bytes}};
    if (samples) out["samples_ms"] = ms;
    if (per_step) {
      // Median over min_iters passes of each step's time, summed per op type.
      std::vector<std::vector<double>> step_ms(plan.steps().size());
      for (int it = 0; it < min_iters; ++it) {
        for (size_t i = 0; i < plan.steps().size(); ++i) {
          const auto t0 = clock::now();
          session->run_step(i);
          session->synchronize();
          step_ms[i].push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
        }
      }
      std::map<std::string, double> by_op;
      for (size_t i = 0; i < plan.steps().size(); ++i) by_op[plan.steps()[i].node->op_type] += percentile(step_ms[i], 0.5);
      out["per_op_type_ms"] = by_op;
    }
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dnncost_bench: error: " << e.what() << "\n";
    return 2;
  }
}
