/* plan_internal.h — the inside of an attn_plan, shared by the KV sizing (plan.c) and the
 * cost model (plan_cost.c), which both walk the same layers grouped by window. */
#ifndef ATTN_PLAN_INTERNAL_H
#define ATTN_PLAN_INTERNAL_H

#include "attnscope.h"
#include "variant.h"

typedef struct window_group {
    int64_t window; /* 0 = global */
    uint64_t layers;
} window_group;

struct attn_plan {
    const attn_variant_type *variant;
    attn_shape shape; /* per tensor-parallel rank */
    int64_t tp;
    int64_t layers;
    attn_kv_layer *layer;
    window_group *group;
    size_t groups;
    uint64_t bytes_per_token; /* of one layer */
    uint64_t bytes_per_seq;   /* of one layer */
    char formula[256];
};

#endif
