/* variant.h — the variant registry (internal): one const entry per attention algorithm.
 *
 * Following GSL's gsl_interp_type pattern, a variant is a table of function pointers; the
 * rest of the code asks the entry, never the name. Adding a variant is one file in
 * analyzer/variants/ and one line in analyzer/variants/meson.build (README: "How to add a
 * variant").
 */
#ifndef ATTN_VARIANT_H
#define ATTN_VARIANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cost.h"
#include "ops.h"

/* Cache elements of one layer: a part that grows with every cached token and a part fixed
 * per sequence (recurrent or projected state). */
typedef struct attn_kv_elems {
    uint64_t per_token;
    uint64_t per_seq;
} attn_kv_elems;

/* How a head-layout alias sets the KV heads of the variant it names. */
typedef enum attn_head_rule {
    ATTN_HEADS_ALL = 1, /* every query head its own K and V (MHA) */
    ATTN_HEADS_ONE,     /* one K/V head for all (MQA) */
    ATTN_HEADS_GROUPED, /* the model's groups, or --kv-heads G (GQA) */
} attn_head_rule;

/* Where a variant (or alias) appears besides `cost`, `variants` and the cost charts, which
 * show every variant. */
enum {
    ATTN_SHOW_KV_CHART = 1u << 0,  /* kv and capacity charts */
    ATTN_SHOW_KV_REPORT = 1u << 1, /* the report's KV what-if table */
    ATTN_SHOW_NONCAUSAL = 1u << 2, /* the report measures it non-causal: no causal form */
    ATTN_SHOW_ERROR = 1u << 3,     /* the report measures its error against its knob */
};

typedef struct attn_variant_alias {
    const char *name; /* what --variant takes */
    attn_head_rule heads;
    const char *help;
    unsigned show; /* ATTN_SHOW_* */
} attn_variant_alias;

/* The one size a variant adds to the shape: its attn_request field, CSV column and bench
 * flag share the name. */
typedef struct attn_variant_knob {
    const char *name;   /* "features" */
    const char *symbol; /* "m" */
} attn_variant_knob;

/* Which model a variant is the as-configured one for. */
typedef enum attn_native {
    ATTN_NATIVE_NONE,
    ATTN_NATIVE_DENSE, /* models with their own K and V per KV head */
    ATTN_NATIVE_MLA,   /* models with an MLA latent */
} attn_native;

typedef struct attn_variant_type {
    const char *name;
    const char *summary;
    attn_native native;
    unsigned show;                      /* ATTN_SHOW_* */
    const attn_variant_alias *aliases;  /* NULL-name terminated; NULL for none */
    attn_variant_knob knob;             /* name NULL: none */
    /* false when every tensor-parallel rank holds the whole cache (MLA's shared latent) */
    bool shards_heads;
    attn_kv_elems (*kv_elems)(const attn_shape *shape);
    /* "8 KV heads x (128 + 128) = 2048 elements per token" */
    void (*kv_formula)(const attn_shape *shape, char *buf, size_t len);
    /* FLOPs and HBM elements of one layer for one sequence */
    attn_layer_cost (*cost)(const attn_shape *shape, const attn_cost_point *point);
    /* real kernels by kind (NULL: none of that kind): C for the CPU backend, and the one
     * GPU source that every GPU backend builds */
    const attn_kernel_ops *cpu_ops;
    const attn_kernel_ops *gpu_ops;
    /* one training step (forward + backward) of one layer for one sequence; NULL: this
     * variant's backward is not defined (see train.h for the conventions) */
    attn_layer_cost (*train_cost)(const attn_shape *shape, const attn_cost_point *point);
} attn_variant_type;

/* The built-in variants in registry order, generated from analyzer/variants/meson.build
 * (analyzer/variants/table.py); read them through attn_variant_at. */
extern const attn_variant_type *const attn_variant_builtin[];
extern const size_t attn_variant_builtin_count;

/* Adds a variant after the built-in ones, for a test or a program that links the library
 * statically: every chart, report section, plan and list then shows it as the registry says.
 * Call before any other thread reads the registry; `type` must outlive every use. ATTN_OK,
 * ATTN_ERR_FIELD (a function or name missing, or the name taken) or ATTN_ERR_RANGE (full). */
int attn_variant_register(const attn_variant_type *type);
const attn_variant_type *attn_variant_find(const char *name);
const attn_variant_type *attn_variant_at(size_t index);
/* The variant an alias names, and the alias; NULL when `name` is no alias. */
const attn_variant_type *attn_variant_alias_find(const char *name,
                                                 const attn_variant_alias **alias);
/* The first alias with this head rule (claims try "MHA instead"); NULL when none. */
const char *attn_variant_alias_name(attn_head_rule heads);
/* The as-configured variant of a model with (mla) or without an MLA latent. */
const attn_variant_type *attn_variant_native(bool mla);
/* Names of the variants and aliases `show` selects, in registry order, a variant's aliases
 * before it. Returns how many were written (at most max). */
size_t attn_variant_list(unsigned show, const char **names, size_t max);
/* The variant's kernels for a backend of this kind; NULL when it has none. */
const attn_kernel_ops *attn_variant_ops(const attn_variant_type *type, attn_backend_kind kind);
/* The first variant other than `type` with a knob, or NULL. */
const attn_variant_type *attn_variant_other_knob(const attn_variant_type *type);

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
