/* mla.c — DeepSeek's Multi-head Latent Attention, cached as DeepSeek serves it.
 *
 * Each token stores one compressed latent c_KV (d_c = kv_lora_rank) and one decoupled RoPE
 * key (d_r), shared by all heads: d_c + d_r elements per token per layer (DeepSeek-V2
 * paper, Table 1: (d_c + d_R^h) * l). Because no head owns it, tensor parallelism cannot
 * split it: every rank keeps the whole latent cache.
 *
 * Absorbed cost (DESIGN.md): W_UK folded into the query (2 h d_n d_c per token), scores over
 * the latent and the RoPE key (2 pairs h (d_c + d_r)), output in latent space
 * (2 pairs h d_c), then W_UV (2 h d_c d_v per token). Decode reads t (d_c + d_r) cache
 * elements once for all heads; the up-projection weights are read once per batch. Prefill
 * runs the FlashAttention-2 order over the latent per head, between the absorbing and the
 * up-projecting passes.
 */
#include <stdio.h>

#include "../train.h"

static attn_kv_elems mla_kv_elems(const attn_shape *s)
{
    attn_kv_elems e = {(uint64_t)(s->d_c + s->d_r), 0};
    return e;
}

static void mla_kv_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "latent d_c %lld + rope d_r %lld = %llu elements per token, all heads",
             (long long)s->d_c, (long long)s->d_r,
             (unsigned long long)mla_kv_elems(s).per_token);
}

static attn_layer_cost mla_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double n = decode ? 1 : (long double)p->n, pairs = attn_pairs(p);
    long double h = (long double)s->heads, dc = (long double)s->d_c, dr = (long double)s->d_r;
    long double dn = (long double)s->d_n, dv = (long double)s->d_v;
    long double latent = (long double)attn_tokens_held(p) * (dc + dr);
    c.flops = 2 * n * h * dn * dc + 2 * pairs * h * (dc + dr) + 2 * pairs * h * dc +
              2 * n * h * dc * dv;
    c.other_flops = 5 * pairs * h;
    c.batch_read = h * dc * (dn + dv); /* W_UK and W_UV */
    c.kv = latent;
    if (decode) {
        c.read = latent + h * (dn + dr);
        c.write = h * dv;
        return c;
    }
    attn_cost_point latent_tiles = *p; /* no shipped FA tile has head dim d_c + d_r */
    latent_tiles.tile_rows = latent_tiles.tile_cols = 0;
    attn_traffic t = attn_flash2_traffic(&latent_tiles, s->d_c + s->d_r, s->d_c);
    c.read = n * h * dn + h * t.read + n * h * dc;  /* q_n; attention; o_c for W_UV */
    c.write = n * h * dc + h * t.write + n * h * dv; /* q_c; o_c and L; o */
    c.extra = n * h * (2 * dc + 1);
    return c;
}

/* Absorbing W_UK into the query is an inference rewrite over a cache; a training step has no
 * cache and DeepSeek-V2 trains the decompressed form (arXiv:2405.04434, Section 2.1.2-2.1.3:
 * absorption is described for inference), which is mla-naive's train_cost. */
static attn_layer_cost mla_train(const attn_shape *s, const attn_cost_point *p)
{
    (void)s, (void)p;
    attn_layer_cost c = {0};
    c.unsupported = true;
    c.note = "the absorbed form is for inference; a training step is variant mla-naive";
    return c;
}

const attn_variant_type attn_variant_mla = {
    .name = "mla",
    .summary = "multi-head latent attention, latent cache (d_c + d_r), absorbed",
    .native = ATTN_NATIVE_MLA,
    .show = ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT,
    .shards_heads = false,
    .kv_elems = mla_kv_elems,
    .kv_formula = mla_kv_formula,
    .cost = mla_cost,
    .cpu_ops = &attn_cpu_ops_mla,
    .gpu_ops = &attn_gpu_ops_mla,
    .train_cost = mla_train,
};
