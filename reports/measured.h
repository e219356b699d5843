/* measured.h — series from a results CSV (attnscope bench): rows grouped by what was run
 * (variant, backend, phase, causal, cache store, shape), each group a series over n. Also
 * the scaling fits of those series and the measured-kernel charts (time, error). */
#ifndef ATTN_MEASURED_H
#define ATTN_MEASURED_H

#include "plot.h"
#include "table.h"

typedef struct attn_measured_set {
    attn_series *series;
    size_t nseries;
    char **titles;
    double **x, **y;
} attn_measured_set;

/* One series per group of rows equal on what was run (all but the x column and, if given,
 * `merge`: e.g. "seq" to put every length of one kernel in one roofline series): x = column
 * `xcol`, y = column `ycol` (rows where both are numbers), only rows of `model` unless it is
 * NULL. `label` is appended to each title, e.g. "counted". */
typedef struct attn_series_query {
    const char *model, *xcol, *ycol, *merge, *label;
    attn_series_style style;
    const char *phase; /* "prefill", "decode" or NULL for both */
} attn_series_query;
int attn_measured_series(const attn_table *t, const attn_series_query *q,
                         attn_measured_set *set, attn_diag *diag);
void attn_measured_free(attn_measured_set *set);

/* Measured time vs n for one phase ("prefill", "decode"; NULL: both) with fitted a n^p
 * curves (exponent and 95% interval in the legend), and the fits written to fits_csv
 * (atomically) when it is not NULL. Series of fewer than 3 lengths are left out. */
int attn_chart_time(const attn_table *t, const char *phase, const char *title,
                    const char *path, const char *fits_csv, attn_diag *diag);
/* Approximation error (rel_err) vs m (Performer) or k (low-rank), non-causal prefill; only
 * series with at least two values of m or k. */
int attn_chart_error(const attn_table *t, const char *title, const char *path,
                     attn_diag *diag);

#endif
