// The `cuda` device session (see cuda_session.h): building the steps (kernel factories or the host fallback), the
// one device allocator (weights, arena, workspace), the fixed-baseline measurement, the CUDA graph, device timing
// with events, and the host<->device copies of inputs and outputs (timed on their own).
#include "engine/cuda/cuda_session.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

#include "engine/cuda/cuda_options.h"
#include "kernels/cuda/cuda_kernel.h"
#include "engine/cuda/cuda_device.h"
#include "core/errors.h"
#include "engine/memory_cap.h"
#include "engine/memory_plan.h"
#include "kernels/cuda/cuda_check.h"

namespace dnncost {
namespace {

using cuda::CudaKernel;
using cuda::KernelBinding;

constexpr size_t kCublasWorkspaceBytes = size_t{32} << 20;  // cuBLAS's recommendation for Hopper; no allocation
                                                            // inside a graph capture

// One allocation freed with its owner: device memory (cudaMalloc) or page-locked host memory (cudaMallocHost; copies
// from and to it are asynchronous and can be captured into a graph). A failed allocation is the out-of-memory error
// the CLI and `profile` report (MemoryCapError: exit 3, status out_of_memory), naming what was being allocated.
enum class MemoryKind { kDevice, kPinnedHost };

template <MemoryKind kind>
class CudaBuffer {
 public:
  CudaBuffer() = default;
  // `device` names the GPU in the message of a failed device allocation.
  CudaBuffer(int64_t bytes, const std::string& what, int device = 0) {
    if (bytes <= 0) return;
    const cudaError_t st = kind == MemoryKind::kDevice ? cudaMalloc(&ptr_, static_cast<size_t>(bytes))
                                                       : cudaMallocHost(&ptr_, static_cast<size_t>(bytes));
    if (st == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // not sticky: clear it so the process can go on (the sweep's next batch)
      ptr_ = nullptr;
      if (kind == MemoryKind::kPinnedHost)
        throw MemoryCapError("out of page-locked host memory allocating " + what + " (" + std::to_string(bytes) +
                             " bytes)");
      std::string why;
      const int64_t free_bytes = cuda_free_memory(device, &why);
      throw MemoryCapError("cuda:" + std::to_string(device) + ": out of GPU memory allocating " + what + " (" +
                           std::to_string(bytes) + " bytes; " +
                           (free_bytes >= 0 ? std::to_string(free_bytes) + " bytes free)" : why + ")"));
    }
    DNNCOST_CUDA_CHECK(st);
    bytes_ = bytes;
  }
  ~CudaBuffer() {
    if (!ptr_) return;
    if (kind == MemoryKind::kDevice)
      cudaFree(ptr_);
    else
      cudaFreeHost(ptr_);
  }
  CudaBuffer(CudaBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) {
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  CudaBuffer& operator=(CudaBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  unsigned char* get() const { return static_cast<unsigned char*>(ptr_); }
  int64_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  int64_t bytes_ = 0;
};
using DeviceBuffer = CudaBuffer<MemoryKind::kDevice>;
using PinnedBuffer = CudaBuffer<MemoryKind::kPinnedHost>;

int64_t value_bytes(const PlanValue& v) { return shape_numel(v.shape) * static_cast<int64_t>(dtype_size(v.dtype)); }

// A step no GPU kernel handles: its runtime inputs are copied to pinned host memory, the layer's forward_ref runs in a
// host function on the stream (so the step keeps its place in stream order and in the CUDA graph), and the outputs
// are copied back. Constants are read from the plan on the host.
class HostFallbackKernel : public CudaKernel {
 public:
  HostFallbackKernel(const Plan& plan, const PlanStep& step) : plan_(plan), step_(step) {
    const auto& values = plan.values();
    implementation = "host forward_ref";
    in_place_input = step.layer->in_place_input();
    host_in_.resize(step.inputs.size());
    host_out_.resize(step.outputs.size());
    views_.reserve(step.inputs.size() + step.outputs.size());
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      const int id = step.inputs[i];
      if (id < 0) {
        ins_.push_back(nullptr);
      } else if (values[id].constant) {
        ins_.push_back(values[id].constant.get());
      } else {
        host_in_[i] = PinnedBuffer(value_bytes(values[id]), "the host copy of '" + values[id].name + "'");
        views_.push_back(Tensor::view(values[id].dtype, values[id].shape, host_in_[i].get()));
        ins_.push_back(&views_.back());
      }
    }
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      const int id = step.outputs[i];
      if (id < 0) {
        outs_.push_back(nullptr);
        continue;
      }
      host_out_[i] = PinnedBuffer(value_bytes(values[id]), "the host copy of '" + values[id].name + "'");
      views_.push_back(Tensor::view(values[id].dtype, values[id].shape, host_out_[i].get()));
      outs_.push_back(&views_.back());
    }
  }

