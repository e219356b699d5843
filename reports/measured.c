/* measured.c — turning result rows into plotted series, fits and the time/error charts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "csv_out.h"
#include "diag.h"
#include "measured.h"
#include "variant.h"

#define MAX_GROUPS 64

/* The columns that say what was run; rows equal on all of them form one series. */
static const char *const GROUP_COLUMNS[] = {"variant", "backend", "phase", "causal",
                                            "kv_store", "batch", "heads", "kv_heads", "d_qk",
                                            "seq", "features", "rank"};
enum { NGROUP = sizeof GROUP_COLUMNS / sizeof GROUP_COLUMNS[0] };

static bool number(const char *text, double *value)
{
    char *end = NULL;
    if (!text || !*text)
        return false;
    *value = strtod(text, &end);
    return end && *end == '\0' && isfinite(*value);
}

/* Rows equal on every group column except the x axis's belong to one series. */
static void group_key(const attn_table *t, size_t row, const int *cols, int xc, char *key,
                      size_t len)
{
    key[0] = '\0';
    for (int g = 0; g < NGROUP; g++)
        snprintf(key + strlen(key), len - strlen(key), "%s|",
                 cols[g] >= 0 && cols[g] != xc ? t->rows[row][cols[g]] : "");
}

/* "flash cpu prefill causal fp32 b1 h8/2 d64" */
static void group_title(const attn_table *t, size_t row, const int *cols, int xcol_index,
                        const char *label, char *buf, size_t len)
{
    const char *v[NGROUP];
    for (int g = 0; g < NGROUP; g++)
        v[g] = cols[g] >= 0 ? t->rows[row][cols[g]] : "?";
    char extra[96] = "";
    const attn_variant_type *type = attn_variant_find(v[0]);
    for (int g = 0; type && type->knob.name && g < NGROUP; g++)
        if (strcmp(GROUP_COLUMNS[g], type->knob.name) == 0 && cols[g] != xcol_index)
            snprintf(extra, sizeof extra, " %s=%s", type->knob.symbol, v[g]);
    if (cols[9] != xcol_index)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " n=%s", v[9]);
    snprintf(buf, len, "%s %s %s%s%s%s h%s/%s d%s%s%s%s", v[0], v[1], v[2],
             strcmp(v[3], "true") == 0 ? " causal" : "",
             strcmp(v[2], "decode") == 0 ? " " : "", strcmp(v[2], "decode") == 0 ? v[4] : "",
             v[6], v[7], v[8], extra, label[0] ? " " : "", label);
}

/* Lines join points in x order, whatever order the runs were appended in. */
static void sort_by_x(double *x, double *y, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && x[j - 1] > x[j]; j--) {
            double tx = x[j], ty = y[j];
            x[j] = x[j - 1], y[j] = y[j - 1];
            x[j - 1] = tx, y[j - 1] = ty;
        }
}

void attn_measured_free(attn_measured_set *set)
{
    for (size_t s = 0; s < set->nseries; s++) {
        free(set->titles[s]);
        free(set->x[s]);
        free(set->y[s]);
    }
    free(set->series);
    free(set->titles);
    free(set->x);
    free(set->y);
    memset(set, 0, sizeof *set);
}

int attn_measured_series(const attn_table *t, const attn_series_query *q,
                         attn_measured_set *set, attn_diag *diag)
{
    memset(set, 0, sizeof *set);
    const char *model = q->model, *xcol = q->xcol, *ycol = q->ycol, *label = q->label;
    int cols[NGROUP], xc = attn_table_column(t, xcol), yc = attn_table_column(t, ycol);
    int mc = attn_table_column(t, "model");
    for (int g = 0; g < NGROUP; g++)
        cols[g] = q->merge && strcmp(GROUP_COLUMNS[g], q->merge) == 0
                      ? -1 : attn_table_column(t, GROUP_COLUMNS[g]);
    cols[0] = attn_table_column(t, "variant");
    if (xc < 0 || yc < 0 || cols[0] < 0)
        return attn_fail(diag, ATTN_ERR_FIELD, "results file has no '%s', '%s' or 'variant' column",
                         xcol, ycol);
    set->series = calloc(MAX_GROUPS, sizeof *set->series);
    set->titles = calloc(MAX_GROUPS, sizeof *set->titles);
    set->x = calloc(MAX_GROUPS, sizeof *set->x);
    set->y = calloc(MAX_GROUPS, sizeof *set->y);
    char (*keys)[512] = calloc(MAX_GROUPS, sizeof *keys);
    int rc = set->series && set->titles && set->x && set->y && keys ? ATTN_OK : ATTN_ERR_NOMEM;
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        double x, y;
        if (!number(t->rows[r][xc], &x) || !number(t->rows[r][yc], &y))
            continue;
        if (model && mc >= 0 && strcmp(t->rows[r][mc], model) != 0)
            continue;
        if (q->phase && cols[2] >= 0 && strcmp(t->rows[r][cols[2]], q->phase) != 0)
            continue;
        char key[512];
        group_key(t, r, cols, xc, key, sizeof key);
        size_t s = 0;
        while (s < set->nseries && strcmp(keys[s], key) != 0)
            s++;
        if (s == MAX_GROUPS)
            continue;
        if (s == set->nseries) {
            char title[320];
            group_title(t, r, cols, xc, label, title, sizeof title);
            snprintf(keys[s], sizeof keys[s], "%s", key);
            set->titles[s] = strdup(title);
            set->x[s] = calloc(t->nrows, sizeof **set->x);
            set->y[s] = calloc(t->nrows, sizeof **set->y);
            if (!set->titles[s] || !set->x[s] || !set->y[s]) {
                rc = ATTN_ERR_NOMEM;
                break;
            }
            set->series[s] = (attn_series){set->titles[s], set->x[s], set->y[s], 0, q->style,
                                           attn_plot_color(t->rows[r][cols[0]])};
            set->nseries++;
        }
        size_t n = set->series[s].n++;
        set->x[s][n] = x;
        set->y[s][n] = y;
    }
    free(keys);
    if (rc) {
        attn_measured_free(set);
        return attn_fail(diag, rc, "out of memory");
    }
    for (size_t s = 0; s < set->nseries; s++)
        sort_by_x(set->x[s], set->y[s], set->series[s].n);
    return ATTN_OK;
}

