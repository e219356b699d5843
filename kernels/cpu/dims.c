/* dims.c — validation of problem shapes before any kernel touches a buffer.
 *
 * Every dimension must be positive (the token counts may be 0), fit BLAS's 32-bit indices, and
 * every buffer's element count must fit comfortably in 64 bits, so that no size wraps.
 */
#include <limits.h>

#include "cpu_internal.h"

#define DIM_MAX ((int64_t)INT_MAX)
#define ELEMS_MAX ((int64_t)1 << 62)

int64_t attn_checked_product(int count, const int64_t *factors)
{
    int64_t product = 1;
    for (int i = 0; i < count; i++) {
        if (factors[i] < 0)
            return -1;
        if (factors[i] != 0 && product > ELEMS_MAX / factors[i])
            return -1;
        product *= factors[i];
    }
    return product;
}

static bool in_range(int64_t value, int64_t lowest)
{
    return value >= lowest && value <= DIM_MAX;
}

int attn_dims_check(const attn_dims *dims)
{
    if (!dims || !in_range(dims->batch, 1) || !in_range(dims->heads, 1)
        || !in_range(dims->kv_heads, 1) || !in_range(dims->n_q, 0) || !in_range(dims->n_kv, 0)
        || !in_range(dims->d_qk, 1) || !in_range(dims->d_v, 1)
        || dims->heads % dims->kv_heads != 0)
        return ATTN_ERR_RANGE;
    int64_t q[] = {dims->batch, dims->heads, dims->n_q, dims->d_qk > dims->d_v ? dims->d_qk : dims->d_v};
    int64_t kv[] = {dims->batch, dims->kv_heads, dims->n_kv, dims->d_qk + dims->d_v};
    int64_t scores[] = {dims->n_q, dims->n_kv};
    if (attn_checked_product(4, q) < 0 || attn_checked_product(4, kv) < 0
        || attn_checked_product(2, scores) < 0)
        return ATTN_ERR_RANGE;
    return ATTN_OK;
}

int attn_mla_dims_check(const attn_mla_dims *dims)
{
    if (!dims || !in_range(dims->batch, 1) || !in_range(dims->heads, 1)
        || !in_range(dims->n_q, 0) || !in_range(dims->n_kv, 0) || !in_range(dims->d_c, 1)
        || !in_range(dims->d_r, 0) || !in_range(dims->d_n, 1) || !in_range(dims->d_v, 1))
        return ATTN_ERR_RANGE;
    int64_t width = dims->d_c + dims->d_r + dims->d_n + dims->d_v;
    int64_t queries[] = {dims->batch, dims->heads, dims->n_q, width};
    int64_t heads_kv[] = {dims->batch, dims->heads, dims->n_kv, width};
    int64_t scores[] = {dims->n_q, dims->n_kv};
    if (attn_checked_product(4, queries) < 0 || attn_checked_product(4, heads_kv) < 0
        || attn_checked_product(2, scores) < 0)
        return ATTN_ERR_RANGE;
    return ATTN_OK;
}