  int64_t host_bytes() const {
    int64_t n = 0;
    for (const auto& b : host_in_) n += b.bytes();
    for (const auto& b : host_out_) n += b.bytes();
    return n;
  }

  void bind(const KernelBinding& b) override { binding_ = b; }

  void execute(cudaStream_t stream) override {
    for (size_t i = 0; i < host_in_.size(); ++i) {
      if (host_in_[i].bytes() == 0 || !binding_.inputs[i]) continue;
      DNNCOST_CUDA_CHECK(cudaMemcpyAsync(host_in_[i].get(), binding_.inputs[i],
                                         static_cast<size_t>(host_in_[i].bytes()), cudaMemcpyDeviceToHost, stream));
    }
    DNNCOST_CUDA_CHECK(cudaLaunchHostFunc(stream, &HostFallbackKernel::run_on_host, this));
    for (size_t i = 0; i < host_out_.size(); ++i) {
      if (host_out_[i].bytes() == 0 || !binding_.outputs[i]) continue;
      DNNCOST_CUDA_CHECK(cudaMemcpyAsync(binding_.outputs[i], host_out_[i].get(),
                                         static_cast<size_t>(host_out_[i].bytes()), cudaMemcpyHostToDevice, stream));
    }
  }

  // The first error a host run met since the last call (host functions cannot throw into the stream).
  std::string take_error() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string e;
    e.swap(error_);
    return e;
  }

 private:
  static void CUDART_CB run_on_host(void* self) {
    auto* k = static_cast<HostFallbackKernel*>(self);
    try {
      k->step_.layer->forward_ref(k->ins_, k->outs_);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(k->mutex_);
      if (k->error_.empty()) k->error_ = e.what();
    } catch (...) {
      std::lock_guard<std::mutex> lock(k->mutex_);
      if (k->error_.empty()) k->error_ = "unknown exception";
    }
  }

  const Plan& plan_;
  const PlanStep& step_;
  std::vector<PinnedBuffer> host_in_, host_out_;
  std::vector<Tensor> views_;  // reserved up front: ins_/outs_ point into it
  std::vector<const Tensor*> ins_;
  std::vector<Tensor*> outs_;
  KernelBinding binding_;
  std::mutex mutex_;
  std::string error_;
};

// Free device memory now (cudaMemGetInfo), in bytes.
int64_t free_device_bytes(int64_t* total = nullptr) {
  size_t free_bytes = 0, total_bytes = 0;
  DNNCOST_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (total) *total = static_cast<int64_t>(total_bytes);
  return static_cast<int64_t>(free_bytes);
}

cuda::MathMode math_mode(const std::string& m) {
  if (m == "tf32") return cuda::MathMode::kTf32;
  if (m == "fp16") return cuda::MathMode::kFp16;
  return cuda::MathMode::kFp32;
}

float elapsed_ms(cudaEvent_t a, cudaEvent_t b) {
  float ms = 0;
  DNNCOST_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
  return ms;
}

}  // namespace

struct CudaSession::Impl {
  DeviceSpec spec;
  cuda::CudaContext ctx;
  std::string gpu_name;
  int runtime_version = 0, driver_version = 0;
  size_t cudnn_version = 0;
  int cublas_version = 0;

  std::vector<std::unique_ptr<CudaKernel>> kernels;
  std::vector<HostFallbackKernel*> fallbacks;  // the kernels that run on the host (owned by `kernels`)

  MemoryPlan mem;
  cuda_geometry::WeightLayout weight_layout;
  int64_t workspace_bytes = 0;  // planned: the largest step's
  DeviceBuffer cublas_workspace, weights, arena, workspace;
  int64_t fallback_host_bytes = 0;

