/* ops_performer.c — Performer (FAVOR+) as backend ops (CPU).
 *
 * The random features come from attn_performer_features with the problem's seed. Outputs are
 * compared with exact softmax attention: for an approximation that error is the result
 * (error vs m), not a failure. Decode uses the recurrent state (ops_recurrent.h).
 */
#include <stdlib.h>

#include "ops_recurrent.h"

static int performer_absorb(void *ctx, const float *k, const float *v, const float *q, float *o,
                            attn_kernel_stats *stats)
{
    attn_performer_work *w = ctx;
    return attn_cpu_performer_decode(&w->state, w->omega, q, k, v, o, stats);
}

static attn_state_view performer_view(void *ctx)
{
    attn_performer_work *w = ctx;
    return (attn_state_view){{w->state.s, w->state.z, w->state.shift},
                             {w->s_floats, w->z_floats, w->shift_floats},
                             &w->state.dims.n_kv};
}

static int performer_fill(void *ctx, const float *k, const float *v, int64_t count, int64_t ld)
{
    attn_performer_work *w = ctx;
    return attn_performer_state_fill(&w->state, w->omega, k, v, count, ld);
}

static const attn_recurrent_kind performer_kind = {performer_absorb, performer_view,
                                                   performer_fill};

void attn_performer_teardown(void *work)
{
    attn_performer_work *w = work;
    if (!w)
        return;
    if (w->state.s)
        attn_performer_state_free(&w->state);
    attn_recurrent_free(&w->rec);
    free(w->omega);
    free(w);
}

int attn_performer_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    attn_performer_work *w = calloc(1, sizeof *w);
    if (!w)
        return ATTN_ERR_NOMEM;
    int rc = attn_qkv_init(&w->rec.qkv, p);
    w->omega = malloc((size_t)(p->features * p->d_qk) * sizeof *w->omega);
    if (!rc && !w->omega)
        rc = ATTN_ERR_NOMEM;
    if (!rc)
        rc = attn_performer_features(p->features, p->d_qk, p->seed + 3, w->omega);
    if (!rc && p->phase == ATTN_PHASE_DECODE) {
        const attn_dims *d = &w->rec.qkv.dims;
        size_t groups = (size_t)(d->batch * d->kv_heads);
        w->s_floats = groups * (size_t)(p->features * d->d_v);
        w->z_floats = groups * (size_t)p->features;
        w->shift_floats = groups;
        rc = attn_performer_state_init(&w->state, d, p->features);
        if (!rc)
            rc = attn_recurrent_prepare(&w->rec, &performer_kind, w);
    }
    if (rc) {
        attn_performer_teardown(w);
        return rc;
    }
    *work = w;
    *out_elems = w->rec.qkv.o_elems;
    return ATTN_OK;
}

static int performer_run(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats)
{
    attn_performer_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE)
        return attn_recurrent_step(&w->rec, &performer_kind, w, out, stats);
    const attn_qkv *x = &w->rec.qkv;
    return attn_cpu_performer(&x->dims, p->features, w->omega, x->q, x->k, x->v, out, stats);
}

static void performer_rewind(const attn_problem *p, void *work)
{
    attn_performer_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE)
        attn_recurrent_rewind(&w->rec, &performer_kind, w);
}

static int performer_reference(const attn_problem *p, void *work, double *out)
{
    (void)p;
    attn_performer_work *w = work;
    return attn_qkv_exact_reference(&w->rec.qkv, out);
}

static const char *performer_unsupported(const attn_problem *p)
{
    return p->features < 1 ? "Performer needs m >= 1 features" : NULL;
}

const attn_kernel_ops attn_cpu_ops_performer = {attn_performer_setup, performer_run,
                                                performer_reference, attn_performer_teardown,
                                                performer_unsupported, NULL, attn_qkv_baseline,
                                                false, NULL, performer_rewind, false};