typedef struct fitted {
    attn_power_fit power;
    attn_quadratic_fit quad;
    bool quad_ok;
    double model_p;
} fitted;

static int write_fits(const char *path, const attn_measured_set *m, const fitted *fits,
                      const bool *ok, attn_diag *diag)
{
    static const char *const header[] = {"series", "points", "exponent", "exponent_lo95",
                                         "exponent_hi95", "r2", "model_exponent", "quad_a",
                                         "quad_b", "quad_c"};
    attn_atomic_file f;
    int rc = attn_atomic_open(&f, path, diag);
    if (!rc)
        rc = attn_csv_write_row(f.out, header, 10);
    for (size_t s = 0; s < m->nseries && !rc; s++) {
        if (!ok[s])
            continue;
        char v[9][40];
        const fitted *x = &fits[s];
        snprintf(v[0], 40, "%zu", x->power.n);
        snprintf(v[1], 40, "%.4f", x->power.p);
        snprintf(v[2], 40, "%.4f", x->power.p_lo);
        snprintf(v[3], 40, "%.4f", x->power.p_hi);
        snprintf(v[4], 40, "%.5f", x->power.r2);
        snprintf(v[5], 40, "%.4f", x->model_p);
        snprintf(v[6], 40, x->quad_ok ? "%.6e" : "", x->quad.a);
        snprintf(v[7], 40, x->quad_ok ? "%.6e" : "", x->quad.b);
        snprintf(v[8], 40, x->quad_ok ? "%.6e" : "", x->quad.c);
        const char *row[] = {m->titles[s], v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
        rc = attn_csv_write_row(f.out, row, 10);
    }
    if (rc) {
        attn_atomic_abort(&f);
        return rc;
    }
    return attn_atomic_commit(&f, diag);
}

int attn_chart_time(const attn_table *t, const char *phase, const char *title,
                    const char *path, const char *fits_csv, attn_diag *diag)
{
    attn_measured_set time, model;
    attn_series_query tq = {NULL, "seq", "time_s", NULL, "", ATTN_STYLE_POINTS, phase};
    attn_series_query mq = {NULL, "seq", "flops_model", NULL, "", ATTN_STYLE_LINE, phase};
    int rc = attn_measured_series(t, &tq, &time, diag);
    if (rc)
        return rc;
    if ((rc = attn_measured_series(t, &mq, &model, diag))) {
        attn_measured_free(&time);
        return rc;
    }
    size_t n = time.nseries;
    attn_series *all = calloc(2 * n + 1, sizeof *all);
    fitted *fits = calloc(n + 1, sizeof *fits);
    bool *ok = calloc(n + 1, sizeof *ok);
    double (*curve)[2][64] = calloc(n + 1, sizeof *curve);
    char (*labels)[400] = calloc(n + 1, sizeof *labels);
    size_t count = 0;
    rc = all && fits && ok && curve && labels ? ATTN_OK : attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < n && !rc; s++) {
        const attn_series *ts = &time.series[s];
        if (ts->n < 3)
            continue; /* a trend needs three lengths */
        all[count++] = time.series[s];
        attn_power_fit model_fit = {0};
        ok[s] = attn_fit_power(ts->x, ts->y, ts->n, &fits[s].power) == ATTN_OK;
        if (!ok[s])
            continue;
        fits[s].quad_ok = attn_fit_quadratic(ts->x, ts->y, ts->n, &fits[s].quad) == ATTN_OK;
        if (s < model.nseries &&
            attn_fit_power(model.series[s].x, model.series[s].y, model.series[s].n, &model_fit) == ATTN_OK)
            fits[s].model_p = model_fit.p;
        double lo = ts->x[0], hi = ts->x[0];
        for (size_t i = 0; i < ts->n; i++)
            lo = fmin(lo, ts->x[i]), hi = fmax(hi, ts->x[i]);
        for (int i = 0; i < 64; i++) {
            curve[s][0][i] = lo * pow(hi / lo, i / 63.0);
            curve[s][1][i] = fits[s].power.a * pow(curve[s][0][i], fits[s].power.p);
        }
        snprintf(labels[s], sizeof labels[s], "fit: time ~ n^%.2f [%.2f, %.2f] (model FLOPs n^%.2f)",
                 fits[s].power.p, fits[s].power.p_lo, fits[s].power.p_hi, fits[s].model_p);
        all[count++] = (attn_series){labels[s], curve[s][0], curve[s][1], 64, ATTN_STYLE_DASHED,
                                     ts->color};
    }
    attn_plot plot = {title ? title : "Measured time vs n, with fitted power laws", "tokens n",
                      "time per call (s)", true, true, false, all, count, NULL, 0, 0, 0};
    if (!rc)
        rc = attn_plot_write(&plot, path, diag);
    if (!rc && fits_csv)
        rc = write_fits(fits_csv, &time, fits, ok, diag);
    free(all);
    free(fits);
    free(ok);
    free(curve);
    free(labels);
    attn_measured_free(&time);
    attn_measured_free(&model);
    return rc;
}

