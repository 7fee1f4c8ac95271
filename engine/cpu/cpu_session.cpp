// The `cpu` device session: kernels from the cpu kernel registry (oneDNN primitives built at plan time) or the
// layer's forward_ref, layout reorders between them, one planned arena and one planned scratchpad.
//
// Buffers are the plan's values (ids 0 .. V-1) followed by reorder buffers (a value converted to another layout
// for a consumer; shared by every later consumer that wants the same layout). Each buffer has one layout (a
// oneDNN memory descriptor; empty for values oneDNN cannot describe, which stay plain). The memory plan sees the
// run as a list of steps over buffers: each reorder is a step of its own, placed before its consumer.
#include "engine/cpu/cpu_session.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <set>
#include <stdexcept>

#include "kernels/cpu/cpu_kernel.h"
#include "core/errors.h"

namespace dnncost {
namespace {

using cpu::CpuKernel;

// Runs the layer's forward_ref on plain row-major buffers (the fallback for ops and configurations without a
// oneDNN kernel). Constants are read from the plan.
class RefKernel : public CpuKernel {
 public:
  RefKernel(const Plan& plan, const PlanStep& step) : plan_(plan), step_(step) {
    const auto& values = plan.values();
    for (int id : step.inputs) {
      const bool arena = id >= 0 && !values[id].constant;
      input_layouts.push_back(arena ? cpu::plain_desc(values[id].shape, values[id].dtype) : dnnl::memory::desc());
    }
    for (int id : step.outputs)
      output_layouts.push_back(id >= 0 ? cpu::plain_desc(values[id].shape, values[id].dtype) : dnnl::memory::desc());
    in_place_input = step.layer->in_place_input();
    implementation = "ref";
  }

  void bind(const dnnl::engine&, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
            void*) override {
    const auto& values = plan_.values();
    views_.clear();
    views_.reserve(step_.inputs.size() + step_.outputs.size());
    ins_.clear();
    outs_.clear();
    for (size_t i = 0; i < step_.inputs.size(); ++i) {
      const int id = step_.inputs[i];
      if (id < 0) {
        ins_.push_back(nullptr);
      } else if (values[id].constant) {
        ins_.push_back(values[id].constant.get());
      } else {
        views_.push_back(Tensor::view(values[id].dtype, values[id].shape, inputs[i]));
        ins_.push_back(&views_.back());
      }
    }
    for (size_t i = 0; i < step_.outputs.size(); ++i) {
      const int id = step_.outputs[i];
      if (id < 0) {
        outs_.push_back(nullptr);
      } else {
        views_.push_back(Tensor::view(values[id].dtype, values[id].shape, outputs[i]));
        outs_.push_back(&views_.back());
      }
    }
  }

  void execute(dnnl::stream&) override { step_.layer->forward_ref(ins_, outs_); }

 private:
  const Plan& plan_;
  const PlanStep& step_;
  std::vector<Tensor> views_;  // reserved up front: ins_/outs_ point into it
  std::vector<const Tensor*> ins_;
  std::vector<Tensor*> outs_;
};

struct AlignedFree {
  void operator()(unsigned char* p) const { ::operator delete[](p, std::align_val_t(kArenaAlignment)); }
};
using AlignedBuffer = std::unique_ptr<unsigned char[], AlignedFree>;

AlignedBuffer allocate(int64_t bytes) {
  if (bytes <= 0) return nullptr;
  auto* p = static_cast<unsigned char*>(::operator new[](static_cast<size_t>(bytes), std::align_val_t(kArenaAlignment)));
  std::memset(p, 0, static_cast<size_t>(bytes));  // touch the pages now, not in the first timed run
  return AlignedBuffer(p);
}

// The OpenMP settings that change how the threads wait between primitives (libgomp reads them at start-up; see
// docs/PERFORMANCE.md: on a loaded machine GOMP_SPINCOUNT decides the latency), recorded with each measurement.
nlohmann::json openmp_environment() {
  nlohmann::json j = nlohmann::json::object();
  for (const char* name : {"OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_PROC_BIND", "OMP_PLACES"}) {
    const char* value = std::getenv(name);
    j[name] = value ? nlohmann::json(value) : nlohmann::json(nullptr);
  }
  return j;
}

const char* isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

}  // namespace

// A value converted to another layout before a consumer.
struct CpuReorder {
  int from = -1, to = -1;  // buffer ids
  dnnl::reorder primitive;
  dnnl::memory::desc scratchpad_md;
  std::unordered_map<int, dnnl::memory> args;
};

struct CpuSession::Impl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  int threads = 1;

  // Per buffer (plan values, then reorder buffers).
  std::vector<dnnl::memory::desc> layout;
  std::vector<int64_t> plain_bytes;  // row-major bytes (for buffers oneDNN does not describe)

