// Expand (opset 8, 13): broadcasts the input to the shape given by input 'shape' (int64, known at plan time), with
// numpy's rules in both directions (a 1 in 'shape' keeps the input's size; 'shape' may have fewer dimensions).
// Any element type. Data movement: 0 FLOPs; 'shape' is data.
#include <sstream>

#include "kernels/broadcast.h"
#include "kernels/element_bytes.h"
#include "layers/plan_time_input.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class Expand : public PlanTimeInputLayer {
 public:
  using PlanTimeInputLayer::PlanTimeInputLayer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    const size_t bytes = dtype_size(in[0].dtype);
    DNNCOST_LAYER_EXPECT(bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8,
                         "input has element type " << dtype_name(in[0].dtype) << ", which dnncost cannot hold");
    DNNCOST_LAYER_EXPECT(in[1].dtype == DType::kInt64,
                         "input 'shape' must be int64, got " << dtype_name(in[1].dtype));
    const Shape target = plan_time_ints(in[1], "input 'shape'");
    for (int64_t d : target)
      DNNCOST_LAYER_EXPECT(d >= 0, "input 'shape' " << shape_str(target) << " has a negative dimension " << d);
    Shape out;
    std::string why;
    DNNCOST_LAYER_EXPECT(broadcast_shapes({in[0].shape, target}, &out, &why),
                         "the input cannot be expanded to input 'shape': " << why);
    indexer_ = BroadcastIndexer({in[0].shape}, out);
    element_bytes_ = bytes;
    return {{in[0].dtype, out}};
  }

  // Default count(): 0 MACs, 0 FLOPs (data movement).

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    with_element_bytes(element_bytes_, [&](auto tag) {
      using U = decltype(tag);
      broadcast_copy(indexer_, static_cast<const U*>(in[0]->raw()), static_cast<U*>(out[0]->raw()));
    });
  }

 private:
  BroadcastIndexer indexer_;
  size_t element_bytes_ = 0;
};

DNNCOST_REGISTER_LAYER("Expand", Expand);

}  // namespace
}  // namespace dnncost
