/* lowrank.c — low-rank (Linformer-style) attention.
 *
 * K and V are projected along the sequence to k rows (E K, F V), so a sequence keeps
 * h_kv * k * (d_qk + d_v) elements per layer; new tokens are folded into the projected rows
 * (E[:, t] k_t), so the state does not grow with the context.
 */
#include <stdio.h>

#include "../variant.h"

static attn_kv_elems lowrank_kv_elems(const attn_head_shape *s)
{
    attn_kv_elems e = {0, (uint64_t)s->kv_heads * (uint64_t)s->rank * (uint64_t)(s->d_qk + s->d_v)};
    return e;
}

static void lowrank_kv_formula(const attn_head_shape *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "projected %lld KV heads x k %lld x (d_k %lld + d_v %lld) = %llu elements per sequence",
             (long long)s->kv_heads, (long long)s->rank, (long long)s->d_qk, (long long)s->d_v,
             (unsigned long long)lowrank_kv_elems(s).per_seq);
}

const attn_variant_type attn_variant_lowrank = {
    .name = "lowrank",
    .summary = "low-rank (Linformer) attention, K and V projected to k rows per sequence",
    .shards_heads = true,
    .kv_elems = lowrank_kv_elems,
    .kv_formula = lowrank_kv_formula,
};