  std::vector<CpuReorder> reorders;
  struct Step {
    std::vector<int> reorders;  // indices into `reorders`, run before the kernel
    std::vector<int> reads;     // buffer per step input (-1: absent or constant)
    std::unique_ptr<CpuKernel> kernel;
  };
  std::vector<Step> steps;
  int fallbacks = 0;

  MemoryPlan mem;
  AlignedBuffer arena, scratchpad;
  int64_t arena_allocated = 0, scratchpad_allocated = 0;
  int64_t scratchpad_bytes = 0;  // planned: the largest scratchpad of any primitive
  int64_t weight_bytes = 0;

  // Graph outputs kept in a blocked layout: reordered to plain row-major in outputs().
  std::vector<std::pair<dnnl::memory, dnnl::memory::desc>> output_source;  // per graph output: arena memory, plain desc

  int64_t bytes_of(int id) const { return layout[id].is_zero() ? plain_bytes[id] : layout[id].get_size(); }
  void* address(int id) { return id < 0 || mem.offset[id] < 0 ? nullptr : arena.get() + mem.offset[id]; }
};

std::string CpuSession::onednn_version() {
  const dnnl_version_t* v = dnnl::version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

CpuSession::CpuSession(const Plan& plan, const DeviceSpec& spec) : KernelSession(plan), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (spec.threads > 0) omp_set_num_threads(spec.threads);
  m.threads = omp_get_max_threads();

  const auto& values = plan.values();
  const int value_count = static_cast<int>(values.size());
  m.layout.resize(values.size());
  m.plain_bytes.resize(values.size());
  for (int id = 0; id < value_count; ++id)
    m.plain_bytes[id] = shape_numel(values[id].shape) * static_cast<int64_t>(dtype_size(values[id].dtype));
  for (int id : plan.input_ids())
    if (!values[id].constant) m.layout[id] = cpu::plain_desc(values[id].shape, values[id].dtype);

  // Kernels and reorders, step by step; the schedule the memory plan needs is built alongside.
  BufferSchedule sch;
  for (int id : plan.input_ids())
    if (!values[id].constant) sch.inputs.push_back(id);
  sch.outputs = plan.output_ids();
  std::vector<std::vector<int>> converted(values.size());  // per value: reorder buffers made from it
  std::set<int> fallback_constants;

  for (size_t s = 0; s < plan.steps().size(); ++s) {
    const PlanStep& step = plan.steps()[s];
    cpu::KernelRequest req{plan.view(s), m.engine, {}};
    for (int id : step.inputs)
      req.layouts.push_back(id >= 0 && !values[id].constant ? m.layout[id] : dnnl::memory::desc());
    std::unique_ptr<CpuKernel> kernel;
    if (const cpu::KernelFactory* f = cpu::KernelRegistry::instance().find(step.node->op_type)) {
      try {
        kernel = (*f)(req);
      } catch (const dnnl::error&) {
        kernel.reset();  // oneDNN has no implementation for this configuration: run the reference
      }
    }
    if (!kernel) {
      kernel = std::make_unique<RefKernel>(plan, step);
      ++m.fallbacks;
      for (int id : step.inputs)
        if (id >= 0 && values[id].constant && fallback_constants.insert(id).second)
          m.weight_bytes += values[id].constant->bytes();
    }
    if (kernel->input_layouts.size() != step.inputs.size() || kernel->output_layouts.size() != step.outputs.size())
      throw std::logic_error("cpu kernel for " + step.node->op_type + " describes the wrong number of values");
    m.weight_bytes += kernel->weight_bytes;

    Impl::Step exec;
    CpuStepInfo info;
    info.implementation = kernel->implementation;
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      const int id = step.inputs[i];
      if (id < 0 || values[id].constant) {
        exec.reads.push_back(-1);
        continue;
      }
      const dnnl::memory::desc& want = kernel->input_layouts[i];
      if (want == m.layout[id]) {
        exec.reads.push_back(id);
        continue;
      }
      if (want.is_zero() || m.layout[id].is_zero())
        throw std::logic_error("cpu kernel for " + step.node->op_type + " asks for a layout oneDNN cannot convert");
      int buffer = -1;
      for (int b : converted[id])
        if (m.layout[b] == want) buffer = b;
      if (buffer < 0) {
        buffer = static_cast<int>(m.layout.size());
        m.layout.push_back(want);
        m.plain_bytes.push_back(m.plain_bytes[id]);
        converted[id].push_back(buffer);
        CpuReorder r;
        r.from = id;
        r.to = buffer;
        const dnnl::reorder::primitive_desc pd(m.engine, m.layout[id], m.engine, want, cpu::user_scratchpad_attr());
        r.primitive = dnnl::reorder(pd);
        r.scratchpad_md = pd.scratchpad_desc();
        m.scratchpad_bytes = std::max<int64_t>(m.scratchpad_bytes, r.scratchpad_md.get_size());
        exec.reorders.push_back(static_cast<int>(m.reorders.size()));
        m.reorders.push_back(std::move(r));
        sch.steps.push_back({{id}, {buffer}, -1});
        info.input_reorders.push_back(cpu::layout_name(m.layout[id]) + " -> " + cpu::layout_name(want));
      }
      exec.reads.push_back(buffer);
    }
    for (size_t j = 0; j < step.outputs.size(); ++j) {
      const int id = step.outputs[j];
      if (id < 0) continue;
      const dnnl::memory::desc& md = kernel->output_layouts[j];
      if (md.is_zero() != cpu::plain_desc(values[id].shape, values[id].dtype).is_zero() ||
          (!md.is_zero() && static_cast<int64_t>(md.get_size()) < m.plain_bytes[id]))
        throw std::logic_error("cpu kernel for " + step.node->op_type + " gives output " + std::to_string(j) +
                               " a layout that does not fit the value");
      m.layout[id] = md;
      info.output_layouts.push_back(cpu::layout_name(md));
    }
    sch.steps.push_back({exec.reads, step.outputs, kernel->in_place_input});
    m.scratchpad_bytes = std::max<int64_t>(m.scratchpad_bytes, static_cast<int64_t>(kernel->scratchpad_bytes));
    exec.kernel = std::move(kernel);
    m.steps.push_back(std::move(exec));
    step_info_.push_back(std::move(info));
  }
  sch.buffer_count = static_cast<int>(m.layout.size());

  m.mem = plan_memory(sch, [&m](int id) { return m.bytes_of(id); });
  m.arena = allocate(m.mem.arena_bytes);
  m.arena_allocated = m.arena ? m.mem.arena_bytes : 0;
  m.scratchpad = allocate(m.scratchpad_bytes);
  m.scratchpad_allocated = m.scratchpad ? m.scratchpad_bytes : 0;

  // Bind every primitive to its arena addresses once.
  for (CpuReorder& r : m.reorders) {
    r.args[DNNL_ARG_SRC] = dnnl::memory(m.layout[r.from], m.engine, m.address(r.from));
    r.args[DNNL_ARG_DST] = dnnl::memory(m.layout[r.to], m.engine, m.address(r.to));
    if (r.scratchpad_md.get_size() > 0)
      r.args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(r.scratchpad_md, m.engine, m.scratchpad.get());
  }
  for (size_t s = 0; s < m.steps.size(); ++s) {
    Impl::Step& exec = m.steps[s];
    std::vector<void*> ins, outs;
    for (int b : exec.reads) ins.push_back(m.address(b));
    for (int id : plan.steps()[s].outputs) outs.push_back(m.address(id));
    exec.kernel->bind(m.engine, ins, outs, m.scratchpad.get());
    const int out0 = plan.steps()[s].outputs.empty() ? -1 : plan.steps()[s].outputs[0];
    step_info_[s].in_place = out0 >= 0 && m.mem.alias_of[out0] >= 0;
  }
  // DNNCOST_CPU_VERBOSE=1: how each step runs (as DNNL_VERBOSE does for oneDNN's primitives).
  if (const char* verbose = std::getenv("DNNCOST_CPU_VERBOSE"); verbose && std::string(verbose) != "0") {
    for (size_t s = 0; s < step_info_.size(); ++s) {
      const CpuStepInfo& info = step_info_[s];
      std::cerr << "dnncost cpu: step " << s << " " << plan.steps()[s].node->op_type << " '"
                << plan.steps()[s].node->name << "': " << info.implementation;
      for (const auto& r : info.input_reorders) std::cerr << "; reorder " << r;
      for (const auto& l : info.output_layouts) std::cerr << "; out " << l;
      std::cerr << (info.in_place ? "; in place" : "") << "\n";
    }
    std::cerr << "dnncost cpu: arena " << m.mem.arena_bytes << " bytes, scratchpad " << m.scratchpad_bytes
              << " bytes, " << m.reorders.size() << " reorder(s), " << m.fallbacks << " step(s) on ref\n";
  }
  for (int id : plan.output_ids()) {
    if (values[id].constant || cpu::is_plain(m.layout[id])) {
      m.output_source.emplace_back();
      continue;
    }
    m.output_source.emplace_back(dnnl::memory(m.layout[id], m.engine, m.address(id)),
                                 cpu::plain_desc(values[id].shape, values[id].dtype));
  }
}

