/* int_math.h — the integer arithmetic that the CPU kernels (cpu/) and the GPU jobs' plans
 * (ops_gpu_*.c) both use to cut work into tiles, splits and groups. Not installed. */
#ifndef ATTN_INT_MATH_H
#define ATTN_INT_MATH_H

#include <stdint.h>

static inline int64_t attn_ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

static inline int64_t attn_min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

#endif
