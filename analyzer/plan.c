/* plan.c — building a plan (model + variant + what-if) and sizing its KV cache.
 *
 * A plan is built once from a model and a "what if" request, then answers totals for any
 * (batch, context) in O(distinct window sizes), so a sweep of 10^6 points stays cheap.
 * Total bytes = batch * sum over layers of (bytes per token * tokens held + bytes per
 * sequence), where a sliding-window layer holds min(context, window) tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"
#include "checked.h"
#include "diag.h"
#include "plan_internal.h"
#include "variant.h"

enum { DEFAULT_FEATURES = 256, DEFAULT_RANK = 256 };

/* A head-layout alias (the registry's, e.g. "standard attention with one KV head") sets the
 * KV heads of the variant it names. */
static int apply_head_alias(const attn_variant_alias *alias, const attn_model *m,
                            const attn_request *req, attn_shape *s, attn_diag *diag)
{
    if (alias->heads == ATTN_HEADS_ALL)
        s->kv_heads = s->heads;
    else if (alias->heads == ATTN_HEADS_ONE)
        s->kv_heads = 1;
    else if (!req->kv_heads && (m->mla || m->kv_heads == m->heads))
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "variant '%s': %s has no KV-head groups; give --kv-heads G",
                         alias->name, m->name);
    return ATTN_OK;
}

static int build_shape(const attn_model *m, const attn_request *req, attn_shape *s,
                       attn_diag *diag)
{
    s->heads = m->heads;
    s->kv_heads = m->kv_heads;
    s->d_qk = m->head_dim;
    s->d_v = m->v_head_dim;
    s->features = req->features ? req->features : DEFAULT_FEATURES;
    s->rank = req->rank ? req->rank : DEFAULT_RANK;
    if (m->mla) {
        s->d_c = m->kv_lora_rank;
        s->d_r = m->rope_dim;
        s->d_n = m->nope_dim;
    } else {
        /* "What if this model used MLA": DeepSeek-V2's ratios, d_c = 4 d_h, d_r = d_h / 2. */
        s->d_c = req->kv_lora_rank ? req->kv_lora_rank : 4 * m->head_dim;
        s->d_r = req->rope_dim ? req->rope_dim : (m->head_dim + 1) / 2;
        s->d_n = m->head_dim;
    }
    /* Fix: checked before use; a negative kv_heads passed the divisibility test below. */
    if (req->features < 0 || req->rank < 0 || req->kv_lora_rank < 0 || req->rope_dim < 0 ||
        req->kv_heads < 0)
        return attn_fail(diag, ATTN_ERR_RANGE,
                         "KV heads, features, rank and MLA sizes must be positive");
    if (req->kv_heads) {
        if (req->kv_heads > s->heads || s->heads % req->kv_heads != 0)
            return attn_fail(diag, ATTN_ERR_FIELD,
                             "--kv-heads %lld does not divide the %lld query heads of %s",
                             (long long)req->kv_heads, (long long)s->heads, m->name);
        s->kv_heads = req->kv_heads;
    }
    return ATTN_OK;
}

static int shard_heads(attn_plan *p, const attn_model *m, attn_diag *diag)
{
    attn_shape *s = &p->shape;
    int64_t tp = p->tp;
    if (s->heads % tp != 0)
        return attn_fail(diag, ATTN_ERR_FIELD, "--tp %lld does not divide the %lld heads of %s",
                         (long long)tp, (long long)s->heads, m->name);
    if (!p->variant->shards_heads)
        return ATTN_OK;
    if (s->kv_heads % tp == 0)
        s->kv_heads /= tp;
    else if (tp % s->kv_heads == 0)
        s->kv_heads = 1; /* fewer KV heads than ranks: each rank keeps a replica of one */
    else
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "--tp %lld and the %lld KV heads of %s divide neither way",
                         (long long)tp, (long long)s->kv_heads, m->name);
    s->heads /= tp;
    return ATTN_OK;
}

static int group_windows(attn_plan *p, const attn_model *m)
{
    p->group = calloc((size_t)m->layers, sizeof *p->group);
    if (!p->group)
        return ATTN_ERR_NOMEM;
    for (int64_t i = 0; i < m->layers; i++) {
        size_t g = 0;
        while (g < p->groups && p->group[g].window != m->layer_window[i])
            g++;
        if (g == p->groups)
            p->group[p->groups++].window = m->layer_window[i];
        p->group[g].layers++;
    }
    return ATTN_OK;
}

/* The variants multiply a few dimensions in 64 bits; bound every such product first. */
static bool shape_products_fit(const attn_shape *s)
{
    long double heads = (long double)(s->heads > s->kv_heads ? s->heads : s->kv_heads);
    long double width = (long double)(s->features > s->rank ? s->features : s->rank) + 1;
    long double dims = (long double)(s->d_qk + s->d_v + s->d_c + s->d_r + s->d_n + 1);
    return heads * width * dims < 0x1p62L;
}

