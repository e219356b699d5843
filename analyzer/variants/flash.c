/* flash.c — FlashAttention: exact attention computed in tiles, never materialising n x n.
 *
 * It caches what standard caches; it changes traffic and working memory. Two loop orders:
 * "flash1" is the paper's Algorithm 1 (K/V blocks outer, Theorem 2's Theta(N^2 d^2 / M)
 * traffic), "flash" the FlashAttention-2 order (Q blocks outer). Tiles come from the on-chip
 * memory M: B_c = ceil(M / 4d), B_r = min(B_c, d), unless the request names a shipped
 * kernel's tiles (kernel_tiles.c; "flash" only: "flash1" is the paper's analysis). In prefill each query head reads its K/V
 * (as a per-head kernel does); in decode a KV head's cache is read once for its group.
 */
#include "../train.h"

typedef attn_traffic (*tile_traffic)(const attn_cost_point *, int64_t, int64_t);
typedef long double (*cached_traffic)(const attn_shape *, const attn_cost_point *,
                                      const attn_layer_cost *);

static attn_layer_cost flash_cost_with(const attn_shape *s, const attn_cost_point *p,
                                       tile_traffic traffic, cached_traffic dram,
                                       long double stats_per_row, bool kv_once)
{
    attn_layer_cost c = {0};
    long double h = (long double)s->heads;
    attn_exact_flops(s, p, &c);
    if (p->phase == ATTN_PHASE_DECODE) {
        attn_exact_decode_traffic(s, p, &c);
        return c;
    }
    attn_traffic t = traffic(p, s->d_qk, s->d_v);
    int64_t bc, br;
    int64_t d = s->d_qk > s->d_v ? s->d_qk : s->d_v;
    if (kv_once) /* Algorithm 1: the paper's tiles from M, whatever kernel the point names */
        attn_tile_sizes(p->sram, d, &bc, &br);
    else
        attn_point_tiles(p, d, &bc, &br);
    attn_tiled_visit v = attn_tiled_visit_count(p, br, bc);
    c.flops_executed = 2.0L * v.pairs * h * (long double)(s->d_qk + s->d_v);
    /* FlashAttention-2 loads the visited key tiles once per query block; Algorithm 1 loads
     * K and V once (its re-reads are of Q, O and the statistics). */
    c.kv_read = h * (long double)(s->d_qk + s->d_v) *
                (kv_once ? (long double)p->n : v.key_rows);
    c.read = h * t.read;
    c.write = h * t.write;
    c.kv = (long double)attn_tokens_held(p) * (long double)attn_kv_elems_full(s).per_token;
    c.extra = h * (long double)p->n * stats_per_row; /* softmax statistics in HBM */
    c.dram = dram(s, p, &c);
    return c;
}

static attn_layer_cost flash2_cost(const attn_shape *s, const attn_cost_point *p)
{
    return flash_cost_with(s, p, attn_flash2_traffic, attn_flash2_dram, 1, false); /* logsumexp L */
}

static attn_layer_cost flash1_cost(const attn_shape *s, const attn_cost_point *p)
{
    /* running max m and sum l */
    return flash_cost_with(s, p, attn_flash1_traffic, attn_flash1_dram, 2, true);
}

/* Training: the forward above, then the backward of the same loop family (train.h). */
static attn_layer_cost flash2_train(const attn_shape *s, const attn_cost_point *p)
{
    attn_cost_point f = attn_train_forward_point(p);
    attn_layer_cost c = flash2_cost(s, &f);
    attn_train_flash_backward(s, p, true, &c);
    return c;
}

static attn_layer_cost flash1_train(const attn_shape *s, const attn_cost_point *p)
{
    attn_cost_point f = attn_train_forward_point(p);
    attn_layer_cost c = flash1_cost(s, &f);
    attn_train_flash_backward(s, p, false, &c);
    return c;
}

const attn_variant_type attn_variant_flash = {
    .name = "flash",
    .summary = "FlashAttention-2 loop order (Q blocks outer), online softmax, kernel or SRAM tiles",
    .shards_heads = true,
    .kv_elems = attn_kv_elems_full,
    .kv_formula = attn_kv_formula_full,
    .cost = flash2_cost,
    .cpu_ops = &attn_cpu_ops_flash,
    .gpu_ops = &attn_gpu_ops_flash,
    .train_cost = flash2_train,
};

const attn_variant_type attn_variant_flash1 = {
    .name = "flash1",
    .summary = "FlashAttention paper Algorithm 1 (K/V blocks outer), tiles ceil(M/4d)",
    .shards_heads = true,
    .kv_elems = attn_kv_elems_full,
    .kv_formula = attn_kv_formula_full,
    .cost = flash1_cost,
    .train_cost = flash1_train,
};
