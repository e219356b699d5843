/* mla.c — DeepSeek's Multi-head Latent Attention, cached as DeepSeek serves it.
 *
 * Each token stores one compressed latent c_KV (d_c = kv_lora_rank) and one decoupled RoPE
 * key (d_r), shared by all heads: d_c + d_r elements per token per layer (DeepSeek-V2
 * paper, Table 1: (d_c + d_R^h) * l). Because no head owns it, tensor parallelism cannot
 * split it: every rank keeps the whole latent cache.
 *
 * Absorbed cost (DESIGN.md): W_UK folded into the query (2 h d_n d_c per token), scores over
 * the latent and the RoPE key (2 pairs h (d_c + d_r)), output in latent space
 * (2 pairs h d_c), then W_UV (2 h d_c d_v per token). Traffic follows the kernel: query rows
 * of all heads stacked into blocks, each block loading the latent tiles it sees once for all
 * heads, so decode reads t (d_c + d_r) cache elements once; W_UK and W_UV count as weights.
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

/* The CPU kernel's blocking is cost.h's (attn_mla_block_positions, ATTN_MLA_KEY_TILE). A GPU's
 * comes in the request's tiling (kernels/gpu/ops_gpu_mla.c): its positions per block, keys
 * loaded exactly (tile 1), heads cut into groups that each load the latent tiles, splits of the
 * cache whose partials [o_c | max | sum] and the stacked queries pass through global memory,
 * and W_UK, W_UV read by every sequence once per pass of project_rows positions. */
static attn_layer_cost mla_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double n = decode ? 1 : (long double)p->n, pairs = attn_pairs(p);
    long double h = (long double)s->heads, dc = (long double)s->d_c, dr = (long double)s->d_r;
    long double dn = (long double)s->d_n, dv = (long double)s->d_v, rows = n * h;
    const attn_kernel_tiling *k = &p->tiling;
    int64_t positions = k->query_rows > 0 ? k->query_rows : attn_mla_block_positions(s->heads);
    attn_tiled_visit v =
        attn_tiled_visit_count(p, positions, k->key_cols > 0 ? k->key_cols : ATTN_MLA_KEY_TILE);
    c.flops = 2 * rows * dn * dc + 2 * pairs * h * (dc + dr) + 2 * pairs * h * dc +
              2 * rows * dc * dv;
    c.flops_executed = 2 * rows * dn * dc + 2 * v.pairs * h * (2 * dc + dr) + 2 * rows * dc * dv;
    c.other_flops = 5 * pairs * h;
    /* W_UK and W_UV: decode runs one GEMM per head over the whole batch, prefill one per
     * sequence and head (kernels/cpu/mla_absorbed.c) */
    if (k->kv_splits > 0) /* a GPU: every sequence, once per pass */
        c.weight_read = attn_tiling_passes((int64_t)n, k->project_rows) * h * dc * (dn + dv);
    else if (decode)
        c.batch_read = h * dc * (dn + dv);
    else
        c.weight_read = h * dc * (dn + dv);
    c.kv = (long double)attn_tokens_held(p) * (dc + dr);
    /* latent tiles, once per block for all heads (of a group) */
    c.kv_read = (k->head_groups > 0 ? (long double)k->head_groups : 1) * v.key_rows * (dc + dr);
    c.read = rows * (dn + dr) + c.weight_read + c.kv_read; /* q_n, q_r */
    c.write = rows * dv;
    if (k->kv_splits > 0) { /* separate absorb, attend (per split) and merge passes */
        long double splits = (long double)k->kv_splits, partials = splits * rows * (dc + 2);
        c.read += splits * rows * (dc + dr) + partials;
        c.write += rows * (dc + dr) + partials;
        c.extra = rows * (dc + dr) + partials;
        return c;
    }
    /* With more positions than one block holds, the absorbed queries [q_c | q_r] and the
     * latent outputs o_c go to HBM between the three passes and come back; a decode step is
     * one block, whose q_c and o_c never leave it (FlashMLA's accounting: cache + q + o). */
    if (n > (long double)positions) {
        c.read += rows * (2 * dc + dr);
        c.write += rows * (2 * dc + dr);
        c.extra = rows * (2 * dc + dr);
    }
    c.dram = attn_mla_dram(s, p, &c);
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
