// Cast: converts every element to the type in `to` (an int since opset 6, a type name such as "FLOAT" in
// opset 1). Supported: float32/float64/float16/bfloat16, int8/16/32/64, uint8/16/32/64, bool, with the
// semantics of layers/element_convert.h (float -> float rounds to nearest even, float -> int truncates toward
// zero). Strings (and float8 or the int4 types of opset 21, which dnncost has no type for) are an error. The
// `saturate` attribute (opset 19, 0 or 1) only changes conversions to float8, so every supported target ignores it.
// FLOPs 0.
#include <sstream>

#include "layers/element_convert.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Cast : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    DType to = DType::kUndefined;
    std::string spelled;
    const auto it = node().attributes.find("to");
    if (it != node().attributes.end() && it->second.type == Attribute::Type::kString) {
      spelled = it->second.s;  // opset 1 names the type
      to = dtype_from_onnx_name(spelled);
    } else {
      const int64_t code = attrs().get_int("to");
      spelled = std::to_string(code);
      to = static_cast<DType>(code);
    }
    DNNCOST_LAYER_EXPECT(dtype_convertible(to),
                         "cast target 'to' = " << spelled << " (" << dtype_name(to)
                                               << ") is not supported; expected one of float, double, float16, "
                                                  "bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, "
                                                  "uint64, bool");
    DNNCOST_LAYER_EXPECT(dtype_convertible(in[0].dtype),
                         "input type " << dtype_name(in[0].dtype) << " cannot be cast by dnncost");
    if (attrs().has("saturate")) {
      DNNCOST_LAYER_EXPECT(ctx().opset >= 19,
                           "attribute 'saturate' exists from opset 19 on; this model uses opset " << ctx().opset);
      const int64_t saturate = attrs().get_int("saturate");
      DNNCOST_LAYER_EXPECT(saturate == 0 || saturate == 1, "saturate is " << saturate << ", expected 0 or 1");
    }
    to_ = to;
    return {{to, in[0].shape}};
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    convert_elements(in[0]->dtype(), in[0]->raw(), to_, out[0]->raw(), in[0]->numel());
  }

 private:
  DType to_ = DType::kUndefined;
};

DNNCOST_REGISTER_LAYER("Cast", Cast);

}  // namespace
}  // namespace dnncost