enum { MAX_KNOBS = 4 };

/* One series per variant that has a knob, against that knob, in registry order, each with its
 * mean-of-V baseline dashed beside it. */
int attn_chart_error(const attn_table *t, const char *title, const char *path, attn_diag *diag)
{
    attn_measured_set sets[MAX_KNOBS], baselines[MAX_KNOBS];
    attn_series all[2 * MAX_KNOBS * MAX_GROUPS];
    size_t nsets = 0, nbaselines = 0, count = 0;
    char labels[MAX_KNOBS][32], base_labels[MAX_KNOBS][48];
    char axis[160] = "", names[160] = "", flags[160] = "";
    /* older results files have no baseline column: their chart has no baseline lines */
    bool has_baseline = attn_table_column(t, "baseline_err") >= 0;
    int rc = ATTN_OK;
    for (size_t v = 0; v < attn_variant_count() && nsets < MAX_KNOBS && !rc; v++) {
        const attn_variant_type *type = attn_variant_at(v);
        if (!type->knob.name)
            continue;
        /* another knob is recorded too (the shape has every one); it is not what varies */
        const attn_variant_type *other = attn_variant_other_knob(type);
        snprintf(labels[nsets], sizeof labels[nsets], "vs %s", type->knob.symbol);
        attn_series_query q = {NULL, type->knob.name, "rel_err", other ? other->knob.name : NULL,
                               labels[nsets], ATTN_STYLE_LINEPOINTS, "prefill"};
        if ((rc = attn_measured_series(t, &q, &sets[nsets], diag)))
            break;
        size_t len = strlen(type->name);
        for (size_t s = 0; s < sets[nsets].nseries; s++)
            if (strncmp(sets[nsets].series[s].title, type->name, len) == 0 &&
                sets[nsets].series[s].title[len] == ' ' && sets[nsets].series[s].n > 1)
                all[count++] = sets[nsets].series[s];
        /* The same metric for "output mean(V)" on the same inputs: an error near it means
         * the approximation has learnt nothing (DESIGN.md, Accuracy). */
        snprintf(base_labels[nsets], sizeof base_labels[nsets], "mean(V) baseline vs %s",
                 type->knob.symbol);
        attn_series_query bq = {NULL, type->knob.name, "baseline_err",
                                other ? other->knob.name : NULL, base_labels[nsets],
                                ATTN_STYLE_DASHED, "prefill"};
        if (has_baseline && !(rc = attn_measured_series(t, &bq, &baselines[nbaselines], diag))) {
            const attn_measured_set *b = &baselines[nbaselines++];
            for (size_t s = 0; s < b->nseries; s++)
                if (strncmp(b->series[s].title, type->name, len) == 0 &&
                    b->series[s].title[len] == ' ' && b->series[s].n > 1)
                    all[count++] = b->series[s];
        }
        const char *sep = nsets ? " or " : "";
        snprintf(axis + strlen(axis), sizeof axis - strlen(axis), "%s%s %s (%s)", sep,
                 type->knob.name, type->knob.symbol, type->name);
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", sep, type->name);
        snprintf(flags + strlen(flags), sizeof flags - strlen(flags), "%s--%s",
                 nsets ? " / " : "", type->knob.name);
        nsets++;
    }
    if (!rc && !count)
        rc = attn_fail(diag, ATTN_ERR_FIELD, "no validated %s rows to plot (bench them with %s)",
                       names, flags);
    char default_title[200];
    snprintf(default_title, sizeof default_title, "Approximation error vs %s", axis);
    attn_plot plot = {title ? title : default_title, axis,
                      "relative error vs exact attention (||err|| / ||ref||)", true, true,
                      false, all, count, NULL, 0, 0, 0};
    if (!rc)
        rc = attn_plot_write(&plot, path, diag);
    for (size_t s = 0; s < nsets; s++)
        attn_measured_free(&sets[s]);
    for (size_t s = 0; s < nbaselines; s++)
        attn_measured_free(&baselines[s]);
    return rc;
}
