/* plot.h — a chart described as data, drawn by gnuplot (PNG, SVG or PDF by extension).
 *
 * gnuplot runs as a child process fed through a pipe: no shell, and every user-supplied
 * text (titles, labels, series names, the output path) goes into single-quoted gnuplot
 * strings, where gnuplot expands nothing, so a title is drawn literally and runs nothing.
 * The file appears atomically: gnuplot writes a temporary file that is renamed on success.
 */
#ifndef ATTN_PLOT_H
#define ATTN_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attnscope.h"

typedef enum {
    ATTN_STYLE_LINE,
    ATTN_STYLE_DASHED,
    ATTN_STYLE_POINTS,
    ATTN_STYLE_LINEPOINTS,
} attn_series_style;

typedef struct attn_series {
    const char *title;
    const double *x;
    const double *y;
    size_t n;
    attn_series_style style;
    int color; /* 0: gnuplot's next colour; k > 0: palette entry k (attn_plot_color) */
} attn_series;

/* A horizontal reference line (a GPU's free memory, a roofline ceiling). */
typedef struct attn_hline {
    double y;
    const char *label;
} attn_hline;

typedef struct attn_plot {
    const char *title;
    const char *xlabel;
    const char *ylabel;
    bool logx, logy;
    bool si_ticks; /* log-axis ticks as 1k, 10M, 1G (for FLOPs and bytes) rather than %g */
    const attn_series *series;
    size_t nseries;
    const attn_hline *hlines;
    size_t nhlines;
    int width, height; /* pixels (PDF: 100 px per inch); 0 = 1000 x 650 */
} attn_plot;

/* A stable palette entry for a variant name (registry order), so a variant's model line,
 * measured points and fit share one colour on every chart. */
int attn_plot_color(const char *variant);

/* Draws `plot` into `path` (.png, .svg or .pdf). Points that are not finite, or not positive
 * on a log axis, are left out. Returns ATTN_OK, ATTN_ERR_UNSUPPORTED (unknown extension),
 * ATTN_ERR_IO (gnuplot missing or failing; the diag says which). $ATTNSCOPE_GNUPLOT names
 * another gnuplot binary. */
int attn_plot_write(const attn_plot *plot, const char *path, attn_diag *diag);

/* For charts plot.h does not describe (stacked bars): `write` emits the whole gnuplot script
 * for `terminal`, drawing to gnuplot's standard output (a bare `set output`), which is the
 * temporary file; gnuplot runs and the file appears as for attn_plot_write.
 * attn_plot_quote writes user text as a literal gnuplot string. */
typedef void (*attn_plot_script)(FILE *out, const char *terminal, const void *ctx);
int attn_plot_run(const char *path, attn_plot_script write, const void *ctx, attn_diag *diag);
void attn_plot_quote(FILE *out, const char *text);

#endif
