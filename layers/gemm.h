// Gemm (layers/gemm.cpp): GemmParams, its attributes as the layer parsed them (ONNX defaults applied), which the
// device kernels (kernels/cpu/gemm.cpp, kernels/cuda/gemm.cu) read instead of the node.
#pragma once

namespace dnncost {

// Y = alpha * op(A) op(B) + beta * C, op transposing when trans_a / trans_b.
struct GemmParams {
  float alpha = 1.f, beta = 1.f;
  bool trans_a = false, trans_b = false;
};

}  // namespace dnncost
