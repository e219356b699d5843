/* standard.c — standard softmax attention (MHA, GQA and MQA by the number of KV heads).
 *
 * Cache: K and V for every KV head, h_kv (d_qk + d_v) elements per token per layer.
 * Cost: FlashAttention paper's Algorithm 0, which writes S = QK^T and P = softmax(S) to HBM
 * and reads them back: per head 2N d_qk + 2N d_v + 4N^2 elements (a causal mask does not
 * shrink what is materialised). Each query head reads its own K and V, in prefill and in
 * decode: Algorithm 0 shares nothing within a GQA group. FLOPs count only the scored pairs, n(n+1)/2 when causal.
 * A kernel whose work-groups hold B_r query rows (the request's tiling.query_rows, a GPU's
 * plan) reads K and V once per block: ceil(n / B_r) times; the CPU's GEMMs read them once.
 */
#include <math.h>
#include <stdio.h>

#include "../train.h"

attn_kv_elems attn_kv_elems_full(const attn_shape *s)
{
    attn_kv_elems e = {(uint64_t)s->kv_heads * (uint64_t)(s->d_qk + s->d_v), 0};
    return e;
}

void attn_kv_formula_full(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "%lld KV heads x (d_k %lld + d_v %lld) = %llu elements per token",
             (long long)s->kv_heads, (long long)s->d_qk, (long long)s->d_v,
             (unsigned long long)attn_kv_elems_full(s).per_token);
}

void attn_exact_flops(const attn_shape *s, const attn_cost_point *p, attn_layer_cost *c)
{
    long double pairs = attn_pairs(p), h = (long double)s->heads;
    c->flops = 2.0L * pairs * h * (long double)(s->d_qk + s->d_v);
    c->other_flops = 5.0L * pairs * h;
}

void attn_exact_decode_traffic(const attn_shape *s, const attn_cost_point *p,
                               attn_layer_cost *c)
{
    long double t = (long double)attn_tokens_held(p), h = (long double)s->heads;
    const long double kv_heads = (long double)s->kv_heads;
    c->kv = t * kv_heads * (long double)(s->d_qk + s->d_v);
    c->kv_read = c->kv;
    /* each split of a split-KV kernel loads the queries again (tiling.kv_splits) */
    c->read = c->kv + attn_tiling_passes(p->tiling.kv_splits, 1) * h * (long double)s->d_qk +
              t * kv_heads * p->scale_elems;
    if (p->kv_block > 0) /* one block-table entry per block per KV head */
        c->read += kv_heads * ceill(t / (long double)p->kv_block) * p->index_elems;
    c->write = h * (long double)s->d_v;
}

static attn_layer_cost standard_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    long double h = (long double)s->heads, n = (long double)p->n;
    attn_exact_flops(s, p, &c);
    if (p->phase == ATTN_PHASE_DECODE) {
        /* Algorithm 0 with one query row: each query head reads its K and V (no sharing
         * within a GQA group), writes and reads back its S and P rows. */
        long double t = (long double)attn_tokens_held(p);
        c.kv = t * (long double)attn_kv_elems_full(s).per_token;
        c.read = h * ((long double)s->d_qk + t * (long double)(s->d_qk + s->d_v) + 2 * t);
        c.write = h * ((long double)s->d_v + 2 * t);
        c.kv_read = h * t * (long double)(s->d_qk + s->d_v);
        c.extra = t * h;
        c.dram = attn_standard_dram(s, p, &c);
        return c;
    }
    /* S is computed whole and masked: a causal prefill executes all n^2 pairs. */
    c.flops_executed = 2.0L * n * n * h * (long double)(s->d_qk + s->d_v);
    /* K and V once per block of query rows a kernel holds (tiling.query_rows; CPU: one) */
    long double passes = attn_tiling_passes(p->n, p->tiling.query_rows);
    c.read = h * (n * (long double)s->d_qk + passes * n * (long double)(s->d_qk + s->d_v) +
                  2 * n * n);
    c.kv_read = passes * h * n * (long double)(s->d_qk + s->d_v);
    c.write = h * (n * (long double)s->d_v + 2 * n * n);
    c.kv = (long double)attn_tokens_held(p) * (long double)attn_kv_elems_full(s).per_token;
    c.extra = h * n * n; /* every head's scores at once, as a batched implementation holds them */
    c.dram = attn_standard_dram(s, p, &c);
    return c;
}

/* Head layouts of the same algorithm; kv and the claim checker ask "what if MHA / MQA". */
static const attn_variant_alias head_layouts[] = {
    {"mha", ATTN_HEADS_ALL, "every head its own K/V", ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT},
    {"gqa", ATTN_HEADS_GROUPED, "--kv-heads G groups", 0},
    {"mqa", ATTN_HEADS_ONE, "one K/V head", ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT},
    {NULL, 0, NULL, 0},
};

const attn_variant_type attn_variant_standard = {
    .name = "standard",
    .summary = "softmax attention, scores materialised; MHA/GQA/MQA by KV heads",
    .native = ATTN_NATIVE_DENSE,
    .aliases = head_layouts,
    .shards_heads = true,
    .kv_elems = attn_kv_elems_full,
    .kv_formula = attn_kv_formula_full,
    .cost = standard_cost,
    .cpu_ops = &attn_cpu_ops_standard,
    .gpu_ops = &attn_gpu_ops_standard,
    .train_cost = attn_train_standard,
};
