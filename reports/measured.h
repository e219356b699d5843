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

/* One series per group: x = column `xcol`, y = column `ycol` (rows where both are numbers),
 * only rows of `model` unless it is NULL. `label` is appended to each title, e.g. "counted".
 * Groups with no numeric y are skipped. */
int attn_measured_series(const attn_table *t, const char *model, const char *xcol,
                         const char *ycol, const char *label, attn_series_style style,
                         attn_measured_set *set, attn_diag *diag);
void attn_measured_free(attn_measured_set *set);

/* Measured time vs n with fitted a n^p curves (exponent and 95% interval in the legend),
 * and the fits written to fits_csv (atomically) when it is not NULL. */
int attn_chart_time(const attn_table *t, const char *title, const char *path,
                    const char *fits_csv, attn_diag *diag);
/* Approximation error (rel_err) vs m (Performer) or k (low-rank). */
int attn_chart_error(const attn_table *t, const char *title, const char *path,
                     attn_diag *diag);

#endif
