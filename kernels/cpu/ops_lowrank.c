/* ops_lowrank.c — low-rank (Linformer) attention as backend ops (CPU).
 *
 * Linformer learns E and F; with no trained model at hand the measurement uses mean pooling,
 * one of the paper's parameter-free projections: row j of E = F averages the j-th of k
 * equal segments of the sequence. Then K' and V' are segment means, the output stays an
 * average of values (random Gaussian projections would scale V' by sqrt(n/k)), and k = n
 * is exact attention, so the error against exact softmax attention is the result (error vs
 * k). Decode uses the projected state (ops_recurrent.h).
 */
#include <stdlib.h>

#include "ops_recurrent.h"

static int lowrank_absorb(void *ctx, const float *k, const float *v, const float *q, float *o,
                          attn_kernel_stats *stats)
{
    attn_lowrank_work *w = ctx;
    return attn_cpu_lowrank_decode(&w->state, q, k, v, o, stats);
}

static attn_state_view lowrank_view(void *ctx)
{
    attn_lowrank_work *w = ctx;
    return (attn_state_view){{w->state.k_proj, w->state.v_proj, NULL},
                             {w->k_floats, w->v_floats, 0},
                             &w->state.dims.n_kv};
}

static int lowrank_fill(void *ctx, const float *k, const float *v, int64_t count, int64_t ld)
{
    attn_lowrank_work *w = ctx;
    return attn_lowrank_state_fill(&w->state, k, v, count, ld);
}

static const attn_recurrent_kind lowrank_kind = {lowrank_absorb, lowrank_view, lowrank_fill};

/* A projection to more rows than there are tokens is the identity: k > n would leave rows of
 * E and F empty, zero keys that still take softmax weight, so the rank used is min(k, n). */
int64_t attn_lowrank_rank(const attn_problem *p)
{
    return p->rank < p->n ? p->rank : p->n;
}

/* [k][n]: row j averages tokens [j n / k, (j + 1) n / k); k <= n, so no row is empty. */
static float *mean_pooling(int64_t k, int64_t n)
{
    float *m = calloc((size_t)(k * n) + 1, sizeof *m);
    for (int64_t j = 0; m && j < k; j++) {
        int64_t from = j * n / k, to = (j + 1) * n / k;
        for (int64_t t = from; t < to; t++)
            m[j * n + t] = 1.0f / (float)(to - from);
    }
    return m;
}

void attn_lowrank_teardown(void *work)
{
    attn_lowrank_work *w = work;
    if (!w)
        return;
    if (w->state.k_proj)
        attn_lowrank_state_free(&w->state);
    attn_recurrent_free(&w->rec);
    free(w->e);
    free(w->f);
    free(w);
}

int attn_lowrank_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    attn_lowrank_work *w = calloc(1, sizeof *w);
    if (!w)
        return ATTN_ERR_NOMEM;
    int rc = attn_qkv_init(&w->rec.qkv, p);
    w->e = mean_pooling(attn_lowrank_rank(p), p->n);
    w->f = mean_pooling(attn_lowrank_rank(p), p->n);
    if (!rc && (!w->e || !w->f))
        rc = ATTN_ERR_NOMEM;
    if (!rc && p->phase == ATTN_PHASE_DECODE) {
        const attn_dims *d = &w->rec.qkv.dims;
        size_t groups = (size_t)(d->batch * d->kv_heads);
        w->k_floats = groups * (size_t)(attn_lowrank_rank(p) * d->d_qk);
        w->v_floats = groups * (size_t)(attn_lowrank_rank(p) * d->d_v);
        rc = attn_lowrank_state_init(&w->state, d, attn_lowrank_rank(p), p->n, w->e, w->f);
        if (!rc)
            rc = attn_recurrent_prepare(&w->rec, &lowrank_kind, w);
    }
    if (rc) {
        attn_lowrank_teardown(w);
        return rc;
    }
    *work = w;
    *out_elems = w->rec.qkv.o_elems;
    return ATTN_OK;
}

static int lowrank_run(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats)
{
    attn_lowrank_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE)
        return attn_recurrent_step(&w->rec, &lowrank_kind, w, out, stats);
    const attn_qkv *x = &w->rec.qkv;
    return attn_cpu_lowrank(&x->dims, attn_lowrank_rank(p), w->e, w->f, x->q, x->k, x->v, out,
                            stats);
}

static void lowrank_rewind(const attn_problem *p, void *work)
{
    attn_lowrank_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE)
        attn_recurrent_rewind(&w->rec, &lowrank_kind, w);
}

static int lowrank_reference(const attn_problem *p, void *work, double *out)
{
    (void)p;
    attn_lowrank_work *w = work;
    return attn_qkv_exact_reference(&w->rec.qkv, out);
}

const char *attn_lowrank_unsupported(const attn_problem *p)
{
    if (p->phase == ATTN_PHASE_PREFILL && p->causal)
        return "low-rank projection mixes future tokens: no causal prefill";
    return attn_lowrank_rank(p) < 1 ? "low-rank needs k >= 1" : NULL;
}

const attn_kernel_ops attn_cpu_ops_lowrank = {attn_lowrank_setup, lowrank_run,
                                              lowrank_reference, attn_lowrank_teardown,
                                              attn_lowrank_unsupported, NULL, attn_qkv_baseline,
                                              false, NULL, lowrank_rewind, false};
