/* results_csv.h — the results file of `attnscope bench`: one row per (variant, backend,
 * shape), the analytic prediction beside the measurement, units in the column names.
 * Appends are atomic (temp file + rename): a crash or Ctrl-C never loses earlier rows. */
#ifndef ATTN_RESULTS_CSV_H
#define ATTN_RESULTS_CSV_H

#include <stddef.h>

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
    bool normal_inputs;        /* the inputs' distribution (attn_problem.normal_inputs) */
} attn_result_row;

/* The header line, without its newline. */
const char *attn_results_header(void);

/* Appends rows to path (created with a header when absent). An existing file must start
 * with the same header; otherwise nothing is written and the diag names the file. */
int attn_results_append(const char *path, const attn_result_row *rows, size_t count,
                        attn_diag *diag);

#endif
