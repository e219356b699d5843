/* bench_case.h — one benchmark run end to end: the variant's plan gives the shape and the
 * analytic prediction, the backend runs the variant's kernel on that shape, and the two land
 * side by side in one result row. */
#ifndef ATTN_BENCH_CASE_H
#define ATTN_BENCH_CASE_H

#include "backend.h"
#include "measure.h"
#include "results_csv.h"

typedef struct attn_bench_case {
    const attn_model *model;
    const char *variant;
    attn_request whatif;  /* features, rank, kv_heads ... */
    attn_phase phase;
    int64_t seq, batch;
    bool causal;
    attn_store store;     /* decode cache storage */
    size_t sram_bytes;    /* 0 = the backend's (CPU: L2; GPU: local memory) */
    uint64_t seed;
    int threads;
    const attn_backend *backend;
    attn_measure_options options;
} attn_bench_case;

/* Fills row (its strings point into c and static tables). ATTN_ERR_UNSUPPORTED, with the
 * reason in diag, when the variant has no kernel for this backend or this problem. */
int attn_bench_run(const attn_bench_case *c, attn_result_row *row, attn_diag *diag);

const char *attn_store_name(attn_store store);

#endif
