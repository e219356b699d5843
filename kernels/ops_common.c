/* ops_common.c — what every ops file shares: seeded random inputs (GSL's mt19937, so the
 * same seed gives the same inputs on every machine), checked buffer sizes, and the dims of
 * a problem. */
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "ops_internal.h"

size_t attn_ops_elems(int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t ab, abc, all;
    if (a < 0 || b < 0 || c < 0 || d < 0 || __builtin_mul_overflow(a, b, &ab) ||
        __builtin_mul_overflow(ab, c, &abc) || __builtin_mul_overflow(abc, d, &all) ||
        (uint64_t)all > SIZE_MAX / sizeof(double))
        return SIZE_MAX;
    return (size_t)all;
}

float *attn_ops_random(size_t count, uint64_t seed, float scale)
{
    if (count > SIZE_MAX / sizeof(double))
        return NULL;
    float *values = malloc((count ? count : 1) * sizeof *values);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!values || !rng) {
        free(values);
        gsl_rng_free(rng);
        return NULL;
    }
    gsl_rng_set(rng, (unsigned long)seed);
    for (size_t i = 0; i < count; i++)
        values[i] = scale * (float)(2.0 * gsl_rng_uniform(rng) - 1.0);
    gsl_rng_free(rng);
    return values;
}

attn_dims attn_ops_dims(const attn_problem *p)
{
    bool decode = p->phase == ATTN_PHASE_DECODE;
    attn_dims d = {p->batch, p->heads, p->kv_heads, decode ? 1 : p->n, p->n,
                   p->d_qk, p->d_v, !decode && p->causal};
    return d;
}

int attn_qkv_init(attn_qkv *qkv, const attn_problem *p)
{
    attn_dims d = attn_ops_dims(p);
    qkv->dims = d;
    qkv->q_elems = attn_ops_elems(d.batch, d.heads, d.n_q, d.d_qk);
    qkv->k_elems = attn_ops_elems(d.batch, d.kv_heads, d.n_kv, d.d_qk);
    qkv->v_elems = attn_ops_elems(d.batch, d.kv_heads, d.n_kv, d.d_v);
    qkv->o_elems = attn_ops_elems(d.batch, d.heads, d.n_q, d.d_v);
    qkv->q = qkv->k = qkv->v = NULL;
    if (qkv->q_elems == SIZE_MAX || qkv->k_elems == SIZE_MAX || qkv->v_elems == SIZE_MAX ||
        qkv->o_elems == SIZE_MAX)
        return ATTN_ERR_OVERFLOW;
    qkv->q = attn_ops_random(qkv->q_elems, p->seed, 1.0f);
    qkv->k = attn_ops_random(qkv->k_elems, p->seed + 1, 1.0f);
    qkv->v = attn_ops_random(qkv->v_elems, p->seed + 2, 1.0f);
    if (qkv->q && qkv->k && qkv->v)
        return ATTN_OK;
    attn_qkv_free(qkv);
    return ATTN_ERR_NOMEM;
}

void attn_qkv_free(attn_qkv *qkv)
{
    free(qkv->q);
    free(qkv->k);
    free(qkv->v);
    qkv->q = qkv->k = qkv->v = NULL;
}

void attn_qkv_token(const attn_qkv *qkv, int64_t i, float *k, float *v)
{
    const attn_dims *d = &qkv->dims;
    for (int64_t g = 0; g < d->batch * d->kv_heads; g++) {
        memcpy(k + g * d->d_qk, qkv->k + (g * d->n_kv + i) * d->d_qk, (size_t)d->d_qk * sizeof *k);
        memcpy(v + g * d->d_v, qkv->v + (g * d->n_kv + i) * d->d_v, (size_t)d->d_v * sizeof *v);
    }
}

int attn_qkv_exact_reference(const attn_qkv *qkv, double *out)
{
    return attn_ref_attention(&qkv->dims, qkv->q, qkv->k, qkv->v, out);
}
