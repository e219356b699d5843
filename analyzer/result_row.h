/* result_row.h — one measured row: (variant, backend, shape), the analytic prediction beside
 * the measurement. analyzer fills it (bench_case.c); reports/results_csv.c writes it. It lives
 * here, below reports, so the harness never needs a header of the layer above it. */
#ifndef ATTN_RESULT_ROW_H
#define ATTN_RESULT_ROW_H

#include "attnscope.h"
#include "measure.h"

typedef struct attn_result_row {
    const char *model, *variant, *backend;
    attn_phase phase;
    int64_t batch, heads, kv_heads, d_qk, d_v, seq;
    bool causal;
    const char *store;
    int64_t features, rank;
    uint64_t sram_bytes;
    int threads;
    uint64_t seed;
    attn_measurement m;
    attn_cost model_cost;      /* the analytic prediction for the same shape */
    const char *traffic_sim;   /* "" when not asked; a number, or "unavailable: why" */
    const char *traffic_hw;
    const char *kv_layout;     /* decode cache layout ("contiguous", "paged") */
    int64_t block_size;        /* paged: tokens per block; 0 otherwise */
    double roof_flops, roof_read_bps; /* the probed local roofline; 0: none saved */
    bool normal_inputs;        /* the inputs' distribution (attn_problem.normal_inputs) */
} attn_result_row;

#endif
