// The base the cuda device's own (non-cuDNN, non-cuBLAS) kernels share: where each operand's device address
// comes from (an arena input, or a plan-time constant uploaded into the weight region), binding, the launch check,
// and a factory wrapper that turns an unreadable configuration into nullptr (host fallback) instead of an
// exception. Included only by the kernels/cuda/<op>.cu files.
#pragma once

#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda/cuda_kernel.h"
#include "kernels/cuda/plan_common.h"
#include "kernels/cuda/launch_geometry.h"
#include "kernels/cuda/cuda_check.h"

namespace dnncost::cuda {

// Where one operand lives at run time: step input `input` (arena), or entry `constant` of CudaKernel::constants.
struct OperandSlot {
  int input = -1;
  int constant = -1;
};

class OwnKernel : public CudaKernel {
 public:
  void bind(const KernelBinding& b) override {
    operands_.clear();
    for (const OperandSlot& s : slots_) {
      if (s.constant >= 0)
        operands_.push_back(b.constants.at(static_cast<size_t>(s.constant)));
      else if (s.input >= 0)
        operands_.push_back(b.inputs.at(static_cast<size_t>(s.input)));
      else
        operands_.push_back(nullptr);
    }
    outputs_ = b.outputs;
    constant_addresses_ = b.constants;
    on_bind();
  }

  // Operand slot for step input i: its arena buffer, or (a plan-time constant) a copy uploaded with the weights.
  // Returns the operand's index for operand().
  size_t take_input(const KernelRequest& r, size_t i) {
    OperandSlot s;
    if (const Tensor* t = r.constant(i))
      s.constant = static_cast<int>(add_constant(t->raw(), static_cast<size_t>(t->bytes())));
    else if (r.present(i))
      s.input = static_cast<int>(i);
    slots_.push_back(s);
    return slots_.size() - 1;
  }

 protected:
  virtual void on_bind() {}  // kernels that derive launch parameters from the addresses (copy units)

  const void* operand(size_t k) const { return operands_[k]; }
  void* output(size_t k) const { return outputs_[k]; }
  void* constant_address(size_t k) const { return constant_addresses_[k]; }

 private:
  std::vector<OperandSlot> slots_;
  std::vector<const void*> operands_;
  std::vector<void*> outputs_;
  std::vector<void*> constant_addresses_;
};

// Throws a DeviceError when the last kernel launch failed (bad configuration, no kernel image for the GPU).
inline void check_launch(const char* kernel) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) throw_device_error("CUDA", kernel, cudaGetErrorString(status), __FILE__, __LINE__);
}

// A factory that answers nullptr (the step runs forward_ref on the host) when building throws: the layer has
// validated the node already, so an exception here means a configuration these kernels do not read.
template <typename Make>
KernelFactory guarded_factory(Make make) {
  return [make](const KernelRequest& r) -> std::unique_ptr<CudaKernel> {
    try {
      return make(r);
    } catch (const std::exception&) {
      return nullptr;
    }
  };
}

// "[a, b, c]" of the first n values.
inline std::string dims_text(const int64_t* dims, int n) {
  std::ostringstream os;
  os << "[";
  for (int i = 0; i < n; ++i) os << (i ? ", " : "") << dims[i];
  os << "]";
  return os.str();
}

inline const char* index_text(bool int32) { return int32 ? "int32" : "int64"; }

}  // namespace dnncost::cuda
