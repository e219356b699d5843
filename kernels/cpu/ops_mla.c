/* ops_mla.c — DeepSeek MLA as backend ops (CPU): absorbed (attention over the latent cache)
 * and naive (decompress K and V per head, then exact attention), from the same weights and
 * inputs, both checked against attn_ref_mla. Decode is one query position. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "ops_internal.h"

typedef attn_mla_work mla_work;

static void mla_teardown(void *work)
{
    mla_work *w = work;
    if (!w)
        return;
    free(w->w_uk);
    free(w->w_uv);
    free(w->c);
    free(w->k_r);
    free(w->q_n);
    free(w->q_r);
    free(w->cache);
    free(w);
}

static int mla_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    mla_work *w = calloc(1, sizeof *w);
    if (!w)
        return ATTN_ERR_NOMEM;
    bool decode = p->phase == ATTN_PHASE_DECODE;
    attn_mla_dims d = {p->batch, p->heads, decode ? 1 : p->n, p->n,
                       p->d_c, p->d_r, p->d_n, p->d_v, !decode && p->causal};
    w->dims = d;
    float weight_scale = 1.0f / sqrtf((float)d.d_c); /* keeps W c of order 1 */
    size_t out = attn_ops_elems(d.batch, d.heads, d.n_q, d.d_v);
    w->w_uk = attn_ops_random(attn_ops_elems(1, d.heads, d.d_n, d.d_c), p->seed + 6, weight_scale);
    w->w_uv = attn_ops_random(attn_ops_elems(1, d.heads, d.d_v, d.d_c), p->seed + 7, weight_scale);
    w->c = attn_ops_inputs(p, attn_ops_elems(1, d.batch, d.n_kv, d.d_c), p->seed + 8);
    w->k_r = attn_ops_inputs(p, attn_ops_elems(1, d.batch, d.n_kv, d.d_r), p->seed + 9);
    w->q_n = attn_ops_inputs(p, attn_ops_elems(d.batch, d.heads, d.n_q, d.d_n), p->seed + 10);
    w->q_r = attn_ops_inputs(p, attn_ops_elems(d.batch, d.heads, d.n_q, d.d_r), p->seed + 11);
    if (out == SIZE_MAX) {
        mla_teardown(w);
        return ATTN_ERR_OVERFLOW;
    }
    if (!w->w_uk || !w->w_uv || !w->c || !w->k_r || !w->q_n || !w->q_r) {
        mla_teardown(w);
        return ATTN_ERR_NOMEM;
    }
    w->in = (attn_mla_inputs){w->w_uk, w->w_uv, w->c, w->k_r, w->q_n, w->q_r};
    *work = w;
    *out_elems = out;
    return ATTN_OK;
}

static int mla_absorbed_run(const attn_problem *p, void *work, float *out,
                            attn_kernel_stats *stats)
{
    (void)p;
    mla_work *w = work;
    return attn_cpu_mla_absorbed(&w->dims, &w->in, out, stats);
}

/* Decode reads the decompressed per-head cache that mla-naive's KV size describes, built once
 * here as a prefill would have left it; the kernel never sees the latent. */
static int mla_naive_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    int rc = mla_setup(p, work, out_elems);
    if (rc || p->phase != ATTN_PHASE_DECODE)
        return rc;
    mla_work *w = *work;
    const attn_dims e = attn_mla_naive_dims(&w->dims);
    size_t floats = (size_t)(e.batch * e.heads * (e.n_q * e.d_qk + e.n_kv * (e.d_qk + e.d_v)));
    w->cache = malloc(floats * sizeof *w->cache + 1);
    if (!w->cache) {
        mla_teardown(w);
        return ATTN_ERR_NOMEM;
    }
    attn_mla_decompress(&w->dims, &w->in, w->cache, w->cache + e.batch * e.heads * e.d_qk,
                        w->cache + e.batch * e.heads * (e.d_qk + e.n_kv * e.d_qk));
    return ATTN_OK;
}

static int mla_naive_run(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats)
{
    mla_work *w = work;
    if (!w->cache)
        return attn_cpu_mla_naive(&w->dims, &w->in, p->sram_bytes, out, stats);
    const attn_dims e = attn_mla_naive_dims(&w->dims);
    const float *k = w->cache + e.batch * e.heads * e.d_qk;
    const float *v = k + e.batch * e.heads * e.n_kv * e.d_qk;
    return attn_cpu_decode(&e, ATTN_DTYPE_FP32, w->cache, k, v, out, stats);
}

static int mla_reference(const attn_problem *p, void *work, double *out)
{
    (void)p;
    mla_work *w = work;
    return attn_ref_mla(&w->dims, &w->in, out);
}

/* The values are the heads' c W_UV^T: decompress them, then the mean of what each query sees. */
int attn_mla_baseline(const attn_problem *p, double *out)
{
    void *work = NULL;
    size_t elems;
    int rc = mla_setup(p, &work, &elems);
    if (rc)
        return rc;
    mla_work *w = work;
    const attn_dims e = attn_mla_naive_dims(&w->dims);
    const int64_t q = e.batch * e.heads * e.n_q * e.d_qk, k = e.batch * e.heads * e.n_kv * e.d_qk;
    float *buf = malloc((size_t)(q + k + e.batch * e.heads * e.n_kv * e.d_v) * sizeof *buf + 1);
    if (buf) {
        attn_mla_decompress(&w->dims, &w->in, buf, buf + q, buf + q + k);
        attn_mean_v_baseline(&e, buf + q + k, out);
    }
    free(buf);
    mla_teardown(w);
    return buf ? ATTN_OK : ATTN_ERR_NOMEM;
}

static const char *mla_unsupported(const attn_problem *p)
{
    return p->d_c < 1 || p->d_r < 1 ? "MLA needs kv_lora_rank and qk_rope_head_dim" : NULL;
}

const attn_kernel_ops attn_cpu_ops_mla = {mla_setup, mla_absorbed_run, mla_reference,
                                          mla_teardown, mla_unsupported, NULL, attn_mla_baseline,
                                          false, NULL, NULL, false};
const attn_kernel_ops attn_cpu_ops_mla_naive = {mla_naive_setup, mla_naive_run, mla_reference,
                                                mla_teardown, mla_unsupported, NULL,
                                                attn_mla_baseline, false, NULL, NULL, false};