  // Memory as cudaMemGetInfo saw it (bytes).
  int64_t device_total = 0;
  int64_t used_after_context = 0;   // total - free once the context exists (context + anything else on the GPU)
  int64_t handles_bytes = 0;        // stream, cuDNN and cuBLAS handles, cuBLAS workspace
  bool workspace_auto = false;      // --workspace-mb auto (cuda_geometry::auto_workspace_bytes)
  int64_t baseline_bytes = 0;       // total - free before this session's model memory: the fixed baseline
  int64_t measured_allocation = 0;  // free before - free after the weight, arena and workspace allocations

  // Graph inputs and outputs in pinned host memory: set_inputs fills the input side; timed transfers use both.
  std::vector<PinnedBuffer> input_stage, output_stage;
  float h2d_ms = -1, d2h_ms = -1;  // last set_inputs / outputs copy times (CUDA events)

  cudaGraph_t graph = nullptr;
  cudaGraphExec_t graph_exec = nullptr;
  std::string graph_note;  // why there is no graph, when there is none

  cudaEvent_t run_start = nullptr, run_stop = nullptr;
  std::vector<cudaEvent_t> step_events;  // steps + 1, for the per-layer pass

  unsigned char* address(int id) const { return id < 0 || mem.offset[id] < 0 ? nullptr : arena.get() + mem.offset[id]; }

  void enqueue_all() {
    for (auto& k : kernels) k->execute(ctx.stream);
  }
  void enqueue_inputs(const Plan& plan) {
    const auto& ids = plan.input_ids();
    for (size_t k = 0; k < ids.size(); ++k) {
      if (!address(ids[k]) || input_stage[k].bytes() == 0) continue;
      DNNCOST_CUDA_CHECK(cudaMemcpyAsync(address(ids[k]), input_stage[k].get(),
                                         static_cast<size_t>(input_stage[k].bytes()), cudaMemcpyHostToDevice,
                                         ctx.stream));
    }
  }
  void enqueue_outputs(const Plan& plan) {
    const auto& ids = plan.output_ids();
    for (size_t k = 0; k < ids.size(); ++k) {
      if (!address(ids[k]) || output_stage[k].bytes() == 0) continue;
      DNNCOST_CUDA_CHECK(cudaMemcpyAsync(output_stage[k].get(), address(ids[k]),
                                         static_cast<size_t>(output_stage[k].bytes()), cudaMemcpyDeviceToHost,
                                         ctx.stream));
    }
  }

  ~Impl() {
    // Wait for queued work before anything it uses is freed; errors are ignored here (destructor).
    if (ctx.stream) cudaStreamSynchronize(ctx.stream);
    if (graph_exec) cudaGraphExecDestroy(graph_exec);
    if (graph) cudaGraphDestroy(graph);
    if (run_start) cudaEventDestroy(run_start);
    if (run_stop) cudaEventDestroy(run_stop);
    for (cudaEvent_t e : step_events) cudaEventDestroy(e);
    kernels.clear();  // kernels own cuDNN descriptors: destroy them before the handles
    if (ctx.cublas) cublasDestroy(ctx.cublas);
    if (ctx.cudnn) cudnnDestroy(ctx.cudnn);
    if (ctx.stream) cudaStreamDestroy(ctx.stream);
  }
};

