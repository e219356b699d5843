/* standard.c — standard softmax attention (MHA, GQA and MQA by the number of KV heads).
 *
 * It caches K and V for every KV head: h_kv * (d_qk + d_v) elements per token per layer.
 */
#include <stdio.h>

#include "../variant.h"

attn_kv_elems attn_kv_elems_full(const attn_head_shape *s)
{
    attn_kv_elems e = {(uint64_t)s->kv_heads * (uint64_t)(s->d_qk + s->d_v), 0};
    return e;
}

void attn_kv_formula_full(const attn_head_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "%lld KV heads x (d_k %lld + d_v %lld) = %llu elements per token",
             (long long)s->kv_heads, (long long)s->d_qk, (long long)s->d_v,
             (unsigned long long)attn_kv_elems_full(s).per_token);
}

const attn_variant_type attn_variant_standard = {
    .name = "standard",
    .summary = "softmax attention, scores materialised; MHA/GQA/MQA by KV heads",
    .shards_heads = true,
    .kv_elems = attn_kv_elems_full,
    .kv_formula = attn_kv_formula_full,
};
