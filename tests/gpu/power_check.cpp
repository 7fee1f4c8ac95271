// GPU power check (CUDA builds; run by tools/gpu/check.sh on a GPU machine): NVML through dnncost's own
// loader, on the GPU found by its PCI bus id. Measures idle power, then a steady cuBLAS SGEMM load, and checks
//   1. idle power > 0 and the load's average power above idle and at most the enforced power limit (+2% for
//      the sensor's accuracy; instantaneous peaks may exceed the limit, the average may not);
//   2. the energy counter (nvmlDeviceGetTotalEnergyConsumption) against the integrated power samples over the
//      load window: within 5%.
// The load window starts after 2 s of load, so a sensor that averages over 1 s has settled.
// usage: dnncost_power_check [--gpu N] [--idle S] [--load S] [--hz HZ] [--json FILE]
// Exit status: 0 all checks passed, 1 a check failed, 2 no GPU or no NVML (the reason is printed).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "engine/cuda/cuda_device.h"
#include "kernels/cuda/cuda_check.h"
#include "metrics/power.h"
#include "metrics/power_sampler.h"
#include "metrics/timing.h"

namespace {

using namespace dnncost;

// Square SGEMMs until `seconds` have passed on the host clock, synchronising after each.
int64_t run_load(cublasHandle_t blas, const float* a, const float* b, float* c, int n, double seconds) {
  const float one = 1.0f, zero = 0.0f;
  const double t0 = now_s();
  int64_t gemms = 0;
  do {
    DNNCOST_CUBLAS_CHECK(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, n, b, n, &zero, c, n));
    DNNCOST_CUDA_CHECK(cudaDeviceSynchronize());
    ++gemms;
  } while (now_s() - t0 < seconds);
  return gemms;
}