CudaSession::CudaSession(const Plan& plan, const DeviceSpec& spec) : KernelSession(plan), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.spec = spec;
  cuda_geometry::check_math(spec.math);
  const int64_t workspace_limit = cuda_geometry::workspace_limit_bytes(spec.workspace_mb);
  std::string why;
  const auto gpus = cuda_devices(&why);
  if (gpus.empty()) throw ModelError("--device " + spec.str() + ": no GPU available: " + why);
  if (spec.index < 0 || spec.index >= static_cast<int>(gpus.size()))
    throw ModelError("--device " + spec.str() + ": there are " + std::to_string(gpus.size()) + " GPU(s)");

  // The context, then the handles: what they take is the fixed baseline every session pays.
  cuda::CudaContext& ctx = m.ctx;
  ctx.device = spec.index;
  ctx.math = math_mode(spec.math);
  DNNCOST_CUDA_CHECK(cudaSetDevice(ctx.device));
  DNNCOST_CUDA_CHECK(cudaFree(nullptr));  // creates the primary context now
  DNNCOST_CUDA_CHECK(cudaGetDeviceProperties(&ctx.props, ctx.device));
  m.gpu_name = ctx.props.name;
  DNNCOST_CUDA_CHECK(cudaRuntimeGetVersion(&m.runtime_version));
  DNNCOST_CUDA_CHECK(cudaDriverGetVersion(&m.driver_version));
  const int64_t free_after_context = free_device_bytes(&m.device_total);
  m.used_after_context = m.device_total - free_after_context;
  DNNCOST_CUDA_CHECK(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
  DNNCOST_CUDNN_CHECK(cudnnCreate(&ctx.cudnn));
  DNNCOST_CUDNN_CHECK(cudnnSetStream(ctx.cudnn, ctx.stream));
  m.cudnn_version = cudnnGetVersion();
  DNNCOST_CUBLAS_CHECK(cublasCreate(&ctx.cublas));
  DNNCOST_CUBLAS_CHECK(cublasSetStream(ctx.cublas, ctx.stream));
  DNNCOST_CUBLAS_CHECK(cublasGetVersion(ctx.cublas, &m.cublas_version));
  // fp32: no TF32 (cuBLAS's default math does not use it unless asked); tf32 / fp16: tensor-core math allowed.
  DNNCOST_CUBLAS_CHECK(cublasSetMathMode(
      ctx.cublas, ctx.math == cuda::MathMode::kFp32 ? CUBLAS_DEFAULT_MATH : CUBLAS_TF32_TENSOR_OP_MATH));
  m.cublas_workspace = DeviceBuffer(static_cast<int64_t>(kCublasWorkspaceBytes), "the cuBLAS workspace", ctx.device);
  DNNCOST_CUBLAS_CHECK(cublasSetWorkspace(ctx.cublas, m.cublas_workspace.get(), kCublasWorkspaceBytes));
  DNNCOST_CUDA_CHECK(cudaEventCreate(&m.run_start));
  DNNCOST_CUDA_CHECK(cudaEventCreate(&m.run_stop));
  const int64_t free_after_handles = free_device_bytes();
  m.handles_bytes = free_after_context - free_after_handles;
  m.baseline_bytes = m.device_total - free_after_handles;
  m.workspace_auto = workspace_limit == cuda_geometry::kAutoWorkspaceMb;
  int64_t requested_workspace = workspace_limit;
  if (m.workspace_auto) {
    // What the plan will need beside the workspace (its constants, the activation arena with the layers' own
    // in-place choices), estimated before the kernels exist.
    int64_t need = plan_memory(plan).arena_bytes;
    for (const PlanValue& v : plan.values())
      if (v.constant) need += value_bytes(v);
    requested_workspace = cuda_geometry::auto_workspace_bytes(free_after_handles, need);
  }

  // Build every step. The factories may measure (cudnnFind...) with a probe workspace freed right after; when the
  // limit does not fit in the free memory, the probe (and so the algorithms' workspace) is smaller.
  {
    DeviceBuffer probe;
    for (int64_t probe_bytes = requested_workspace; probe_bytes > 0; probe_bytes /= 2) {
      try {
        probe = DeviceBuffer(probe_bytes, "the workspace probe", ctx.device);
        break;
      } catch (const MemoryCapError&) {
      }
    }
    ctx.probe_workspace = probe.get();
    ctx.workspace_limit = static_cast<size_t>(probe.bytes());
    const auto& steps = plan.steps();
    for (size_t s = 0; s < steps.size(); ++s) {
      const PlanStep& step = steps[s];
      std::unique_ptr<CudaKernel> kernel;
      std::string reason;
      if (const cuda::KernelFactory* factory = cuda::KernelRegistry::instance().find(step.node->op_type)) {
        try {
          kernel = (*factory)(cuda::KernelRequest{plan.view(s), ctx});
          if (!kernel) reason = "no GPU kernel for this configuration";
        } catch (const DeviceError& e) {
          cudaGetLastError();  // a failed cuDNN/cuBLAS setup: run the step on the host and say why
          reason = std::string("the GPU kernel could not be built: ") + e.what();
        }
      } else {
        reason = "no GPU kernel for " + step.node->op_type;
      }
      CudaStepInfo info;
      if (!kernel) {
        auto fallback = std::make_unique<HostFallbackKernel>(plan, step);
        m.fallbacks.push_back(fallback.get());
        m.fallback_host_bytes += fallback->host_bytes();
        kernel = std::move(fallback);
        info.host_fallback = true;
        info.fallback_reason = reason;
      }
      if (kernel->workspace_bytes > ctx.workspace_limit)
        throw InternalError(step.node->op_type + " '" + step.node->name + "': kernel asks for " +
                            std::to_string(kernel->workspace_bytes) + " bytes of workspace, above the limit");
      info.implementation = kernel->implementation;
      info.workspace_bytes = static_cast<int64_t>(kernel->workspace_bytes);
      for (const auto& c : kernel->constants) info.weight_bytes += static_cast<int64_t>(c.size());
      for (const auto& kv : kernel->details) info.details.emplace_back(kv.first, kv.second);
      m.workspace_bytes = std::max(m.workspace_bytes, info.workspace_bytes);
      step_info_.push_back(std::move(info));
      m.kernels.push_back(std::move(kernel));
    }
    ctx.probe_workspace = nullptr;
    DNNCOST_CUDA_CHECK(cudaDeviceSynchronize());  // the factories' measurements are done with the probe
  }

  // Memory: the plan with the kernels' in-place choices, plain row-major sizes.
  const auto& values = plan.values();
  m.mem = plan_memory(plan_schedule(plan, [&m](size_t s) { return m.kernels[s]->in_place_input; }),
                      [&values](int id) { return value_bytes(values[id]); });
  std::vector<std::vector<int64_t>> constant_sizes;
  for (const auto& k : m.kernels) {
    std::vector<int64_t> sizes;
    for (const auto& c : k->constants) sizes.push_back(static_cast<int64_t>(c.size()));
    constant_sizes.push_back(std::move(sizes));
  }
  m.weight_layout = cuda_geometry::layout_weights(constant_sizes);

  const int64_t free_before = free_device_bytes();
  m.weights = DeviceBuffer(m.weight_layout.bytes, "the weights", ctx.device);
  m.arena = DeviceBuffer(m.mem.arena_bytes, "the activation arena", ctx.device);
  m.workspace = DeviceBuffer(m.workspace_bytes, "the workspace", ctx.device);
  m.measured_allocation = free_before - free_device_bytes();

  // Upload the constants, then drop the host copies.
  for (size_t s = 0; s < m.kernels.size(); ++s) {
    auto& k = *m.kernels[s];
    for (size_t c = 0; c < k.constants.size(); ++c) {
      if (k.constants[c].empty()) continue;
      DNNCOST_CUDA_CHECK(cudaMemcpy(m.weights.get() + m.weight_layout.offsets[s][c], k.constants[c].data(),
                                    k.constants[c].size(), cudaMemcpyHostToDevice));
    }
  }
  for (size_t s = 0; s < m.kernels.size(); ++s) {
    auto& k = *m.kernels[s];
    const PlanStep& step = plan.steps()[s];
    KernelBinding b;
    for (int id : step.inputs) b.inputs.push_back(id >= 0 && !values[id].constant ? m.address(id) : nullptr);
    for (int id : step.outputs) b.outputs.push_back(m.address(id));
    for (size_t c = 0; c < k.constants.size(); ++c)
      b.constants.push_back(k.constants[c].empty() ? nullptr : m.weights.get() + m.weight_layout.offsets[s][c]);
    b.workspace = k.workspace_bytes ? m.workspace.get() : nullptr;
    k.bind(b);
    k.constants.clear();
    k.constants.shrink_to_fit();
    const int out0 = step.outputs.empty() ? -1 : step.outputs[0];
    step_info_[s].in_place = out0 >= 0 && m.mem.alias_of[out0] >= 0;
  }

  for (int id : plan.input_ids())
    m.input_stage.emplace_back(values[id].constant ? 0 : value_bytes(values[id]),
                               "the staging of input '" + values[id].name + "'");
  for (int id : plan.output_ids())
    m.output_stage.emplace_back(values[id].constant ? 0 : value_bytes(values[id]),
                                "the staging of output '" + values[id].name + "'");
  m.step_events.resize(m.kernels.size() + 1);
  for (cudaEvent_t& e : m.step_events) DNNCOST_CUDA_CHECK(cudaEventCreate(&e));

  // One untimed pass before the capture. cuDNN and cuBLAS set themselves up on a configuration's first call
  // (kernel selection, internal caches) and CUDA loads kernel modules lazily on their first launch; doing that
  // inside a stream capture is what the libraries warn against (work that is not stream-ordered invalidates the
  // capture), so every step runs once here first. The arena is zeroed so the pass reads defined values (a kernel's
  // run-time indices, a host step's shapes); what host steps report about those zeros is dropped.
  if (!m.kernels.empty()) {
    if (m.arena.bytes() > 0)
      DNNCOST_CUDA_CHECK(cudaMemsetAsync(m.arena.get(), 0, static_cast<size_t>(m.arena.bytes()), ctx.stream));
    for (size_t s = 0; s < m.kernels.size(); ++s) {
      try {
        m.kernels[s]->execute(ctx.stream);
      } catch (...) {
        rethrow_with_node_context(plan.graph().path, plan.steps()[s].node->name, plan.steps()[s].node->op_type);
      }
    }
    DNNCOST_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
    for (HostFallbackKernel* f : m.fallbacks) f->take_error();
  }

  // One CUDA graph for the whole run. A step that cannot be captured leaves the run as stream launches (said in
  // device_json); the numbers stay right, only the launch overhead is the stream's.
  if (!m.kernels.empty()) {
    DNNCOST_CUDA_CHECK(cudaStreamBeginCapture(ctx.stream, cudaStreamCaptureModeThreadLocal));
    std::string capture_error;
    try {
      m.enqueue_all();
    } catch (const std::exception& e) {
      capture_error = e.what();
    }
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(ctx.stream, &graph);
    if (capture_error.empty() && end != cudaSuccess) capture_error = cudaGetErrorString(end);
    if (capture_error.empty()) {
      const cudaError_t inst = cudaGraphInstantiate(&m.graph_exec, graph, 0);
      if (inst != cudaSuccess) capture_error = std::string("cudaGraphInstantiate: ") + cudaGetErrorString(inst);
    }
    if (capture_error.empty()) {
      m.graph = graph;
    } else {
      if (graph) cudaGraphDestroy(graph);
      m.graph_exec = nullptr;
      cudaGetLastError();
      m.graph_note = "no CUDA graph (" + capture_error + "): the steps are launched on the stream one by one";
    }
  }

  if (const char* verbose = std::getenv("DNNCOST_CUDA_VERBOSE"); verbose && std::string(verbose) != "0") {
    for (size_t s = 0; s < step_info_.size(); ++s) {
      const CudaStepInfo& i = step_info_[s];
      std::cerr << "dnncost cuda: step " << s << " " << plan.steps()[s].node->op_type << " '"
                << plan.steps()[s].node->name << "': " << i.implementation;
      if (i.host_fallback) std::cerr << " (" << i.fallback_reason << ")";
      for (const auto& d : i.details) std::cerr << "; " << d.first << " " << d.second;
      if (i.workspace_bytes) std::cerr << "; workspace " << i.workspace_bytes;
      std::cerr << (i.in_place ? "; in place" : "") << "\n";
    }
    std::cerr << "dnncost cuda: weights " << m.weight_layout.bytes << ", arena " << m.mem.arena_bytes << ", workspace "
              << m.workspace_bytes << " bytes; " << m.fallbacks.size() << " step(s) on the host; "
              << (m.graph_exec ? "CUDA graph" : m.graph_note) << "\n";
  }
}