CpuSession::~CpuSession() = default;

std::string CpuSession::device_name() const {
  return "cpu (oneDNN " + onednn_version() + ", " + std::to_string(impl_->threads) + " thread" +
         (impl_->threads == 1 ? "" : "s") + ")";
}

nlohmann::json CpuSession::device_json() const {
  return {{"kind", "cpu"},
          {"name", device_name()},
          {"threads", impl_->threads},
          {"onednn", onednn_version()},
          {"isa", isa_name(dnnl::get_effective_cpu_isa())},
          {"fallback_steps", impl_->fallbacks},
          {"reorders", reorders()},
          {"openmp_environment", openmp_environment()},
          {"description", "oneDNN primitives where they exist, the reference loops otherwise"}};
}

void CpuSession::set_inputs(const std::vector<std::shared_ptr<const Tensor>>& inputs) {
  check_inputs(inputs);
  const auto& in_ids = plan_.input_ids();
  for (size_t k = 0; k < in_ids.size(); ++k) {
    void* dst = impl_->address(in_ids[k]);
    if (dst && inputs[k]->bytes()) std::memcpy(dst, inputs[k]->raw(), inputs[k]->bytes());
  }
}

void CpuSession::run_step(size_t i) {
  Impl& m = *impl_;
  Impl::Step& exec = m.steps[i];
  try {
    for (int r : exec.reorders) m.reorders[r].primitive.execute(m.stream, m.reorders[r].args);
    exec.kernel->execute(m.stream);
    m.stream.wait();
  } catch (...) {
    const PlanStep& step = plan_.steps()[i];
    rethrow_with_node_context(plan_.graph().path, step.node->name, step.node->op_type);
  }
}

