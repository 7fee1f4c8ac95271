// DNNCOST_HD marks functions compiled for both the CPU and (under nvcc) the GPU.
#pragma once

#ifdef __CUDACC__
#define DNNCOST_HD __host__ __device__ inline
#else
#define DNNCOST_HD inline
#endif
