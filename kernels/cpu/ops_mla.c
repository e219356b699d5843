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
    w->c = attn_ops_random(attn_ops_elems(1, d.batch, d.n_kv, d.d_c), p->seed + 8, 1.0f);
    w->k_r = attn_ops_random(attn_ops_elems(1, d.batch, d.n_kv, d.d_r), p->seed + 9, 1.0f);
    w->q_n = attn_ops_random(attn_ops_elems(d.batch, d.heads, d.n_q, d.d_n), p->seed + 10, 1.0f);
    w->q_r = attn_ops_random(attn_ops_elems(d.batch, d.heads, d.n_q, d.d_r), p->seed + 11, 1.0f);
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

static int mla_naive_run(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats)
{
    (void)p;
    mla_work *w = work;
    return attn_cpu_mla_naive(&w->dims, &w->in, out, stats);
}

static int mla_reference(const attn_problem *p, void *work, double *out)
{
    (void)p;
    mla_work *w = work;
    return attn_ref_mla(&w->dims, &w->in, out);
}

static const char *mla_unsupported(const attn_problem *p)
{
    return p->d_c < 1 || p->d_r < 1 ? "MLA needs kv_lora_rank and qk_rope_head_dim" : NULL;
}

const attn_kernel_ops attn_cpu_ops_mla = {mla_setup, mla_absorbed_run, mla_reference,
                                          mla_teardown, mla_unsupported, NULL};
const attn_kernel_ops attn_cpu_ops_mla_naive = {mla_setup, mla_naive_run, mla_reference,
                                                mla_teardown, mla_unsupported, NULL};