CudaSession::~CudaSession() = default;

std::string CudaSession::device_name() const {
  return "cuda:" + std::to_string(impl_->ctx.device) + " (" + impl_->gpu_name + ", " + cuda_build_versions() +
         ", math " + impl_->spec.math + ")";
}

std::string CudaSession::timing_method() const {
  std::string s =
      impl_->graph_exec ? "CUDA graph replay timed with CUDA events" : "stream launches timed with CUDA events";
  s += impl_->spec.include_transfers ? ", input and output copies included" : ", host<->device copies excluded";
  return s;
}

nlohmann::json CudaSession::device_json() const {
  const Impl& m = *impl_;
  nlohmann::json fallback = nlohmann::json::array();
  for (size_t s = 0; s < step_info_.size(); ++s) {
    if (!step_info_[s].host_fallback) continue;
    const PlanStep& step = plan_.steps()[s];
    fallback.push_back(
        {{"index", s}, {"name", step.node->name}, {"op", step.node->op_type}, {"reason", step_info_[s].fallback_reason}});
  }
  const auto ms_or_null = [](float v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
  int64_t input_bytes = 0, output_bytes = 0;
  for (const auto& b : m.input_stage) input_bytes += b.bytes();
  for (const auto& b : m.output_stage) output_bytes += b.bytes();
  return {{"kind", "cuda"},
          {"name", device_name()},
          {"index", m.ctx.device},
          {"gpu", m.gpu_name},
          {"compute_capability", std::to_string(m.ctx.props.major) + "." + std::to_string(m.ctx.props.minor)},
          {"sm_count", m.ctx.props.multiProcessorCount},
          {"memory_total", m.device_total},
          {"cuda_runtime", m.runtime_version},
          {"cuda_driver", m.driver_version},
          {"cudnn", m.cudnn_version},
          {"cublas", m.cublas_version},
          {"build", cuda_build_versions()},
          {"math", m.spec.math},
          {"workspace_limit", m.ctx.workspace_limit},
          {"workspace_limit_source",
           m.workspace_auto ? "auto: min(4096 MiB, free device memory / 4, (free - plan) / 2)" : "--workspace-mb"},
          {"timing", timing_method()},
          {"cuda_graph", m.graph_exec != nullptr},
          {"cuda_graph_note", m.graph_note},
          {"include_transfers", m.spec.include_transfers},
          {"transfers",
           {{"input_bytes", input_bytes},
            {"output_bytes", output_bytes},
            {"h2d_ms", ms_or_null(m.h2d_ms)},
            {"d2h_ms", ms_or_null(m.d2h_ms)},
            {"note", "pageable host tensors staged through pinned memory; timed with CUDA events on their own"}}},
          {"memory",
           {{"baseline", m.baseline_bytes},
            {"used_after_context", m.used_after_context},
            {"handles", m.handles_bytes},
            {"cublas_workspace", m.cublas_workspace.bytes()},
            {"allocated_measured", m.measured_allocation},
            {"fallback_pinned_host", m.fallback_host_bytes},
            {"note",
             "baseline: total - free (cudaMemGetInfo) after the context, stream, cuDNN and cuBLAS handles and the "
             "cuBLAS workspace, before the model's weights, arena and workspace (it includes anything else on the "
             "GPU); allocated_measured: the drop in free memory over those three allocations (rounded to the "
             "driver's pages)"}}},
          {"fallback_steps", static_cast<int>(m.fallbacks.size())},
          {"fallback", fallback},
          {"description", "cuDNN / cuBLAS / dnncost kernels; steps without one run forward_ref on the host"}};
}

void CudaSession::set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  check_inputs(inputs);
  Impl& m = *impl_;
  for (size_t k = 0; k < inputs.size(); ++k)
    if (m.input_stage[k].bytes()) std::memcpy(m.input_stage[k].get(), inputs[k]->raw(), m.input_stage[k].bytes());
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.run_start, m.ctx.stream));
  m.enqueue_inputs(plan_);
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.run_stop, m.ctx.stream));
  DNNCOST_CUDA_CHECK(cudaEventSynchronize(m.run_stop));
  m.h2d_ms = elapsed_ms(m.run_start, m.run_stop);
}

