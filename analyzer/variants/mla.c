/* mla.c — DeepSeek's Multi-head Latent Attention, cached as DeepSeek serves it.
 *
 * Each token stores one compressed latent c_KV (d_c = kv_lora_rank) and one decoupled RoPE
 * key (d_r), shared by all heads: d_c + d_r elements per token per layer (DeepSeek-V2
 * paper, Table 1: (d_c + d_R^h) * l). Because no head owns it, tensor parallelism cannot
 * split it: every rank keeps the whole latent cache.
 */
#include <stdio.h>

#include "../variant.h"

static attn_kv_elems mla_kv_elems(const attn_head_shape *s)
{
    attn_kv_elems e = {(uint64_t)(s->d_c + s->d_r), 0};
    return e;
}

static void mla_kv_formula(const attn_head_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "latent d_c %lld + rope d_r %lld = %llu elements per token, all heads",
             (long long)s->d_c, (long long)s->d_r,
             (unsigned long long)mla_kv_elems(s).per_token);
}

const attn_variant_type attn_variant_mla = {
    .name = "mla",
    .summary = "multi-head latent attention, latent cache (d_c + d_r), absorbed",
    .shards_heads = false,
    .kv_elems = mla_kv_elems,
    .kv_formula = mla_kv_formula,
};
