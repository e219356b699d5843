/* bench_traffic.c — a benchmark row's `sim` and `hw` traffic, each as bytes or
 * "unavailable: why" (the CSV and the table print the string as it is). */
#include <stdio.h>

#include "bench_case.h"

void attn_bench_traffic(const attn_bench_case *c, const char *variant,
                        const attn_kernel_ops *ops, const attn_problem *p, attn_result_row *row)
{
    attn_traffic_text *t = c->traffic_text;
    char why[200] = "";
    if (c->traffic & ATTN_TRAFFIC_SIM) {
        attn_sim_result s;
        if (c->backend->kind != ATTN_BACKEND_KIND_CPU)
            snprintf(why, sizeof why, "the cache simulation runs CPU kernels only");
        if (why[0] || attn_traffic_sim(variant, p, &c->sim, &s, why, sizeof why))
            snprintf(t->sim, sizeof t->sim, "unavailable: %s", why);
        else
            snprintf(t->sim, sizeof t->sim, "%llu",
                     (unsigned long long)(s.read_bytes + s.write_bytes));
        row->traffic_sim = t->sim;
    }
    if (c->traffic & ATTN_TRAFFIC_HW) {
        uint64_t bytes;
        if (attn_traffic_hw(c->backend, ops, p, &bytes, why, sizeof why))
            snprintf(t->hw, sizeof t->hw, "unavailable: %s", why);
        else
            snprintf(t->hw, sizeof t->hw, "%llu", (unsigned long long)bytes);
        row->traffic_hw = t->hw;
    }
}