void CudaSession::run() {
  Impl& m = *impl_;
  try {
    if (m.graph_exec) {
      DNNCOST_CUDA_CHECK(cudaGraphLaunch(m.graph_exec, m.ctx.stream));
    } else {
      m.enqueue_all();
    }
  } catch (...) {
    rethrow_with_node_context(plan_.graph().path, "(whole network)", "run");
  }
}

void CudaSession::run_step(size_t i) {
  try {
    impl_->kernels[i]->execute(impl_->ctx.stream);
  } catch (...) {
    const PlanStep& step = plan_.steps()[i];
    rethrow_with_node_context(plan_.graph().path, step.node->name, step.node->op_type);
  }
}

void CudaSession::synchronize() {
  Impl& m = *impl_;
  DNNCOST_CUDA_CHECK(cudaStreamSynchronize(m.ctx.stream));
  for (size_t s = 0; s < m.kernels.size(); ++s) {
    if (!step_info_[s].host_fallback) continue;
    const std::string error = static_cast<HostFallbackKernel*>(m.kernels[s].get())->take_error();
    if (error.empty()) continue;
    const PlanStep& step = plan_.steps()[s];
    throw ModelError(plan_.graph().path + ": node '" + step.node->name + "' (" + step.node->op_type +
                     ", run on the host): " + error);
  }
}

