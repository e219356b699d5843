/* cost_sweep.c — how fast the analytic cost model answers: 10^6 shapes (every variant,
 * prefill and decode, sequence lengths up to 128K, batches 1..64) through attn_plan_cost,
 * non-causal and causal timed apart (causal tiled traffic walks the blocks: O(n / B)).
 * Run: build/bench/cost_sweep [PRESET] */
#include <stdio.h>
#include <time.h>

#include "attnscope.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int sweep(const attn_model *m, bool causal)
{
    enum { SHAPES = 1000000 };
    attn_plan *plans[16] = {0};
    size_t variants = attn_variant_count();
    for (size_t v = 0; v < variants; v++) {
        attn_request req = {.variant = attn_variant_name(v),
                            .precision = attn_precision_default(ATTN_DTYPE_BF16)};
        if (attn_plan_init(&plans[v], m, &req, NULL))
            return 1;
    }
    long double checksum = 0;
    long shapes = 0, unsupported = 0;
    double t0 = now();
    for (long i = 0; shapes < SHAPES; i++) {
        attn_cost_request req = {
            .phase = i % 2 ? ATTN_PHASE_DECODE : ATTN_PHASE_PREFILL,
            .seq = 1 + (i * 7919) % 131072,
            .batch = 1 + i % 64,
            .causal = causal && i % 2 == 0,
            .sram_bytes = 233472,
            .dtype = ATTN_DTYPE_BF16,
        };
        attn_cost c;
        if (attn_plan_cost(plans[i % variants], &req, &c, NULL) == ATTN_OK)
            checksum += c.flops + c.read_bytes;
        else
            unsupported++;
        shapes++;
    }
    double elapsed = now() - t0;
    printf("%-12s %-10s %ld shapes in %.3f s = %.2f M shapes/s (%ld n/a, checksum %.6Lg)\n",
           m->name, causal ? "causal" : "non-causal", shapes, elapsed,
           (double)shapes / elapsed / 1e6, unsupported, checksum);
    for (size_t v = 0; v < variants; v++)
        attn_plan_free(plans[v]);
    return 0;
}

int main(int argc, char **argv)
{
    attn_model m;
    attn_diag diag = {{0}};
    if (attn_model_load(argc > 1 ? argv[1] : "llama-3-70b", &m, &diag)) {
        fprintf(stderr, "cost_sweep: %s\n", diag.msg);
        return 1;
    }
    int rc = sweep(&m, false) || sweep(&m, true);
    attn_model_free(&m);
    return rc;
}
