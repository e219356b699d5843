/* variant.h — the variant registry (internal): one const entry per attention algorithm.
 *
 * Following GSL's gsl_interp_type pattern, a variant is a table of function pointers; the
 * rest of the code asks the entry, never the name. Adding a variant is one file in
 * analyzer/variants/ and one line in variant_registry.c.
 */
#ifndef ATTN_VARIANT_H
#define ATTN_VARIANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The dimensions one layer's attention works with, as a variant sees them. */
typedef struct attn_head_shape {
    int64_t heads;    /* h: query heads */
    int64_t kv_heads; /* h_kv: heads that have their own K and V */
    int64_t d_qk;     /* query/key head dim (MLA: d_n + d_r) */
    int64_t d_v;      /* value head dim */
    int64_t d_c;      /* MLA kv_lora_rank */
    int64_t d_r;      /* MLA decoupled RoPE dims */
    int64_t d_n;      /* MLA no-RoPE query/key dims */
    int64_t features; /* Performer m */
    int64_t rank;     /* low-rank k */
} attn_head_shape;

/* Cache elements of one layer: a part that grows with every cached token and a part fixed
 * per sequence (recurrent or projected state). */
typedef struct attn_kv_elems {
    uint64_t per_token;
    uint64_t per_seq;
} attn_kv_elems;

typedef struct attn_variant_type {
    const char *name;
    const char *summary;
    /* false when every tensor-parallel rank holds the whole cache (MLA's shared latent) */
    bool shards_heads;
    attn_kv_elems (*kv_elems)(const attn_head_shape *shape);
    /* "8 KV heads x (128 + 128) = 2048 elements per token" */
    void (*kv_formula)(const attn_head_shape *shape, char *buf, size_t len);
} attn_variant_type;

const attn_variant_type *attn_variant_find(const char *name);
const attn_variant_type *attn_variant_at(size_t index);

/* Shared by standard and flash, which cache the same K and V. */
attn_kv_elems attn_kv_elems_full(const attn_head_shape *shape);
void attn_kv_formula_full(const attn_head_shape *shape, char *buf, size_t len);

#endif