double CudaSession::timed_run_ms() {
  Impl& m = *impl_;
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.run_start, m.ctx.stream));
  if (m.spec.include_transfers) m.enqueue_inputs(plan_);
  run();
  if (m.spec.include_transfers) m.enqueue_outputs(plan_);
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.run_stop, m.ctx.stream));
  synchronize();
  return elapsed_ms(m.run_start, m.run_stop);
}

std::vector<double> CudaSession::timed_steps_ms() {
  Impl& m = *impl_;
  const size_t n = m.kernels.size();
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.step_events[0], m.ctx.stream));
  for (size_t i = 0; i < n; ++i) {
    run_step(i);
    DNNCOST_CUDA_CHECK(cudaEventRecord(m.step_events[i + 1], m.ctx.stream));
  }
  synchronize();
  std::vector<double> ms(n);
  for (size_t i = 0; i < n; ++i) ms[i] = elapsed_ms(m.step_events[i], m.step_events[i + 1]);
  return ms;
}

std::vector<Tensor> CudaSession::outputs() {
  Impl& m = *impl_;
  synchronize();
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.run_start, m.ctx.stream));
  m.enqueue_outputs(plan_);
  DNNCOST_CUDA_CHECK(cudaEventRecord(m.run_stop, m.ctx.stream));
  DNNCOST_CUDA_CHECK(cudaEventSynchronize(m.run_stop));
  m.d2h_ms = elapsed_ms(m.run_start, m.run_stop);
  return collect_outputs([&m](size_t k, Tensor& t) {
    if (t.bytes()) std::memcpy(t.raw(), m.output_stage[k].get(), t.bytes());
  });
}

