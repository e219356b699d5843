/* standard.c — standard attention: scores materialised, GEMMs through CBLAS.
 *
 * The baseline whose n×n workspace and 4·n² traffic FlashAttention removes. Heads run one
 * after another with a single S buffer, so the measured peak is exactly n_q·n_kv·4 bytes.
 */
#include "cpu_internal.h"

int attn_cpu_standard(const attn_dims *dims, const float *q, const float *k, const float *v,
                      float *o, attn_kernel_stats *stats)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    attn_counter counter;
    attn_counter_begin(&counter);
    const attn_head_shape shape = attn_head_shape_of(dims);
    float *scores = attn_kalloc((size_t)(dims->n_q * dims->n_kv) * sizeof *scores);
    if (!scores)
        return ATTN_ERR_NOMEM;
    for (int64_t b = 0; b < dims->batch; b++)
        for (int64_t h = 0; h < dims->heads; h++) {
            attn_dense_head(&shape, q + attn_q_offset(dims, b, h), k + attn_k_offset(dims, b, h),
                            v + attn_v_offset(dims, b, h), scores, o + attn_o_offset(dims, b, h));
            attn_dense_head_count(&shape, &counter.stats);
        }
    attn_kfree(scores);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