static int fill_layers(attn_plan *p, const attn_model *m, attn_precision precision,
                       attn_diag *diag)
{
    if (!shape_products_fit(&p->shape))
        return attn_fail(diag, ATTN_ERR_OVERFLOW, "%s: heads x features/rank x head dims "
                         "overflows 64 bits", m->name);
    attn_kv_elems e = p->variant->kv_elems(&p->shape);
    int rc = attn_precision_row_bytes(precision, e.per_token, &p->bytes_per_token);
    if (!rc)
        rc = attn_precision_row_bytes(precision, e.per_seq, &p->bytes_per_seq);
    if (rc)
        return attn_fail(diag, rc, "%s: per-layer cache size overflows", m->name);
    uint64_t all_layers; /* fix (fuzzing): attn_plan_kv_bytes_per_token wrapped silently */
    if (attn_mul_u64(p->bytes_per_token, (uint64_t)m->layers, &all_layers))
        return attn_fail(diag, ATTN_ERR_OVERFLOW, "%s: one token's cache over %lld layers "
                         "overflows 64 bits", m->name, (long long)m->layers);
    p->layer = calloc((size_t)m->layers, sizeof *p->layer);
    if (!p->layer || group_windows(p, m))
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < m->layers; i++) {
        attn_kv_layer *l = &p->layer[i];
        l->window = m->layer_window[i];
        l->elems_per_token = e.per_token;
        l->elems_per_seq = e.per_seq;
        l->bytes_per_token = p->bytes_per_token;
        l->bytes_per_seq = p->bytes_per_seq;
    }
    p->variant->kv_formula(&p->shape, p->formula, sizeof p->formula);
    return ATTN_OK;
}

int attn_plan_init(attn_plan **plan, const attn_model *m, const attn_request *req,
                      attn_diag *diag)
{
    static const attn_request defaults = {0};
    if (!req)
        req = &defaults;
    *plan = NULL;
    attn_plan *p = calloc(1, sizeof *p);
    if (!p)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    p->layers = m->layers;
    p->tp = req->tp ? req->tp : 1;
    int rc = build_shape(m, req, &p->shape, diag);

    const char *name = req->variant ? req->variant : attn_variant_native(m->mla)->name;
    const attn_variant_alias *alias = NULL;
    p->variant = attn_variant_find(name);
    if (!p->variant && (p->variant = attn_variant_alias_find(name, &alias)) && !rc)
        rc = apply_head_alias(alias, m, req, &p->shape, diag);
    if (!rc && !p->variant)
        rc = attn_fail(diag, ATTN_ERR_UNKNOWN,
                       "variant '%s' is unknown (one of attnscope variants, or a head layout "
                       "it lists)", name);
    if (!rc && p->tp < 1)
        rc = attn_fail(diag, ATTN_ERR_RANGE, "--tp %lld must be at least 1", (long long)p->tp);
    if (!rc)
        rc = shard_heads(p, m, diag);
    attn_precision precision = req->precision;
    if (!rc)
        rc = fill_layers(p, m, precision, diag);
    if (rc) {
        attn_plan_free(p);
        return rc;
    }
    *plan = p;
    return ATTN_OK;
}

void attn_plan_free(attn_plan *plan)
{
    if (!plan)
        return;
    free(plan->layer);
    free(plan->group);
    free(plan);
}

uint64_t attn_plan_kv_bytes_per_token(const attn_plan *p)
{
    return p->bytes_per_token * (uint64_t)p->layers; /* checked in fill_layers */
}

int attn_kv_layer_bytes(const attn_kv_layer *l, int64_t context, uint64_t *bytes)
{
    if (context < 0)
        return ATTN_ERR_RANGE;
    uint64_t held = (uint64_t)(l->window && l->window < context ? l->window : context);
    *bytes = l->bytes_per_seq;
    return attn_fma_u64(bytes, held, l->bytes_per_token);
}

int attn_plan_kv_bytes(const attn_plan *p, int64_t batch, int64_t context, uint64_t *bytes)
{
    if (batch < 0 || context < 0)
        return ATTN_ERR_RANGE;
    uint64_t per_seq = 0;
    for (size_t g = 0; g < p->groups; g++) {
        int64_t w = p->group[g].window;
        uint64_t held = (uint64_t)(w && w < context ? w : context);
        uint64_t layer_bytes = p->bytes_per_seq;
        int rc = attn_fma_u64(&layer_bytes, held, p->bytes_per_token);
        if (!rc)
            rc = attn_fma_u64(&per_seq, layer_bytes, p->group[g].layers);
        if (rc)
            return rc;
    }
    return attn_mul_u64(per_seq, (uint64_t)batch, bytes);
}

int64_t attn_plan_layers(const attn_plan *p)
{
    return p->layers;
}

const attn_kv_layer *attn_plan_layer(const attn_plan *p, int64_t index)
{
    return index >= 0 && index < p->layers ? &p->layer[index] : NULL;
}

const char *attn_plan_variant(const attn_plan *p)
{
    return p->variant->name;
}

attn_shape attn_plan_shape(const attn_plan *p)
{
    return p->shape;
}

int64_t attn_plan_tp(const attn_plan *p)
{
    return p->tp;
}

bool attn_plan_kv_replicated(const attn_plan *p)
{
    return p->tp > 1 && !p->variant->shards_heads;
}

const char *attn_plan_kv_formula(const attn_plan *p)
{
    return p->formula;
}
