/* portable.h — one GPU kernel source for OpenCL and CUDA (hashcat's inc_vendor.h pattern).
 *
 * The kernels in this folder are written in the OpenCL C dialect; this header maps what
 * differs (address spaces, barriers, work-group indices, math, fp16/bf16 loads, 64-bit
 * indices) so that NVRTC compiles the same text as CUDA C++. The host prepends it to the
 * kernel source (gpu_source.c is both, embedded at build time), so it must not be #included.
 * Problem dimensions arrive as -D defines; every kernel is 1-D inside a work-group of
 * LOCAL_SIZE_X work-items and indexes its group with GROUP_X/Y/Z.
 */
#if defined(__OPENCL_VERSION__)

#define KERNEL __kernel void
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_PTR __local /* a pointer parameter into local memory */
#define RESTRICT restrict
#define FN static inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GROUP_X ((int)get_group_id(0))
#define GROUP_Y ((int)get_group_id(1))
#define GROUP_Z ((int)get_group_id(2))
#define LOCAL_X ((int)get_local_id(0))
#define LOCAL_SIZE_X ((int)get_local_size(0))
#define EXPF(x) exp(x)
#define SQRTF(x) sqrt(x)
#define FMAXF(a, b) fmax(a, b)
#define NEG_INF (-INFINITY)
#define AS_FLOAT(bits) as_float(bits)
#define LOAD_HALF(p, i) vload_half((i), (GLOBAL const half *)(p))
typedef long idx_t;

#else /* CUDA through NVRTC */

/* Every block of the job fits: registers are capped so that ATTN_MAX_LOCAL threads (the job's
 * largest work-group, added by the host) can be resident, instead of failing at launch with
 * CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES. */
#ifndef ATTN_MAX_LOCAL
#define ATTN_MAX_LOCAL 1024
#endif
#define KERNEL extern "C" __global__ void __launch_bounds__(ATTN_MAX_LOCAL)
#define GLOBAL
#define LOCAL __shared__
#define LOCAL_PTR
#define RESTRICT __restrict__
#define FN static __device__ __forceinline__
#define BARRIER() __syncthreads()
#define GROUP_X ((int)blockIdx.x)
#define GROUP_Y ((int)blockIdx.y)
#define GROUP_Z ((int)blockIdx.z)
#define LOCAL_X ((int)threadIdx.x)
#define LOCAL_SIZE_X ((int)blockDim.x)
#define EXPF(x) expf(x)
#define SQRTF(x) sqrtf(x)
#define FMAXF(a, b) fmaxf(a, b)
#define NEG_INF (-__int_as_float(0x7f800000))
#define AS_FLOAT(bits) __uint_as_float(bits)
typedef unsigned int uint;
typedef unsigned short ushort;
typedef long long idx_t;

static __device__ __forceinline__ float LOAD_HALF(const ushort *p, idx_t i)
{
    float value;
    asm("cvt.f32.f16 %0, %1;" : "=f"(value) : "h"(p[i]));
    return value;
}

#endif

FN int imin(int a, int b)
{
    return a < b ? a : b;
}

FN int imax(int a, int b)
{
    return a > b ? a : b;
}
