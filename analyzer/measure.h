/* measure.h — the measurement harness: run one problem on one backend, time it properly,
 * check it against its double reference. */
#ifndef ATTN_MEASURE_H
#define ATTN_MEASURE_H

#include "attnscope.h"
#include "backend.h"

typedef struct attn_measure_options {
    int warmup;                 /* untimed calls first (default 1) */
    int min_repeats;            /* at least this many timed calls (default 5) */
    double min_seconds;         /* and keep going until this much time is measured (0.2 s) */
    double validate_max_flops;  /* skip the reference above this many FLOPs (it is slow) */
} attn_measure_options;

typedef struct attn_measurement {
    double median_s, min_s, max_s; /* over the timed calls */
    int repeats;
    attn_kernel_stats stats;       /* of the last call (every call does the same work) */
    bool validated;
    double max_abs_err, rel_err;   /* against the reference; rel = ||err||_2 / ||ref||_2 */
    char note[200];
    /* The same metric for the mean-of-V predictor on the same inputs (ops->baseline), when
     * validated: a rel_err near it means the output carries little beyond the mean. */
    bool has_baseline;
    double baseline_err;
} attn_measurement;

int attn_measure(const attn_backend *backend, const attn_kernel_ops *ops, const attn_problem *p,
                 const attn_measure_options *options, attn_measurement *out, attn_diag *diag);

#endif
