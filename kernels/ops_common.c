/* ops_common.c — what every ops file shares: seeded random inputs (GSL's mt19937, so the
 * same seed gives the same inputs on every machine), checked buffer sizes, and the dims of
 * a problem. */
#include <gsl/gsl_randist.h>
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

/* count values from mt19937 seeded with seed: scale x uniform [-1, 1), or N(0, 1). */
static float *draw(size_t count, uint64_t seed, float scale, bool normal)
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
        values[i] = normal ? (float)gsl_ran_gaussian_ziggurat(rng, 1.0)
                           : scale * (float)(2.0 * gsl_rng_uniform(rng) - 1.0);
    gsl_rng_free(rng);
    return values;
}

float *attn_ops_random(size_t count, uint64_t seed, float scale)
{
    return draw(count, seed, scale, false);
}

float *attn_ops_inputs(const attn_problem *p, size_t count, uint64_t seed)
{
    return draw(count, seed, 1.0f, p->normal_inputs);
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
    qkv->q = attn_ops_inputs(p, qkv->q_elems, p->seed);
    qkv->k = attn_ops_inputs(p, qkv->k_elems, p->seed + 1);
    qkv->v = attn_ops_inputs(p, qkv->v_elems, p->seed + 2);
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

void attn_mean_v_baseline(const attn_dims *d, const float *v, double *out)
{
    const int64_t group = d->heads / d->kv_heads;
    for (int64_t b = 0; b < d->batch; b++)
        for (int64_t h = 0; h < d->heads; h++) {
            const float *vh = v + (b * d->kv_heads + h / group) * d->n_kv * d->d_v;
            double *o = out + (b * d->heads + h) * d->n_q * d->d_v;
            double *sum = o; /* prefix sums, row by row: query i sees keys < seen(i) */
            int64_t summed = 0;
            for (int64_t e = 0; e < d->d_v; e++)
                sum[e] = 0;
            for (int64_t i = 0; i < d->n_q; i++) {
                int64_t seen = d->causal ? d->n_kv - d->n_q + i + 1 : d->n_kv;
                seen = seen < 0 ? 0 : seen;
                double *row = o + i * d->d_v;
                if (i > 0)
                    for (int64_t e = 0; e < d->d_v; e++)
                        row[e] = row[e - d->d_v] * (double)summed;
                for (; summed < seen; summed++)
                    for (int64_t e = 0; e < d->d_v; e++)
                        row[e] += vh[summed * d->d_v + e];
                for (int64_t e = 0; e < d->d_v; e++)
                    row[e] = seen ? row[e] / (double)seen : 0;
                summed = seen;
            }
        }
}

int attn_qkv_baseline(const attn_problem *p, double *out)
{
    attn_qkv qkv;
    if (p->seq_lens) /* the mean over all n tokens is no yardstick for shorter sequences */
        return ATTN_ERR_UNSUPPORTED;
    if (attn_qkv_init(&qkv, p))
        return ATTN_ERR_NOMEM;
    attn_mean_v_baseline(&qkv.dims, qkv.v, out);
    attn_qkv_free(&qkv);
    return ATTN_OK;
}
