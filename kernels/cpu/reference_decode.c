/* reference_decode.c — the double reference of decode over a serving cache.
 *
 * Never optimised: each cached value is decoded element by element with the scalar
 * converters (times its int8 scale), addressed here on its own (a mistake in the kernel's
 * addressing is caught, not shared), and attention is computed in double.
 */
#include <math.h>
#include <stdlib.h>

#include "cpu_internal.h"

/* Element (token j, column e) of one KV head's K or V, as a double. */
static double cached(const attn_dims *dims, const attn_kv_cache *c, const void *base,
                     const float *scales, int64_t d, int64_t b, int64_t kv_head, int64_t j,
                     int64_t e)
{
    int64_t row;
    if (c->layout == ATTN_KV_PAGED) {
        int64_t block = c->block_table[b * c->max_blocks + j / c->block_size];
        row = block * dims->kv_heads * c->block_size + kv_head * c->block_size
              + j % c->block_size;
    } else {
        row = (b * dims->kv_heads + kv_head) * attn_kv_head_rows(dims, c) + j;
    }
    float value;
    attn_dtype_to_f32(c->store, base, (size_t)(row * d + e), 1, &value);
    return c->store == ATTN_DTYPE_INT8 ? (double)value * scales[row] : (double)value;
}

int attn_ref_decode_cache(const attn_dims *dims, const attn_kv_cache *c, const float *q,
                          double *o)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    if (dims->n_q != 1 || attn_dtype_size(c->store) == 0)
        return ATTN_ERR_RANGE;
    double *w = malloc(((size_t)dims->n_kv + 1) * sizeof *w);
    if (!w)
        return ATTN_ERR_NOMEM;
    const int64_t group = dims->heads / dims->kv_heads;
    for (int64_t b = 0; b < dims->batch; b++)
        for (int64_t h = 0; h < dims->heads; h++) {
            const int64_t len = c->seq_lens ? c->seq_lens[b] : dims->n_kv, kv = h / group;
            const float *qh = q + (b * dims->heads + h) * dims->d_qk;
            double *oh = o + (b * dims->heads + h) * dims->d_v, max = -INFINITY, sum = 0;
            for (int64_t j = 0; j < len; j++) {
                double dot = 0;
                for (int64_t e = 0; e < dims->d_qk; e++)
                    dot += (double)qh[e] * cached(dims, c, c->k, c->k_scale, dims->d_qk, b, kv, j, e);
                w[j] = dot / sqrt((double)dims->d_qk);
                max = fmax(max, w[j]);
            }
            for (int64_t j = 0; j < len; j++)
                sum += (w[j] = exp(w[j] - max));
            for (int64_t e = 0; e < dims->d_v; e++) {
                double acc = 0;
                for (int64_t j = 0; j < len; j++)
                    acc += w[j] * cached(dims, c, c->v, c->v_scale, dims->d_v, b, kv, j, e);
                oh[e] = len > 0 ? acc / sum : 0.0;
            }
        }
    free(w);
    return ATTN_OK;
}
