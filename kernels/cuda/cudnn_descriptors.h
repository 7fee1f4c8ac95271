// Owning wrappers of the cuDNN legacy descriptors the cuda kernels use (tensor, filter, convolution, pooling,
// activation, LRN): created in the constructor, destroyed with the kernel, every call checked.
#pragma once

#include <cudnn.h>

#include <string>
#include <vector>

#include "kernels/cuda/plan_common.h"
#include "kernels/cuda/cuda_check.h"

namespace dnncost::cuda {

// Makes a non-copyable owner of a cuDNN descriptor type from its create/destroy functions.
#define DNNCOST_CUDNN_DESCRIPTOR(Name, Type, create, destroy) \
  class Name {                                                \
   public:                                                    \
    Name() { DNNCOST_CUDNN_CHECK(create(&d_)); }              \
    ~Name() { destroy(d_); }                                  \
    Name(const Name&) = delete;                               \
    Name& operator=(const Name&) = delete;                    \
    Type get() const { return d_; }                           \
    operator Type() const { return d_; }                      \
                                                              \
   private:                                                   \
    Type d_ = nullptr;                                        \
  };

DNNCOST_CUDNN_DESCRIPTOR(TensorDesc, cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor)
DNNCOST_CUDNN_DESCRIPTOR(FilterDesc, cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor)
DNNCOST_CUDNN_DESCRIPTOR(ConvDesc, cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                         cudnnDestroyConvolutionDescriptor)
DNNCOST_CUDNN_DESCRIPTOR(PoolDesc, cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor,
                         cudnnDestroyPoolingDescriptor)
DNNCOST_CUDNN_DESCRIPTOR(ActivationDesc, cudnnActivationDescriptor_t, cudnnCreateActivationDescriptor,
                         cudnnDestroyActivationDescriptor)
DNNCOST_CUDNN_DESCRIPTOR(LrnDesc, cudnnLRNDescriptor_t, cudnnCreateLRNDescriptor, cudnnDestroyLRNDescriptor)

#undef DNNCOST_CUDNN_DESCRIPTOR

// A packed (row-major, NCHW / NCDHW) float tensor of 4 or 5 int dims.
inline void set_packed(const TensorDesc& d, const std::vector<int>& dims, cudnnDataType_t type = CUDNN_DATA_FLOAT) {
  const std::vector<int> strides = cuda_geometry::packed_strides(dims);
  DNNCOST_CUDNN_CHECK(cudnnSetTensorNdDescriptor(d, type, static_cast<int>(dims.size()), dims.data(), strides.data()));
}

// "NCHW", "NCDHW": the layout names `info --device cuda` shows (every cuda activation is plain row-major).
inline std::string layout_name(size_t rank) {
  switch (rank) {
    case 3:
      return "NCW";
    case 4:
      return "NCHW";
    case 5:
      return "NCDHW";
    default:
      return "row-major";
  }
}

}  // namespace dnncost::cuda
