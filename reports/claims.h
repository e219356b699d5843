/* claims.h — checking published numbers about attention memory and cost.
 *
 * A claims file is a CSV (claims/README.md documents it): id, text, source, metric, model,
 * settings, claimed, tolerance. Each claim is computed from the analytic model (speedups
 * from kernels on this machine when asked to measure) and HOLDS or FAILS; a failing claim is
 * re-computed under the usual wrong assumptions (MHA for GQA, GB for GiB, another precision,
 * a quantised cache, one layer for all, 1000 for 1024, a window ignored) and the assumptions
 * that reproduce it are named.
 */
#ifndef ATTN_CLAIMS_H
#define ATTN_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "attnscope.h"

typedef enum { ATTN_CLAIM_HOLDS, ATTN_CLAIM_FAILS, ATTN_CLAIM_UNCHECKABLE } attn_claim_verdict;

typedef struct attn_claim_result {
    char id[64];
    char text[256];
    char source[256];
    char metric[32];
    attn_claim_verdict verdict;
    long double computed;   /* in the metric's base unit (bytes, fraction, ratio, tokens) */
    long double claimed;
    long double tolerance;  /* absolute, in the same unit */
    char unit[16];          /* how the claim was written (GB, KB, %, x, ...) for display */
    char explanation[1024]; /* the reproducing assumption(s), or why it fails / is uncheckable */
    size_t line;            /* line in the claims file */
    size_t tried;           /* assumption combinations computed for a failing claim */
    size_t reproducing;     /* how many of them reproduce it */
    bool beyond_model;      /* UNCHECKABLE as a verdict (the model cannot speak to it), not a bad row */
} attn_claim_result;

/* One kernel run a measured speedup claim needs: one layer of `model` under `variant`. */
typedef struct attn_claim_run {
    const attn_model *model;
    const char *variant;
    attn_phase phase;
    int64_t seq, batch;
    bool causal;
    int64_t features, rank;
} attn_claim_run;

/* Median seconds of the run, or a negative code with why. The checker runs no kernel itself:
 * the caller (cli/cmd_check.c) brings the measurement. */
typedef int (*attn_claim_timer)(const attn_claim_run *run, double *seconds, char *why,
                                size_t len);

typedef struct attn_claims_options {
    attn_claim_timer measure; /* speedup claims: time kernels with this; NULL: roofline model */
} attn_claims_options;

/* Checks every row of `path`. Rows that cannot be read are UNCHECKABLE with the line and
 * column named in the explanation; the rest are still checked. *results is malloc'd (caller
 * frees); returns ATTN_OK, or an error when the file itself cannot be read. */
int attn_claims_check(const char *path, const attn_claims_options *options,
                      attn_claim_result **results, size_t *count, attn_diag *diag);

/* The same, streamed: fn gets each row's result as it is checked (memory stays flat in the
 * number of rows) and may stop the walk by returning non-zero, which is then returned. */
typedef int (*attn_claim_each_fn)(void *user, const attn_claim_result *result);
int attn_claims_each(const char *path, const attn_claims_options *options,
                     attn_claim_each_fn fn, void *user, attn_diag *diag);

const char *attn_claim_verdict_name(attn_claim_verdict verdict);
/* "20.97 GB", "93.30%", "9.16x": a value in the claim's own unit. */
void attn_claim_format(long double value, const char *unit, char *buf, size_t len);

#endif
