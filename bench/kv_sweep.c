/* kv_sweep.c — how fast the KV planner answers: 10^6 (batch, context) points through the
 * library, for a dense model, a windowed one and an MLA one. Prints points per second and
 * a checksum (so the compiler cannot drop the work). Run: build/bench/kv_sweep [PRESET...] */
#include <stdio.h>
#include <time.h>

#include "attnscope.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int sweep(const char *preset)
{
    attn_model m;
    attn_diag diag = {{0}};
    attn_plan *plan = NULL;
    if (attn_model_load(preset, &m, &diag)) {
        fprintf(stderr, "kv_sweep: %s\n", diag.msg);
        return 1;
    }
    attn_request req = {.precision = attn_precision_default(ATTN_DTYPE_BF16)};
    double t0 = now();
    int rc = attn_plan_init(&plan, &m, &req, &diag);
    double t_plan = now() - t0;
    if (rc) {
        fprintf(stderr, "kv_sweep: %s\n", diag.msg);
        attn_model_free(&m);
        return 1;
    }
    uint64_t checksum = 0, bytes = 0;
    long points = 0;
    t0 = now();
    for (int64_t batch = 1; batch <= 1000; batch++) {
        for (int64_t i = 0; i < 1000; i++) {
            int64_t context = 1 + i * 131; /* up to ~131k tokens */
            if (attn_plan_kv_bytes(plan, batch, context, &bytes) == ATTN_OK)
                checksum ^= bytes;
            points++;
        }
    }
    double t_sweep = now() - t0;
    printf("%-18s plan %.1f us, %ld points in %.3f s = %.1f M points/s (checksum %llx)\n",
           preset, t_plan * 1e6, points, t_sweep, (double)points / t_sweep / 1e6,
           (unsigned long long)checksum);
    attn_plan_free(plan);
    attn_model_free(&m);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *defaults[] = {"llama-3-70b", "gemma-2-9b", "deepseek-v3"};
    int failures = 0;
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            failures += sweep(argv[i]);
    else
        for (int i = 0; i < 3; i++)
            failures += sweep(defaults[i]);
    return failures ? 1 : 0;
}
