/* standard.c — standard softmax attention (MHA, GQA and MQA by the number of KV heads).
 *
 * Cache: K and V for every KV head, h_kv (d_qk + d_v) elements per token per layer.
 * Cost: FlashAttention paper's Algorithm 0, which writes S = QK^T and P = softmax(S) to HBM
 * and reads them back: per head 2N d_qk + 2N d_v + 4N^2 elements (a causal mask does not
 * shrink what is materialised). Each query head reads its own K and V, in prefill and in
 * decode: Algorithm 0 shares nothing within a GQA group. FLOPs count only the scored pairs, n(n+1)/2 when causal.
 */
#include <stdio.h>

#include "../variant.h"

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
    c->kv = t * (long double)s->kv_heads * (long double)(s->d_qk + s->d_v);
    c->kv_read = c->kv;
    c->read = c->kv + h * (long double)s->d_qk;
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
        return c;
    }
    /* S is computed whole and masked: a causal prefill executes all n^2 pairs. */
    c.flops_executed = 2.0L * n * n * h * (long double)(s->d_qk + s->d_v);
    c.read = h * (n * (long double)(2 * s->d_qk + s->d_v) + 2 * n * n);
    c.kv_read = h * n * (long double)(s->d_qk + s->d_v);
    c.write = h * (n * (long double)s->d_v + 2 * n * n);
    c.kv = (long double)attn_tokens_held(p) * (long double)attn_kv_elems_full(s).per_token;
    c.extra = h * n * n; /* every head's scores at once, as a batched implementation holds them */
    return c;
}

const attn_variant_type attn_variant_standard = {
    .name = "standard",
    .summary = "softmax attention, scores materialised; MHA/GQA/MQA by KV heads",
    .shards_heads = true,
    .kv_elems = attn_kv_elems_full,
    .kv_formula = attn_kv_formula_full,
    .cost = standard_cost,
    .kernels = {[ATTN_BACKEND_CPU] = &attn_cpu_ops_standard,
                [ATTN_BACKEND_OPENCL] = &attn_gpu_ops_standard,
                [ATTN_BACKEND_CUDA] = &attn_gpu_ops_standard},
};
