/* bench_case.h — one benchmark run end to end: the variant's plan gives the shape and the
 * analytic prediction, the backend runs the variant's kernel on that shape, and the two land
 * side by side in one result row. */
#ifndef ATTN_BENCH_CASE_H
#define ATTN_BENCH_CASE_H

#include "backend.h"
#include "measure.h"
#include "result_row.h"
#include "traffic.h"

/* Traffic sources beyond the kernels' own count (traffic.h). */
enum { ATTN_TRAFFIC_SIM = 1, ATTN_TRAFFIC_HW = 2 };

/* Where a row's sim and hw strings live: bytes, or "unavailable: why". Owned by the caller. */
typedef struct attn_traffic_text {
    char sim[240], hw[240];
} attn_traffic_text;

typedef struct attn_bench_case {
    const attn_model *model;
    const char *variant;
    attn_request whatif;  /* features, rank, kv_heads ... */
    attn_phase phase;
    int64_t seq, batch;
    bool causal;
    attn_dtype store;     /* decode cache storage (one the kernels hold: attn_dtype_size > 0) */
    attn_kv_layout kv_layout; /* decode cache: contiguous or paged */
    int64_t block_size;   /* paged: tokens per block */
    const int32_t *seq_lens; /* decode: [batch] tokens per sequence (each <= seq), or NULL */
    double roof_flops, roof_read_bps; /* the local roofline (0: none saved); roofline_frac */
    size_t sram_bytes;    /* 0 = the backend's (CPU: L2; GPU: local memory) */
    uint64_t seed;
    int threads;
    const attn_backend *backend;
    attn_measure_options options;
    unsigned traffic;                /* ATTN_TRAFFIC_* bits; 0 = counted only */
    attn_sim_options sim;
    attn_traffic_text *traffic_text; /* required when traffic != 0 */
    bool normal_inputs;              /* N(0, 1) inputs instead of uniform [-1, 1) */
} attn_bench_case;

/* Whether c->backend takes this case (its supports(), asked of the problem the case would
 * run): ATTN_OK, or ATTN_ERR_UNSUPPORTED with the backend's reason in diag. Other codes: the
 * case itself is wrong (unknown variant, impossible shape), as attn_bench_run would say. */
int attn_bench_supported(const attn_bench_case *c, attn_diag *diag);
/* Fills row (its strings point into c and static tables). ATTN_ERR_UNSUPPORTED, with the
 * reason in diag, when the backend does not take the case (attn_bench_supported) or the
 * device cannot hold its tiles. */
int attn_bench_run(const attn_bench_case *c, attn_result_row *row, attn_diag *diag);

const char *attn_kv_layout_name(attn_kv_layout layout);

/* Fills row->traffic_sim / traffic_hw as c->traffic asks (bench_traffic.c). */
void attn_bench_traffic(const attn_bench_case *c, const char *variant,
                        const attn_kernel_ops *ops, const attn_problem *p,
                        attn_result_row *row);

#endif
