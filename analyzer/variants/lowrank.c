/* lowrank.c — low-rank (Linformer-style) attention.
 *
 * K and V are projected along the sequence to k rows (E K, F V), so a sequence keeps
 * h_kv * k * (d_qk + d_v) elements per layer; new tokens are folded into the projected rows
 * (E[:, t] k_t), so the state does not grow with the context.
 *
 * Cost: projections 2 k n h_kv (d_qk + d_v), attention over k rows 2 n k h (d_qk + d_v).
 * The projection mixes every position into every row, so there is no causal prefill.
 */
#include <stdio.h>

#include "../train.h"

static attn_kv_elems lowrank_kv_elems(const attn_shape *s)
{
    attn_kv_elems e = {0, (uint64_t)s->kv_heads * (uint64_t)s->rank * (uint64_t)(s->d_qk + s->d_v)};
    return e;
}

static void lowrank_kv_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "projected %lld KV heads x k %lld x (d_k %lld + d_v %lld) = %llu elements per sequence",
             (long long)s->kv_heads, (long long)s->rank, (long long)s->d_qk, (long long)s->d_v,
             (unsigned long long)lowrank_kv_elems(s).per_seq);
}

static attn_layer_cost lowrank_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    if (p->phase == ATTN_PHASE_PREFILL && p->causal) {
        c.unsupported = true;
        c.note = "low-rank projection mixes future tokens: no causal prefill";
        return c;
    }
    long double n = p->phase == ATTN_PHASE_DECODE ? 1 : (long double)p->n;
    long double k = (long double)s->rank, width = (long double)(s->d_qk + s->d_v);
    long double state = lowrank_kv_elems(s).per_seq;
    c.flops = 2 * k * n * (long double)s->kv_heads * width + 2 * n * k * (long double)s->heads * width;
    c.other_flops = 5 * n * k * (long double)s->heads;
    c.read = n * ((long double)s->heads * (long double)s->d_qk + (long double)s->kv_heads * width) +
             state;
    c.write = n * (long double)s->heads * (long double)s->d_v + state;
    c.batch_read = 2 * k * n; /* E and F columns of these positions */
    c.kv = state;
    c.extra = p->phase == ATTN_PHASE_DECODE ? 0 : state;
    return c;
}

/* Training: nothing quadratic is materialised, so the backward is autodiff's over the
 * streamed products (train.h): inputs re-read, output gradients read, input gradients
 * written, twice the products. Gradients of learned projections are not counted. */
static attn_layer_cost lowrank_train(const attn_shape *s, const attn_cost_point *p)
{
    attn_cost_point f = attn_train_forward_point(p);
    attn_layer_cost fwd = lowrank_cost(s, &f);
    return attn_train_streamed(&fwd);
}

const attn_variant_type attn_variant_lowrank = {
    .name = "lowrank",
    .summary = "low-rank (Linformer) attention, K and V projected to k rows per sequence",
    .show = ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT | ATTN_SHOW_NONCAUSAL | ATTN_SHOW_ERROR,
    .knob = {"rank", "k"},
    .shards_heads = true,
    .kv_elems = lowrank_kv_elems,
    .kv_formula = lowrank_kv_formula,
    .cost = lowrank_cost,
    .cpu_ops = &attn_cpu_ops_lowrank,
    .gpu_ops = &attn_gpu_ops_lowrank,
    .train_cost = lowrank_train,
};
