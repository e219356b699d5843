/* performer.c — Performer (FAVOR+) linear attention.
 *
 * Decoding keeps a recurrent state instead of a cache: S = sum phi(k) v^T (m x d_v) and the
 * normaliser z = sum phi(k) (m) for each KV head, m*(d_v + 1) elements, whatever the
 * context length. With GQA the heads of a group share K and V, hence phi(K) and the state, so
 * the state is per KV head (for MHA that is h, as in DESIGN.md's table).
 */
#include <stdio.h>

#include "../variant.h"

static attn_kv_elems performer_kv_elems(const attn_head_shape *s)
{
    attn_kv_elems e = {0, (uint64_t)s->kv_heads * (uint64_t)s->features * (uint64_t)(s->d_v + 1)};
    return e;
}

static void performer_kv_formula(const attn_head_shape *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "state %lld KV heads x m %lld x (d_v %lld + 1) = %llu elements per sequence",
             (long long)s->kv_heads, (long long)s->features, (long long)s->d_v,
             (unsigned long long)performer_kv_elems(s).per_seq);
}

const attn_variant_type attn_variant_performer = {
    .name = "performer",
    .summary = "Performer FAVOR+ linear attention, fixed state per sequence (m features)",
    .shards_heads = true,
    .kv_elems = performer_kv_elems,
    .kv_formula = performer_kv_formula,
};