nlohmann::json window_json(const PowerWindow& w) {
  nlohmann::json j = {{"window_s", w.window_s}, {"samples", w.samples}, {"avg_w", w.avg_w}, {"method", w.method}};
  if (w.peak_w) j["peak_w"] = *w.peak_w;
  if (w.energy_counter_j) j["energy_counter_j"] = *w.energy_counter_j;
  if (w.energy_integrated_j) j["energy_integrated_j"] = *w.energy_integrated_j;
  if (w.power_limit_w) j["power_limit_w"] = *w.power_limit_w;
  if (w.sm_clock_mhz_mean) j["sm_clock_mhz_mean"] = *w.sm_clock_mhz_mean;
  if (w.temperature_c_max) j["temperature_c_max"] = *w.temperature_c_max;
  if (w.failed_reads) {
    j["failed_reads"] = w.failed_reads;
    j["first_error"] = w.first_error;
  }
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  int gpu = 0;
  double idle_s = 3, load_s = 6, hz = 100;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--gpu" && has_value)
      gpu = std::atoi(argv[++i]);
    else if (a == "--idle" && has_value)
      idle_s = std::atof(argv[++i]);
    else if (a == "--load" && has_value)
      load_s = std::atof(argv[++i]);
    else if (a == "--hz" && has_value)
      hz = std::atof(argv[++i]);
    else if (a == "--json" && has_value)
      json_path = argv[++i];
    else {
      std::cerr << "usage: dnncost_power_check [--gpu N] [--idle S] [--load S] [--hz HZ] [--json FILE]\n";
      return 2;
    }
  }
  try {
    std::string why;
    const auto gpus = cuda_devices(&why);
    if (gpu < 0 || gpu >= static_cast<int>(gpus.size())) {
      std::cout << "SKIP: no GPU " << gpu << ": " << (gpus.empty() ? why : "only " + std::to_string(gpus.size()))
                << "\n";
      return 2;
    }
    const CudaDeviceInfo& d = gpus[static_cast<size_t>(gpu)];
    auto nvml = make_nvml_power_source(NvmlTarget{d.pci_bus_id, 0, d.cc_major, d.cc_minor});
    if (!nvml->available(&why)) {
      std::cout << "FAIL: NVML unavailable for " << d.name << " (" << d.pci_bus_id << "): " << why << "\n";
      return 2;
    }
    std::cout << "GPU " << gpu << ": " << d.name << " (" << d.pci_bus_id << "), NVML " << nvml->describe().dump()
              << "\n";

    // Idle, before any work on the GPU.
    PowerSampler sampler(*nvml, hz);
    sampler.start();
    double t0 = now_s();
    while (now_s() - t0 < idle_s) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    double t1 = now_s();
    sampler.stop();
    const PowerWindow idle = summarize_power(sampler.samples(), t0, t1);

    // Load: 8192^3 SGEMMs (1.1 TFLOP each) on non-zero data.
    DNNCOST_CUDA_CHECK(cudaSetDevice(gpu));
    const int n = 8192;
    float *a = nullptr, *b = nullptr, *c = nullptr;
    const size_t bytes = sizeof(float) * static_cast<size_t>(n) * n;
    DNNCOST_CUDA_CHECK(cudaMalloc(&a, bytes));
    DNNCOST_CUDA_CHECK(cudaMalloc(&b, bytes));
    DNNCOST_CUDA_CHECK(cudaMalloc(&c, bytes));
    DNNCOST_CUDA_CHECK(cudaMemset(a, 0x3c, bytes));  // 0x3c3c3c3c = 0.0115 as float
    DNNCOST_CUDA_CHECK(cudaMemset(b, 0x3c, bytes));
    cublasHandle_t blas = nullptr;
    DNNCOST_CUBLAS_CHECK(cublasCreate(&blas));
    run_load(blas, a, b, c, n, 2.0);  // settle clocks and the sensor's average
    sampler.start();
    t0 = now_s();
    const int64_t gemms = run_load(blas, a, b, c, n, load_s);
    t1 = now_s();
    sampler.stop();
    const PowerWindow load = summarize_power(sampler.samples(), t0, t1);
    DNNCOST_CUBLAS_CHECK(cublasDestroy(blas));
    DNNCOST_CUDA_CHECK(cudaFree(a));
    DNNCOST_CUDA_CHECK(cudaFree(b));
    DNNCOST_CUDA_CHECK(cudaFree(c));

    int failures = 0;
    nlohmann::json checks = nlohmann::json::array();
    auto check = [&](const std::string& name, bool ok, const std::string& detail) {
      std::printf("%-44s %s  %s\n", name.c_str(), ok ? "PASS" : "FAIL", detail.c_str());
      checks.push_back({{"check", name}, {"pass", ok}, {"detail", detail}});
      if (!ok) ++failures;
    };
    char buf[256];
    const double limit = load.power_limit_w ? *load.power_limit_w : (idle.power_limit_w ? *idle.power_limit_w : NAN);
    std::snprintf(buf, sizeof buf, "idle %.1f W (%d samples)", idle.avg_w, idle.samples);
    check("idle power measured", idle.valid && idle.avg_w > 0, idle.valid ? buf : idle.invalid_reason);
    std::snprintf(buf, sizeof buf, "idle %.1f W < load %.1f W <= limit %.1f W (+2%%); peak %.1f W, %lld SGEMMs",
                  idle.avg_w, load.avg_w, limit, load.peak_w ? *load.peak_w : NAN, static_cast<long long>(gemms));
    check("load power between idle and the enforced limit",
          load.valid && idle.valid && load.avg_w > idle.avg_w && std::isfinite(limit) && load.avg_w <= 1.02 * limit,
          load.valid ? buf : load.invalid_reason);
    if (load.energy_counter_j && load.energy_integrated_j) {
      const double rel = std::fabs(*load.energy_integrated_j - *load.energy_counter_j) / *load.energy_counter_j;
      std::snprintf(buf, sizeof buf, "counter %.1f J, integrated %.1f J over %.2f s: %.2f%% apart (%d samples)",
                    *load.energy_counter_j, *load.energy_integrated_j, load.window_s, 100 * rel, load.samples);
      check("energy counter vs integrated samples (5%)", rel <= 0.05, buf);
    } else {
      check("energy counter vs integrated samples (5%)", false,
            load.energy_counter_j ? "no power samples" : "no energy counter on this GPU/driver");
    }
    const nlohmann::json result = {{"gpu", d.name},
                                   {"pci_bus_id", d.pci_bus_id},
                                   {"source", nvml->describe()},
                                   {"idle", window_json(idle)},
                                   {"load", window_json(load)},
                                   {"load_sgemms", gemms},
                                   {"sgemm_n", n},
                                   {"checks", checks},
                                   {"failures", failures}};
    if (!json_path.empty()) std::ofstream(json_path) << result.dump(2) << "\n";
    std::cout << (failures ? "FAILED" : "PASSED") << ": " << failures << " of " << checks.size()
              << " power checks failed\n";
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::cout << "FAIL: " << e.what() << "\n";
    return 1;
  }
}
