/* mla_naive.c — MLA with the latent decompressed before caching.
 *
 * Every head then has its own key (d_n + d_r) and value (d_v): h * (d_n + d_r + d_v)
 * elements per token per layer, the cache MLA exists to avoid.
 *
 * Cost (DESIGN.md): the up-projection 2 n d_c h (d_n + d_v), then exact attention with
 * d_qk = d_n + d_r over per-head K and V (FlashAttention-2 order in prefill, the
 * decompressed cache in decode).
 */
#include <stdio.h>

#include "../train.h"

static attn_kv_elems mla_naive_kv_elems(const attn_shape *s)
{
    attn_kv_elems e = {(uint64_t)s->heads * (uint64_t)(s->d_n + s->d_r + s->d_v), 0};
    return e;
}

static void mla_naive_kv_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "%lld heads x (d_n %lld + d_r %lld + d_v %lld) = %llu elements per token",
             (long long)s->heads, (long long)s->d_n, (long long)s->d_r, (long long)s->d_v,
             (unsigned long long)mla_naive_kv_elems(s).per_token);
}

static attn_layer_cost mla_naive_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_shape full = *s; /* what the attention sees after decompression */
    full.kv_heads = s->heads;
    full.d_qk = s->d_n + s->d_r;
    attn_layer_cost c = {0};
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double n = decode ? 1 : (long double)p->n, h = (long double)s->heads;
    long double per_token = (long double)mla_naive_kv_elems(s).per_token;
    attn_exact_flops(&full, p, &c);
    c.flops += 2 * n * (long double)s->d_c * h * (long double)(s->d_n + s->d_v);
    c.batch_read = h * (long double)s->d_c * (long double)(s->d_n + s->d_v);
    if (decode) {
        attn_exact_decode_traffic(&full, p, &c);
    } else {
        attn_traffic t = attn_flash2_traffic(p, full.d_qk, full.d_v);
        c.read = h * t.read;
        c.write = h * t.write;
        c.kv = (long double)attn_tokens_held(p) * per_token;
        c.extra = n * h;
    }
    c.read += n * (long double)(s->d_c + s->d_r); /* the new latents */
    c.write += n * per_token;                     /* decompressed K and V */
    return c;
}

/* Training: the attention part is FlashAttention-2's step over the decompressed heads
 * (train.h, 3.5 x its forward FLOPs); the up-projection is a streamed product whose backward
 * re-reads the latents, reads dK and dV, writes the latents' gradient and does two products. */
static attn_layer_cost mla_naive_train(const attn_shape *s, const attn_cost_point *p)
{
    attn_cost_point f = attn_train_forward_point(p);
    attn_layer_cost c = mla_naive_cost(s, &f);
    attn_shape full = *s;
    full.kv_heads = s->heads;
    full.d_qk = s->d_n + s->d_r;
    long double n = (long double)p->n, h = (long double)s->heads;
    long double up_flops = 2 * n * (long double)s->d_c * h * (long double)(s->d_n + s->d_v);
    long double latents = n * (long double)(s->d_c + s->d_r);
    long double kv = n * (long double)mla_naive_kv_elems(s).per_token;
    c.flops -= up_flops;
    attn_train_flash_backward(&full, p, true, &c);
    c.flops += 3 * up_flops;
    c.read += latents + kv;
    c.write += latents;
    c.batch_read *= 2;
    return c;
}

const attn_variant_type attn_variant_mla_naive = {
    .name = "mla-naive",
    .summary = "MLA with K and V decompressed per head before caching",
    .show = ATTN_SHOW_KV_REPORT,
    .shards_heads = true,
    .kv_elems = mla_naive_kv_elems,
    .kv_formula = mla_naive_kv_formula,
    .cost = mla_naive_cost,
    .cpu_ops = &attn_cpu_ops_mla_naive,
    .gpu_ops = &attn_gpu_ops_mla_naive,
    .train_cost = mla_naive_train,
};
