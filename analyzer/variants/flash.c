/* flash.c — FlashAttention: exact attention computed in tiles, never materialising n x n.
 *
 * It changes traffic and working memory, not what is cached, so its cache is standard's.
 */
#include "../variant.h"

const attn_variant_type attn_variant_flash = {
    .name = "flash",
    .summary = "FlashAttention (tiled, online softmax); caches what standard caches",
    .shards_heads = true,
    .kv_elems = attn_kv_elems_full,
    .kv_formula = attn_kv_formula_full,
};
