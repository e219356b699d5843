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

#include "cost.h"
#include "ops.h"

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
    attn_kv_elems (*kv_elems)(const attn_shape *shape);
    /* "8 KV heads x (128 + 128) = 2048 elements per token" */
    void (*kv_formula)(const attn_shape *shape, char *buf, size_t len);
    /* FLOPs and HBM elements of one layer for one sequence */
    attn_layer_cost (*cost)(const attn_shape *shape, const attn_cost_point *point);
    /* real kernels per backend (NULL: none on that backend) */
    const attn_kernel_ops *kernels[ATTN_BACKEND_COUNT];
} attn_variant_type;

const attn_variant_type *attn_variant_find(const char *name);
const attn_variant_type *attn_variant_at(size_t index);

/* Shared by standard and flash, which cache the same K and V. */
attn_kv_elems attn_kv_elems_full(const attn_shape *shape);
void attn_kv_formula_full(const attn_shape *shape, char *buf, size_t len);

/* Exact softmax attention FLOPs over the scored pairs (shared by standard, flash and
 * MLA-naive): 2 pairs h (d_qk + d_v) in products, ~5 pairs h for the softmax. */
void attn_exact_flops(const attn_shape *shape, const attn_cost_point *point,
                      attn_layer_cost *cost);
/* Decode of exact attention without materialising scores: the cache read once per KV head,
 * q read, o written; with a paged cache its block-table entries, and per-token scales. */
void attn_exact_decode_traffic(const attn_shape *shape, const attn_cost_point *point,
                               attn_layer_cost *cost);

#endif
