// CPU kernels of the `cpu` device: the interface a oneDNN-backed step implements, the registry keyed by ONNX
// op_type that the session asks for one, and the memory-descriptor helpers the kernels share.
//
// The session (engine/cpu/cpu_session.cpp) tells a kernel factory in which layout each input was written by its
// producer; the factory builds the oneDNN primitive (once, at plan time), says in which layout it wants each
// input (the session inserts a reorder where that differs) and in which layout it writes each output. A factory
// returns nullptr when it does not handle the configuration: the step then runs the layer's forward_ref on plain
// row-major buffers.
#pragma once

#include <dnnl.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/factory_map.h"
#include "core/graph.h"
#include "layers/step.h"

namespace dnncost::cpu {

using dnnl::memory;

// What a kernel factory is given for one plan step: the step (StepView) and the cpu device's state.
struct KernelRequest : StepView {
  const dnnl::engine& engine;
  // Per step input: the layout its producer wrote it in; an empty descriptor for absent inputs, plan-time
  // constants and values oneDNN cannot describe (integer shape tensors, scalars).
  std::vector<memory::desc> layouts;

  // Input i is present, computed at run time and float32 with a layout oneDNN can describe.
  bool runtime_float(size_t i) const {
    return present(i) && !constant(i) && input(i).dtype == DType::kFloat32 && !layouts[i].is_zero();
  }
};

// One step on the cpu device. Built at plan time; execute() only runs primitives.
class CpuKernel {
 public:
  virtual ~CpuKernel() = default;

  // Per step input: the layout execute() reads it in (empty: not read from the arena, e.g. a constant).
  std::vector<memory::desc> input_layouts;
  // Per step output: the layout execute() writes (empty only for absent outputs or non-oneDNN values).
  std::vector<memory::desc> output_layouts;
  // An input whose buffer output 0 may share (same layout, and the primitive allows it), or -1.
  int in_place_input = -1;
  size_t scratchpad_bytes = 0;  // user-managed scratchpad the primitives need (the session plans the largest)
  int64_t weight_bytes = 0;     // constants held in the kernel's own layout (reordered weights, biases, stats)
  std::string implementation;   // e.g. "oneDNN brgconv:avx512_core", "ref"

  // Called once after the memory plan: the arena addresses of the inputs (nullptr for constants and absent
  // inputs) and outputs, and the shared scratchpad.
  virtual void bind(const dnnl::engine& engine, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
                    void* scratchpad) = 0;
  virtual void execute(dnnl::stream& stream) = 0;
};

using KernelFactory = std::function<std::unique_ptr<CpuKernel>(const KernelRequest&)>;

// op_type -> factory; filled from static initializers in the kernels/cpu/<op>.cpp files.
class KernelRegistry : public FactoryMap<KernelFactory> {
 public:
  static KernelRegistry& instance();
};

#define DNNCOST_CPU_KERNEL_CAT(a, b) a##b
#define DNNCOST_CPU_KERNEL_NAME(line) DNNCOST_CPU_KERNEL_CAT(dnncost_cpu_kernel_registered_, line)
// Registers `factory` (a KernelFactory) for ONNX op_type `op_name`.
#define DNNCOST_REGISTER_CPU_KERNEL(op_name, factory) \
  static const bool DNNCOST_CPU_KERNEL_NAME(__LINE__) = ::dnncost::cpu::KernelRegistry::instance().add(op_name, factory)

// --- memory descriptors -----------------------------------------------------------------------------------

memory::dims to_dims(const Shape& s);
// oneDNN's element type for a dnncost one, or undef when oneDNN has none (int64, bool, ...).
memory::data_type to_dnnl_type(DType t);
// Plain row-major descriptor of a value; empty when oneDNN cannot describe it (type, rank 0, > 12 dims, or no
// elements).
memory::desc plain_desc(const Shape& shape, DType dtype);
memory::desc plain_desc(const Shape& shape);  // float32
// Descriptor that lets the primitive choose the layout.
memory::desc any_desc(const Shape& shape);
bool is_plain(const memory::desc& md);
// Short human name of a layout: "nchw", "nChw16c", "blocked".
std::string layout_name(const memory::desc& md);

// Primitive attributes every kernel uses: the scratchpad comes from the session.
dnnl::primitive_attr user_scratchpad_attr();
// The implementation oneDNN picked, e.g. "oneDNN jit:avx512_core".
std::string implementation_of(const dnnl::primitive_desc_base& pd);

// A copy of a constant tensor (plain, descriptor `from`) in layout `to`, in memory owned by the result.
memory reorder_constant(const dnnl::engine& engine, const Tensor& t, const memory::desc& from, const memory::desc& to);
memory reorder_constant(const dnnl::engine& engine, const float* data, const memory::desc& from,
                        const memory::desc& to);

// An element-wise function oneDNN has as one eltwise algorithm (Relu, LeakyRelu, Elu, Sigmoid, Tanh, Clip,
// HardSwish) or as a short chain of them (HardSigmoid = linear then clip to [0, 1]).
struct EltwiseStep {
  dnnl::algorithm algorithm;
  float alpha = 0.f, beta = 0.f;
};
// The chain for an ONNX activation op type with its parameters; empty when oneDNN has none.
std::vector<EltwiseStep> eltwise_chain(const std::string& op_type, float alpha, float beta);

// --- one primitive with arguments bound to arena slots ----------------------------------------------------

// Most kernels are one primitive whose arguments are step inputs / outputs (in the arena), memory the kernel
// owns (weights), and the shared scratchpad.
class PrimitiveKernel : public CpuKernel {
 public:
  void bind(const dnnl::engine& engine, const std::vector<void*>& inputs, const std::vector<void*>& outputs,
            void* scratchpad) override;
  void execute(dnnl::stream& stream) override { primitive_.execute(stream, args_); }

  // Building (at plan time). Sets the primitive and records its scratchpad size and implementation.
  void set_primitive(const dnnl::primitive& p, const dnnl::primitive_desc_base& pd);
  // Argument `arg` is step input / output `index`, seen through descriptor `md` (the layout itself, or a
  // reshaped view of the same bytes).
  void arg_input(int arg, size_t index, const memory::desc& md) { slots_.push_back({arg, kInput, index, md, {}}); }
  void arg_output(int arg, size_t index, const memory::desc& md) { slots_.push_back({arg, kOutput, index, md, {}}); }
  void arg_memory(int arg, const memory& m) { slots_.push_back({arg, kOwned, 0, m.get_desc(), m}); }
  // Keeps `m` as a weight: its bytes count in weight_bytes.
  void arg_weight(int arg, const memory& m) {
    weight_bytes += static_cast<int64_t>(m.get_desc().get_size());
    arg_memory(arg, m);
  }

 protected:
  dnnl::primitive primitive_;
  memory::desc scratchpad_md_;
  std::unordered_map<int, memory> args_;

 private:
  enum SlotKind { kInput, kOutput, kOwned };
  struct Slot {
    int arg;
    SlotKind kind;
    size_t index;
    memory::desc md;
    memory owned;
  };
  std::vector<Slot> slots_;
};

}  // namespace dnncost::cpu
