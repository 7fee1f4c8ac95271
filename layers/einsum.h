// Einsum (layers/einsum.cpp): EinsumParams, the equation as the layer resolved it against the operands' shapes, which a
// device kernel can read instead of the node (a two-operand Einsum is a batched matrix product: see
// EinsumParams::classify).
#pragma once

#include <cstdint>
#include <vector>

namespace dnncost {

struct EinsumParams {
  // Every distinct index ("label") of the equation, the ellipsis' broadcast dimensions included: the output's labels
  // first, in output order, then the summed ones. sizes[l] is label l's size (the largest over the operands).
  std::vector<int64_t> sizes;
  int64_t output_labels = 0;  // the output's shape is sizes[0 .. output_labels), row-major
  // strides[k][l]: element stride of operand k along label l; 0 where k lacks l or has it with size 1 (broadcast). A
  // label repeated within one operand (a diagonal, "ii->i") has the sum of its dimensions' strides.
  std::vector<std::vector<int64_t>> strides;

  // Roles of the labels in a two-operand Einsum, as a batched product C[b, m, n] = sum_k A[b, m, k] * B[b, k, n]:
  // batch (in the output and both operands), m (output and A only), n (output and B only), k (summed, in both),
  // a_sum / b_sum (summed, in one operand only: summed there first). Labels of size 1 go to batch or k.
  struct Roles {
    std::vector<int64_t> batch, m, n, k, a_sum, b_sum;  // label indices
  };
  Roles classify() const {
    Roles r;
    for (int64_t l = 0; l < static_cast<int64_t>(sizes.size()); ++l) {
      const bool in_a = strides[0][l] != 0, in_b = strides[1][l] != 0, out = l < output_labels;
      if (out)
        (in_a && !in_b ? r.m : (!in_a && in_b ? r.n : r.batch)).push_back(l);
      else
        (in_a && !in_b ? r.a_sum : (!in_a && in_b ? r.b_sum : r.k)).push_back(l);
    }
    return r;
  }
};

}  // namespace dnncost
