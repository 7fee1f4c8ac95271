// PRelu: Y = X for X >= 0, slope * X below, with a learned slope broadcast onto X.
//
// Opset >= 7: slope broadcasts unidirectionally (numpy rules) to X's shape. Opset < 7 described the slope as
// one value or one per channel; a 1-D slope of X's channel count (dimension 1) is applied per channel there.
#include <sstream>

#include "kernels/broadcast.h"
#include "kernels/elementwise_functors.h"
#include "layers/registry.h"

namespace dnncost {
namespace {

class PRelu : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 2, 2);
    expect_float(in[0], "input X");
    expect_float(in[1], "input slope");
    const Shape& x = in[0].shape;
    Shape slope = in[1].shape;
    if (ctx().opset < 7 && slope.size() == 1 && x.size() >= 2 && slope[0] == x[1]) {
      slope = Shape(x.size() - 1, 1);  // [C] -> [C, 1, ..., 1]: per channel
      slope[0] = x[1];
    }
    DNNCOST_LAYER_EXPECT(broadcasts_to(slope, x),
                         "input slope " << shape_str(in[1].shape) << " must broadcast to X " << shape_str(x)
                                        << " (unidirectional numpy broadcasting: aligned from the last dimension, "
                                        << "sizes equal to X's or 1; a per-channel slope of [N, C, H, W] is "
                                           "[C, 1, 1])");
    indexer_ = BroadcastIndexer({x, slope}, x);
    return {{DType::kFloat32, x}};
  }

  OpCount count(const std::vector<ValueDesc>&, const std::vector<ValueDesc>& out) const override {
    return {0, PReluFn::kFlops * out[0].numel()};
  }

  InputRole input_role(size_t i, const ValueDesc&) const override {
    return i == 1 ? InputRole::kParam : InputRole::kData;
  }

  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    broadcast_binary(indexer_, in[0]->data<float>(), in[1]->data<float>(), out[0]->data<float>(), PReluFn{});
  }
  int in_place_input() const override { return 0; }  // Y has X's shape; Y[i] reads X[i] only

 private:
  BroadcastIndexer indexer_;
};

DNNCOST_REGISTER_LAYER("PRelu", PRelu);

}  // namespace
}  // namespace dnncost
