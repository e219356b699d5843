/* capacity.c — does batch x context fit, and what is the most that would.
 *
 * Usable memory is memory x utilisation (vLLM's gpu_memory_utilization); the weights on this
 * rank come off first and the KV cache gets the rest. Activations and the CUDA context are
 * not modelled: the utilisation factor is where a user leaves room for them.
 */
#include <math.h>

#include "attnscope.h"
#include "checked.h"

/* Far beyond any real context; a cache that fits here and is no larger than at half of it
 * has stopped growing (fixed state, windows). One that still grows is searched up to
 * CONTEXT_SEARCH, past which the sizes overflow 64 bits and do not fit anyway. */
#define CONTEXT_CEILING (INT64_C(1) << 40)
#define CONTEXT_SEARCH (INT64_C(1) << 62)

static bool fits(const attn_plan *plan, int64_t batch, int64_t context, uint64_t free_bytes)
{
    uint64_t bytes;
    return attn_plan_kv_bytes(plan, batch, context, &bytes) == ATTN_OK && bytes <= free_bytes;
}

/* Largest context whose cache fits; -1 when even an empty cache (fixed state) does not. */
static int64_t largest_context(const attn_plan *plan, int64_t batch, uint64_t free_bytes)
{
    if (!fits(plan, batch, 0, free_bytes))
        return -1;
    int64_t lo = 0, hi = CONTEXT_SEARCH; /* invariant: lo fits, hi does not (or is the cap) */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (fits(plan, batch, mid, free_bytes))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int attn_capacity_compute(const attn_plan *plan, uint64_t memory_bytes, double mem_util,
                          uint64_t weights_bytes, int64_t batch, int64_t context,
                          attn_capacity *out)
{
    if (!(mem_util > 0.0 && mem_util <= 1.0) || batch < 0 || context < 0)
        return ATTN_ERR_RANGE;
    out->usable_bytes = (uint64_t)floorl((long double)memory_bytes * (long double)mem_util);
    out->weights_bytes = weights_bytes;
    out->free_bytes = out->usable_bytes > weights_bytes ? out->usable_bytes - weights_bytes : 0;
    int rc = attn_plan_kv_bytes(plan, batch, context, &out->needed_bytes);
    if (rc)
        return rc;
    out->fits = weights_bytes <= out->usable_bytes && out->needed_bytes <= out->free_bytes;

    uint64_t per_seq = 0;
    if ((rc = attn_plan_kv_bytes(plan, 1, context, &per_seq)))
        return rc;
    uint64_t max_batch = per_seq ? out->free_bytes / per_seq : (uint64_t)INT64_MAX;
    out->max_batch = max_batch > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)max_batch;

    uint64_t at_ceiling = 0, at_half = 0;
    out->context_unbounded =
        fits(plan, batch, CONTEXT_CEILING, out->free_bytes) &&
        attn_plan_kv_bytes(plan, batch, CONTEXT_CEILING, &at_ceiling) == ATTN_OK &&
        attn_plan_kv_bytes(plan, batch, CONTEXT_CEILING / 2, &at_half) == ATTN_OK &&
        at_ceiling == at_half;
    out->max_context = out->context_unbounded ? CONTEXT_CEILING
                                              : largest_context(plan, batch, out->free_bytes);
    return ATTN_OK;
}
