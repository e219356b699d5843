/* checked.h — 64-bit arithmetic that reports overflow instead of wrapping.
 *
 * Every size attnscope prints goes through these, so 1M context x batch 4096 x 128 layers is
 * either exact or ATTN_ERR_OVERFLOW; there is no silent wrap-around anywhere in the sums.
 */
#ifndef ATTN_CHECKED_H
#define ATTN_CHECKED_H

#include <stdint.h>

#include "attnscope.h"

static inline int attn_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_mul_overflow(a, b, out) ? ATTN_ERR_OVERFLOW : ATTN_OK;
}

static inline int attn_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_add_overflow(a, b, out) ? ATTN_ERR_OVERFLOW : ATTN_OK;
}

/* *acc += a * b */
static inline int attn_fma_u64(uint64_t *acc, uint64_t a, uint64_t b)
{
    uint64_t product;
    if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(*acc, product, acc))
        return ATTN_ERR_OVERFLOW;
    return ATTN_OK;
}

/* A running sum of products that keeps its first overflow, so a long sum is checked once. */
typedef struct attn_sum {
    uint64_t total;
    int rc;
} attn_sum;

static inline void attn_sum_add(attn_sum *sum, uint64_t a, uint64_t b)
{
    if (!sum->rc)
        sum->rc = attn_fma_u64(&sum->total, a, b);
}

static inline uint64_t attn_ceil_div_u64(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

#endif
