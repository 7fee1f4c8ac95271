// Ops whose output shape depends on the input's values: NonZero (the coordinates of the non-zero elements) and Unique
// (the distinct values). dnncost plans one set of static shapes before anything runs, so on a tensor computed at run
// time they are a clear error naming the node and why; NonZero of a tensor known at plan time (a constant, or one
// computed from shapes) is evaluated there, and the planner folds it. Cost: 0 FLOPs (folded).
#include <sstream>

#include "layers/registry.h"

namespace dnncost {
namespace {

// The message both ops give for an input computed at run time.
std::string data_dependent_message(const char* what) {
  return std::string("output shape depends on the input's values (data-dependent: ") + what +
         "), but the input is computed at run time; dnncost plans static shapes before running, so it needs the "
         "input known at plan time (a constant or computed from shapes)";
}

// NonZero (opset 9, 13): int64 [rank, count] with the coordinates of each non-zero element in row-major order.
class NonZero : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    DNNCOST_LAYER_EXPECT(in[0].constant != nullptr, data_dependent_message("one column per non-zero element"));
    const Tensor& x = *in[0].constant;
    coordinates_.clear();
    const int64_t rank = x.rank();
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
    int64_t count = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (x.value_as_double(i) != 0.0) {
        coordinates_.insert(coordinates_.end(), pos.begin(), pos.end());
        ++count;
      }
      for (int64_t a = rank - 1; a >= 0; --a) {  // next coordinate
        if (++pos[a] < x.shape()[a]) break;
        pos[a] = 0;
      }
    }
    count_ = count;
    return {{DType::kInt64, {rank, count}}};
  }

  // Runs only when folded (infer() refuses an input computed at run time); the coordinates are transposed to
  // [rank, count].
  void forward_ref(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const int64_t rank = in[0]->rank();
    int64_t* y = out[0]->data<int64_t>();
    for (int64_t c = 0; c < count_; ++c)
      for (int64_t a = 0; a < rank; ++a) y[a * count_ + c] = coordinates_[c * rank + a];
  }

 private:
  std::vector<int64_t> coordinates_;  // [count, rank], as found
  int64_t count_ = 0;
};

// Unique (opset 11): its outputs' lengths are the number of distinct values. Refused on run-time inputs like
// NonZero; on a plan-time constant too (no export met so far folds one).
class Unique : public Layer {
 public:
  using Layer::Layer;

  std::vector<OutputDesc> infer(const std::vector<ValueDesc>& in) override {
    expect_inputs(in, 1, 1);
    DNNCOST_LAYER_EXPECT(in[0].constant != nullptr, data_dependent_message("one element per distinct value"));
    fail("Unique of a tensor known at plan time is not supported (its output shape depends on the values; dnncost "
         "evaluates only NonZero of the data-dependent ops at plan time)");
  }
  void forward_ref(const std::vector<const Tensor*>&, const std::vector<Tensor*>&) override {}
};

DNNCOST_REGISTER_LAYER("NonZero", NonZero);
DNNCOST_REGISTER_LAYER("Unique", Unique);

}  // namespace
}  // namespace dnncost
