/* capacity.c — does batch x context fit, and what is the most that would.
 *
 * Usable memory is memory x utilisation (vLLM's gpu_memory_utilization); the weights on this
 * rank come off first and the KV cache gets the rest. Activations and the CUDA context are
 * not modelled: the utilisation factor is where a user leaves room for them.
 */
#include <math.h>

#include "attnscope.h"
#include "checked.h"

/* Far beyond any real context; a cache that still fits here has stopped growing. */
#define CONTEXT_CEILING (INT64_C(1) << 40)

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
    int64_t lo = 0, hi = CONTEXT_CEILING; /* invariant: lo fits, hi does not (or is the cap) */
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

    out->context_unbounded = fits(plan, batch, CONTEXT_CEILING, out->free_bytes);
    out->max_context = out->context_unbounded ? CONTEXT_CEILING
                                              : largest_context(plan, batch, out->free_bytes);
    return ATTN_OK;
}
