// Where (opset 9, 16): Y = X where `condition` is true, else Y's second operand, with numpy broadcasting of all three.
// X and Y share any element type (float32 masks, int64 shape vectors); the condition is bool.
//
// Cost: 0 FLOPs. Where selects, it computes nothing: the comparison that made the condition is counted where it
// happens (Equal, Less, ...), as masked_fill's exports write it. Constant operands (the -inf fill) are data.
#include <sstream>

#include "kernels/broadcast.h"
#include "kernels/compare_functors.h"
#include "kernels/element_bytes.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Where : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 3, 3);
    static const char* const kNames[] = {"input 'condition'", "input X", "input Y"};
    for (size_t k = 0; k < 3; ++k) DNNCOST_LAYER_EXPECT(in[k].present, kNames[k] << " is missing (all are required)");
    DNNCOST_LAYER_EXPECT(in[0].dtype == DType::kBool,
                         "input 'condition' has element type " << dtype_name(in[0].dtype) << ", expected bool");
    DNNCOST_LAYER_EXPECT(in[1].dtype == in[2].dtype, "inputs X and Y must have the same element type, got "
                                                         << dtype_name(in[1].dtype) << " and "
                                                         << dtype_name(in[2].dtype));
    const size_t bytes = dtype_size(in[1].dtype);
    DNNCOST_LAYER_EXPECT(bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8,
                         "inputs X and Y have element type " << dtype_name(in[1].dtype) << ", which dnncost cannot hold");
    Shape out;
    std::string why;
    DNNCOST_LAYER_EXPECT(broadcast_shapes({in[0].shape, in[1].shape, in[2].shape}, &out, &why),
                         "inputs condition, X and Y: " << why);
    indexer_ = BroadcastIndexer({in[0].shape, in[1].shape, in[2].shape}, out);
    element_bytes_ = bytes;
    return {{in[1].dtype, out}};
  }

  // Default count(): 0 MACs, 0 FLOPs (a selection).

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const uint8_t* condition = in[0]->data<uint8_t>();
    with_element_bytes(element_bytes_, [&](auto tag) {
      using U = decltype(tag);
      broadcast_ternary(indexer_, condition, static_cast<const U*>(in[1]->raw()), static_cast<const U*>(in[2]->raw()),
                        static_cast<U*>(out[0]->raw()), SelectFn{});
    });
  }

 private:
  BroadcastIndexer indexer_;
  size_t element_bytes_ = 0;
};

DNNCOST_REGISTER_LAYER("Where", Where);

}  // namespace
}  // namespace dnncost
