// Identity and Dropout: output = input (a memcpy, any element type). Dropout runs as at inference: nothing is
// dropped or scaled, and the optional mask output is all true (ones). Data movement: MACs = FLOPs = 0.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <sstream>

#include "layers/data_movement.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

// Fills `t` with the value 1 of its element type (a Dropout mask of "keep everything").
void fill_with_ones(Tensor& t) {
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::kBool:
    case DType::kUint8:
    case DType::kInt8:
      if (t.bytes()) std::memset(t.raw(), 1, t.bytes());  // an empty tensor has no storage (nullptr)
      break;
    case DType::kFloat32: std::fill_n(static_cast<float*>(t.raw()), n, 1.f); break;
    case DType::kFloat64: std::fill_n(static_cast<double*>(t.raw()), n, 1.0); break;
    case DType::kFloat16: std::fill_n(static_cast<uint16_t*>(t.raw()), n, float_to_half(1.f)); break;
    case DType::kBFloat16: std::fill_n(static_cast<uint16_t*>(t.raw()), n, float_to_bfloat16(1.f)); break;
    case DType::kInt16:
    case DType::kUint16: std::fill_n(static_cast<uint16_t*>(t.raw()), n, uint16_t{1}); break;
    case DType::kInt32:
    case DType::kUint32: std::fill_n(static_cast<uint32_t*>(t.raw()), n, uint32_t{1}); break;
    case DType::kInt64:
    case DType::kUint64: std::fill_n(static_cast<uint64_t*>(t.raw()), n, uint64_t{1}); break;
    default: throw ModelError("cannot fill a tensor of type " + dtype_name(t.dtype()) + " with ones");
  }
}

// Identity (opset 1, 13, 14, 16): tensors of any type; sequences and optionals (opset 14/16) are not tensors
// and are rejected by the importer.
class Identity : public DataMovementLayer {
 public:
  using DataMovementLayer::DataMovementLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    return {{in[0].dtype, in[0].shape}};
  }
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    copy_bytes(*in[0], *out[0]);
  }
  int in_place_input() const override { return 0; }
};

// Dropout (opset 1, 6, 7, 10, 12, 13). dnncost runs inference, so output = input:
//  - opset 1-6: the is_test attribute is ignored (as onnx-tensorrt does); models of that era set it for
//    inference, and a training-mode Dropout would make every run random;
//  - opset 7-11: the ratio attribute does not matter at inference;
//  - opset 12+: inputs ratio (default 0.5) and training_mode (default false). training_mode = true is an
//    error unless ratio = 0 (then nothing is dropped either); when training_mode or ratio is only known at
//    run time, forward checks it.
// The mask output has the input's type (ones) before opset 10 and is bool (true) from opset 10.
class Dropout : public DataMovementLayer {
 public:
  using DataMovementLayer::DataMovementLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    if (ctx().opset < 12) {
      expect_inputs(in, 1, 1);
    } else {
      expect_inputs(in, 1, 3);
      check_inference_only(in);
    }
    const DType mask_type = ctx().opset < 10 ? in[0].dtype : DType::kBool;
    return {{in[0].dtype, in[0].shape}, {mask_type, in[0].shape}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (check_at_run_time_) {
      const bool training = in.size() > 2 && in[2] && in[2]->value_as_double(0) != 0;
      const double ratio = in.size() > 1 && in[1] ? in[1]->value_as_double(0) : 0.5;
      if (training && ratio != 0) reject_training(ratio);
    }
    copy_bytes(*in[0], *out[0]);
    if (out.size() > 1 && out[1]) fill_with_ones(*out[1]);
  }
  int in_place_input() const override { return 0; }

 private:
  // Opset 12+: validates the ratio and training_mode inputs and rejects random dropout where it can at plan
  // time; otherwise arranges a run-time check.
  void check_inference_only(const std::vector<ValueDesc>& in) {
    const bool has_ratio = in.size() > 1 && in[1].present;
    const bool has_training = in.size() > 2 && in[2].present;
    double ratio = 0.5;
    bool ratio_known = true;
    if (has_ratio) {
      DNNCOST_LAYER_EXPECT(dtype_is_float(in[1].dtype) && in[1].numel() == 1,
                           "input 'ratio' must be a floating-point scalar, got " << dtype_name(in[1].dtype) << " "
                                                                                 << shape_str(in[1].shape));
      ratio_known = in[1].constant != nullptr;
      if (ratio_known) {
        ratio = in[1].constant->value_as_double(0);
        DNNCOST_LAYER_EXPECT(ratio >= 0 && ratio < 1, "ratio " << ratio << " is out of range; expected 0 <= ratio < 1");
      }
    }
    if (!has_training) return;
    DNNCOST_LAYER_EXPECT(in[2].dtype == DType::kBool && in[2].numel() == 1,
                         "input 'training_mode' must be a bool scalar, got " << dtype_name(in[2].dtype) << " "
                                                                             << shape_str(in[2].shape));
    if (in[2].constant == nullptr) {
      check_at_run_time_ = true;
      return;
    }
    const bool training = in[2].constant->value_as_double(0) != 0;
    if (!training) return;
    if (!ratio_known) {
      check_at_run_time_ = true;
      return;
    }
    if (ratio != 0) reject_training(ratio);
  }

  [[noreturn]] void reject_training(double ratio) const {
    std::ostringstream os;
    os << "training_mode is true with ratio " << ratio << ": random dropout is training behaviour, which "
       << "dnncost (an inference engine) does not run; expected training_mode false (or ratio 0)";
    fail(os.str());
  }

  bool check_at_run_time_ = false;  // training_mode or ratio is only known when running
};

DNNCOST_REGISTER_LAYER("Identity", Identity);
DNNCOST_REGISTER_LAYER("Dropout", Dropout);

}  // namespace
}  // namespace dnncost