SessionMemory CudaSession::memory() const {
  const Impl& m = *impl_;
  SessionMemory s;
  s.weight_bytes = m.weights.bytes();
  s.arena_planned = m.mem.arena_bytes;
  s.arena_allocated = m.arena.bytes();
  s.workspace_planned = m.workspace_bytes;
  s.workspace_allocated = m.workspace.bytes();
  s.naive_activation_bytes = m.mem.naive_bytes;
  s.in_place = m.mem.in_place;
  return s;
}


nlohmann::json CudaSession::step_json(size_t i) const {
  const CudaStepInfo& s = step_info_[i];
  nlohmann::json details = nlohmann::json::object();
  for (const auto& d : s.details) details[d.first] = d.second;
  nlohmann::json j = {
      {"implementation", s.implementation}, {"host_fallback", s.host_fallback}, {"workspace_bytes", s.workspace_bytes},
      {"weight_bytes", s.weight_bytes},     {"in_place", s.in_place},           {"details", details}};
  if (s.host_fallback) j["fallback_reason"] = s.fallback_reason;
  return j;
}

int CudaSession::fallback_steps() const { return static_cast<int>(impl_->fallbacks.size()); }
bool CudaSession::uses_graph() const { return impl_->graph_exec != nullptr; }

static const bool cuda_registered = DeviceRegistry::instance().add(
    "cuda", [](const Plan& p, const DeviceSpec& spec) { return std::make_unique<CudaSession>(p, spec); },
    "cuDNN / cuBLAS on an NVIDIA GPU (cuda or cuda:N; --math fp32|tf32|fp16, --workspace-mb); steps without a GPU "
    "kernel run the reference loops on the host");

}  // namespace dnncost
