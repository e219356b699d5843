/* mla_naive.c — MLA with the latent decompressed before caching.
 *
 * Every head then has its own key (d_n + d_r) and value (d_v): h * (d_n + d_r + d_v)
 * elements per token per layer, the cache MLA exists to avoid.
 *
 * Cost (DESIGN.md): the up-projection 2 n d_c h (d_n + d_v), then exact attention with
 * d_qk = d_n + d_r over per-head K and V (FlashAttention-2 order in prefill). The
 * up-projection reads the latents once per pass over its columns (two on the CPU: K's and V's)
 * and the weights once per block of latent rows (one on the CPU; a GPU's work-groups: the
 * request's tiling). Decode reads the decompressed cache once per head and nothing else: the new token's up-projection belongs to
 * the KV projection before attention, as it does for standard attention.
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
    if (p->phase == ATTN_PHASE_DECODE) { /* the decompressed cache, like standard's */
        attn_layer_cost c = {0};
        attn_exact_flops(&full, p, &c);
        attn_exact_decode_traffic(&full, p, &c);
        return c;
    }
    /* Prefill: decompress every head (c read for K and for V, k_r, the head's weights, q_n
     * and q_r; K, V and the concatenated Q written), then FlashAttention-2 on them. */
    attn_layer_cost c = {0};
    long double n = (long double)p->n, h = (long double)s->heads;
    long double dc = (long double)s->d_c, dr = (long double)s->d_r, dqk = (long double)full.d_qk;
    long double dv = (long double)s->d_v;
    int64_t bc, br;
    attn_tile_sizes(p->sram, full.d_qk > full.d_v ? full.d_qk : full.d_v, &bc, &br);
    attn_tiled_visit v = attn_tiled_visit_count(p, br, bc);
    attn_exact_flops(&full, p, &c);
    long double up = 2 * n * dc * h * (long double)(s->d_n + s->d_v);
    c.flops += up;
    c.flops_executed = up + 2.0L * v.pairs * h * (dqk + dv);
    /* the up-projection's blocking (tiling): the weights once per block of latent rows, the
     * latents once per block of columns (the CPU: two GEMMs, K's and V's, over all rows) */
    long double weight_passes = attn_tiling_passes(p->n, p->tiling.project_rows);
    long double latent_passes =
        p->tiling.project_cols > 0 ? attn_tiling_passes(s->d_n + s->d_v, p->tiling.project_cols)
                                   : 2;
    c.weight_read = weight_passes * h * dc * (long double)(s->d_n + s->d_v);
    c.kv_write = h * n * (dqk + dv);
    c.kv_read = h * v.key_rows * (dqk + dv);
    c.read = h * (n * (latent_passes * dc + dr) + n * dqk) + c.weight_read + h * n * dqk +
             c.kv_read;
    c.write = c.kv_write + h * n * dqk + h * n * dv; /* forward only: no logsumexp */
    c.kv = (long double)attn_tokens_held(p) * (long double)mla_naive_kv_elems(s).per_token;
    c.extra = h * n * dqk; /* the concatenated queries */
    c.dram = attn_mla_naive_dram(s, p, &c);
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
    if (c.dram > 0)
        c.dram += 2 * latents + kv;
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
