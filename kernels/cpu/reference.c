/* reference.c — exact attention in double precision, never optimised.
 *
 * Every exact kernel is tested against this: one query at a time, scores, max, exp, sum,
 * weighted sum of values, all in double. Its only job is to be obviously right. The per-head
 * core (attn_ref_head) also serves the low-rank and MLA references. References use malloc,
 * not the counting allocator, so that running one never disturbs a kernel's measured peak.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

void attn_widen(const float *src, size_t count, double *dst)
{
    for (size_t i = 0; i < count; i++)
        dst[i] = src[i];
}

int attn_ref_head(const attn_head_shape *shape, const double *q, const double *k,
                  const double *v, double *o)
{
    const double scale = 1.0 / sqrt((double)shape->d_qk);
    double *weights = malloc((size_t)(shape->n_kv > 0 ? shape->n_kv : 1) * sizeof *weights);
    if (!weights)
        return ATTN_ERR_NOMEM;
    for (int64_t i = 0; i < shape->n_q; i++) {
        double *out = o + i * shape->d_v;
        memset(out, 0, (size_t)shape->d_v * sizeof *out);
        double max = -INFINITY;
        for (int64_t j = 0; j < shape->n_kv; j++) {
            double dot = 0.0;
            for (int64_t e = 0; e < shape->d_qk; e++)
                dot += q[i * shape->d_qk + e] * k[j * shape->d_qk + e];
            weights[j] = attn_ref_sees(shape, i, j) ? dot * scale : -INFINITY;
            max = fmax(max, weights[j]);
        }
        if (max == -INFINITY) /* sees no key */
            continue;
        double sum = 0.0;
        for (int64_t j = 0; j < shape->n_kv; j++) {
            weights[j] = exp(weights[j] - max);
            sum += weights[j];
        }
        for (int64_t j = 0; j < shape->n_kv; j++)
            for (int64_t e = 0; e < shape->d_v; e++)
                out[e] += weights[j] / sum * v[j * shape->d_v + e];
    }
    free(weights);
    return ATTN_OK;
}

int attn_ref_attention(const attn_dims *dims, const float *q, const float *k, const float *v,
                       double *o)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    const attn_head_shape shape = attn_head_shape_of(dims);
    const size_t q_elems = (size_t)(dims->n_q * dims->d_qk);
    const size_t k_elems = (size_t)(dims->n_kv * dims->d_qk);
    const size_t v_elems = (size_t)(dims->n_kv * dims->d_v);
    double *q_head = malloc((q_elems + k_elems + v_elems + 1) * sizeof *q_head);
    if (!q_head)
        return ATTN_ERR_NOMEM;
    double *k_head = q_head + q_elems, *v_head = k_head + k_elems;
    for (int64_t b = 0; b < dims->batch && rc == ATTN_OK; b++)
        for (int64_t h = 0; h < dims->heads && rc == ATTN_OK; h++) {
            attn_widen(q + attn_q_offset(dims, b, h), q_elems, q_head);
            attn_widen(k + attn_k_offset(dims, b, h), k_elems, k_head);
            attn_widen(v + attn_v_offset(dims, b, h), v_elems, v_head);
            rc = attn_ref_head(&shape, q_head, k_head, v_head, o + attn_o_offset(dims, b, h));
        }
    free(q_head);
    return rc;
}

int attn_ref_decode(const attn_dims *dims, attn_dtype store, const float *q,
                    const void *k_cache, const void *v_cache, double *o)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    if (attn_dtype_size(store) == 0)
        return ATTN_ERR_RANGE;
    const size_t k_elems = (size_t)(dims->batch * dims->kv_heads * dims->n_kv * dims->d_qk);
    const size_t v_elems = (size_t)(dims->batch * dims->kv_heads * dims->n_kv * dims->d_v);
    float *k = malloc((k_elems + v_elems + 1) * sizeof *k);
    if (!k)
        return ATTN_ERR_NOMEM;
    float *v = k + k_elems;
    attn_dtype_to_f32(store, k_cache, 0, k_elems, k);
    attn_dtype_to_f32(store, v_cache, 0, v_elems, v);
    rc = attn_ref_attention(dims, q, k, v, o);
    free(k);
    return rc;
}