void CpuSession::run() {
  Impl& m = *impl_;
  size_t i = 0;
  try {
    for (; i < m.steps.size(); ++i) {
      Impl::Step& exec = m.steps[i];
      for (int r : exec.reorders) m.reorders[r].primitive.execute(m.stream, m.reorders[r].args);
      exec.kernel->execute(m.stream);
    }
    m.stream.wait();
  } catch (...) {
    const PlanStep& step = plan_.steps()[std::min(i, m.steps.size() - 1)];
    rethrow_with_node_context(plan_.graph().path, step.node->name, step.node->op_type);
  }
}

std::vector<Tensor> CpuSession::outputs() {
  Impl& m = *impl_;
  return collect_outputs([this, &m](size_t k, Tensor& t) {
    if (m.output_source[k].first) {
      dnnl::memory plain(m.output_source[k].second, m.engine, t.raw());
      dnnl::reorder(m.output_source[k].first, plain).execute(m.stream, m.output_source[k].first, plain);
      m.stream.wait();
    } else if (t.bytes()) {
      std::memcpy(t.raw(), m.address(plan_.output_ids()[k]), t.bytes());
    }
  });
}

SessionMemory CpuSession::memory() const {
  const Impl& m = *impl_;
  SessionMemory s;
  s.weight_bytes = m.weight_bytes;
  s.arena_planned = m.mem.arena_bytes;
  s.arena_allocated = m.arena_allocated;
  s.workspace_planned = m.scratchpad_bytes;
  s.workspace_allocated = m.scratchpad_allocated;
  s.naive_activation_bytes = m.mem.naive_bytes;
  s.in_place = m.mem.in_place;
  return s;
}

nlohmann::json CpuSession::step_json(size_t i) const {
  if (i >= step_info_.size()) return nullptr;
  const CpuStepInfo& s = step_info_[i];
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  nlohmann::json details = {{"layouts", joined(s.output_layouts)}};
  const CpuKernel* kernel = impl_->steps[i].kernel.get();
  const int64_t scratchpad = kernel ? static_cast<int64_t>(kernel->scratchpad_bytes) : 0;
  if (!s.input_reorders.empty()) details["reorders"] = joined(s.input_reorders);
  if (s.in_place) details["in_place"] = "yes";
  return {{"implementation", s.implementation},
          {"input_reorders", s.input_reorders},
          {"output_layouts", s.output_layouts},
          {"in_place", s.in_place},
          {"workspace_bytes", scratchpad},  // this step's oneDNN scratchpad (the session holds the largest)
          {"details", details}};
}
int CpuSession::fallback_steps() const { return impl_->fallbacks; }
int CpuSession::reorders() const { return static_cast<int>(impl_->reorders.size()); }

static const bool cpu_registered = DeviceRegistry::instance().add(
    "cpu", [](const Plan& p, const DeviceSpec& spec) { return std::make_unique<CpuSession>(p, spec); },
    "oneDNN " + CpuSession::onednn_version() + ", " + std::to_string(omp_get_max_threads()) +
        " threads by default (--threads N); ops without a oneDNN primitive run the reference loops");

}  // namespace dnncost
