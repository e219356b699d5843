/* mla_naive.c — MLA with the latent decompressed before caching.
 *
 * Every head then has its own key (d_n + d_r) and value (d_v): h * (d_n + d_r + d_v)
 * elements per token per layer, the cache MLA exists to avoid.
 */
#include <stdio.h>

#include "../variant.h"

static attn_kv_elems mla_naive_kv_elems(const attn_head_shape *s)
{
    attn_kv_elems e = {(uint64_t)s->heads * (uint64_t)(s->d_n + s->d_r + s->d_v), 0};
    return e;
}

static void mla_naive_kv_formula(const attn_head_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "%lld heads x (d_n %lld + d_r %lld + d_v %lld) = %llu elements per token",
             (long long)s->heads, (long long)s->d_n, (long long)s->d_r, (long long)s->d_v,
             (unsigned long long)mla_naive_kv_elems(s).per_token);
}

const attn_variant_type attn_variant_mla_naive = {
    .name = "mla-naive",
    .summary = "MLA with K and V decompressed per head before caching",
    .shards_heads = true,
    .kv_elems = mla_naive_kv_elems,
    .kv_formula = mla_naive_kv_formula,
};
