/* ops_recurrent.c — the shared decode driver for state-based variants (see the header). */
#include <stdlib.h>
#include <string.h>

#include "ops_recurrent.h"

static size_t state_floats(const attn_state_view *view)
{
    return view->floats[0] + view->floats[1] + view->floats[2];
}

/* Copies the state into r->saved (save) or back (restore). */
static void copy_state(attn_recurrent *r, const attn_state_view *view, bool save)
{
    float *cursor = r->saved;
    for (int i = 0; i < 3; i++) {
        size_t bytes = view->floats[i] * sizeof *cursor;
        if (bytes)
            memcpy(save ? cursor : view->part[i], save ? view->part[i] : cursor, bytes);
        cursor += view->floats[i];
    }
    if (save)
        r->saved_tokens = *view->tokens;
    else
        *view->tokens = r->saved_tokens;
}

int attn_recurrent_prepare(attn_recurrent *r, const attn_recurrent_kind *kind, void *ctx)
{
    const attn_dims *d = &r->qkv.dims;
    size_t groups = (size_t)(d->batch * d->kv_heads);
    attn_state_view view = kind->view(ctx);
    r->k_tok = malloc(groups * (size_t)d->d_qk * sizeof *r->k_tok + 1);
    r->v_tok = malloc(groups * (size_t)d->d_v * sizeof *r->v_tok + 1);
    r->saved = malloc(state_floats(&view) * sizeof *r->saved + 1);
    if (!r->k_tok || !r->v_tok || !r->saved)
        return ATTN_ERR_NOMEM;
    int rc = kind->fill(ctx, r->qkv.k, r->qkv.v, d->n_kv > 0 ? d->n_kv - 1 : 0, d->n_kv);
    if (rc)
        return rc;
    copy_state(r, &view, true);
    return ATTN_OK;
}

int attn_recurrent_step(attn_recurrent *r, const attn_recurrent_kind *kind, void *ctx,
                        float *out, attn_kernel_stats *stats)
{
    if (r->qkv.dims.n_kv < 1)
        return ATTN_ERR_RANGE;
    attn_qkv_token(&r->qkv, r->qkv.dims.n_kv - 1, r->k_tok, r->v_tok);
    return kind->absorb(ctx, r->k_tok, r->v_tok, r->qkv.q, out, stats);
}

void attn_recurrent_rewind(attn_recurrent *r, const attn_recurrent_kind *kind, void *ctx)
{
    attn_state_view view = kind->view(ctx);
    copy_state(r, &view, false);
}

void attn_recurrent_free(attn_recurrent *r)
{
    free(r->k_tok);
    free(r->v_tok);
    free(r->saved);
    attn_qkv_free(&r->qkv);
}
