/* charts.c — KV cache, capacity, FLOPs, traffic and roofline charts from the analytic model.
 *
 * x runs over a geometric grid (2^(1/4) steps) so log axes look smooth; every value comes from
 * the same library calls `attnscope kv` and `attnscope cost` make, so a chart and a table can
 * never disagree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "device_limits.h"
#include "variant.h"
#include "diag.h"

#define GIB 1073741824.0
#define MAX_SERIES 32
#define MAX_POINTS 256

typedef struct chart_data {
    attn_series series[MAX_SERIES];
    double x[MAX_SERIES][MAX_POINTS];
    double y[MAX_SERIES][MAX_POINTS];
    char titles[MAX_SERIES][320];
    attn_hline hlines[MAX_SERIES];
    char hline_labels[MAX_SERIES][400];
    size_t nseries, nhlines;
} chart_data;

enum { MAX_VARIANTS = 64 };

/* The kv and capacity charts: the model as configured (NULL), then what the registry shows. */
static size_t kv_variants(const char **names)
{
    names[0] = NULL;
    return 1 + attn_variant_list(ATTN_SHOW_KV_CHART, names + 1, MAX_VARIANTS - 1);
}

/* The cost charts: every variant, in registry order. */
static size_t cost_variants(const char **names)
{
    size_t n = 0;
    for (; n < attn_variant_count() && n < MAX_VARIANTS; n++)
        names[n] = attn_variant_name(n);
    return n;
}

static size_t grid(int64_t from, int64_t to, double *x)
{
    size_t n = 0;
    for (double v = (double)from; v <= (double)to * 1.0001 && n < MAX_POINTS; v *= 1.189207115)
        x[n++] = floor(v);
    if (n && x[n - 1] < (double)to && n < MAX_POINTS)
        x[n++] = (double)to;
    return n;
}

/* Series label: the model name when several models share the chart, else the variant. */
static void label_series(const attn_chart_request *req, const attn_model *m, const char *variant,
                         const attn_plan *plan, char *buf, size_t len)
{
    const char *v = variant ? variant : attn_plan_variant(plan);
    if (req->nmodels > 1)
        snprintf(buf, len, "%s (%s)", m->name, v);
    else if (!variant)
        snprintf(buf, len, "%s, as configured", v);
    else
        snprintf(buf, len, "%s", v);
}

static int open_plan(const attn_chart_request *req, const attn_model *m, const char *variant,
                     attn_plan **plan, attn_diag *diag)
{
    attn_request r = req->whatif;
    r.variant = variant;
    r.precision = attn_precision_default(req->dtype);
    return attn_plan_init(plan, m, &r, diag);
}

/* Calls fill(plan, x) -> y for each (model, variant) pair of the chart. */
typedef int (*series_fill)(const attn_chart_request *req, const attn_model *m,
                           const attn_plan *plan, double x, double *y);

static int build_series(const attn_chart_request *req, const char *const *defaults,
                        size_t ndefaults, series_fill fill, attn_series_style style,
                        chart_data *d, attn_diag *diag)
{
    const char *const *variants = req->variants ? req->variants : defaults;
    size_t nvariants = req->variants ? req->nvariants : ndefaults;
    if (req->nmodels > 1 && !req->variants)
        nvariants = 1; /* several models: each as configured */
    for (size_t mi = 0; mi < req->nmodels; mi++) {
        for (size_t vi = 0; vi < nvariants && d->nseries < MAX_SERIES; vi++) {
            const char *variant = req->nmodels > 1 && !req->variants ? NULL : variants[vi];
            attn_plan *plan = NULL;
            int rc = open_plan(req, &req->models[mi], variant, &plan, diag);
            if (rc)
                return rc;
            size_t s = d->nseries, n = grid(req->seq_from, req->seq_to, d->x[s]), kept = 0;
            for (size_t i = 0; i < n; i++) {
                d->x[s][kept] = d->x[s][i];
                if (fill(req, &req->models[mi], plan, d->x[s][i], &d->y[s][kept]) == ATTN_OK)
                    kept++;
            }
            label_series(req, &req->models[mi], variant, plan, d->titles[s], sizeof d->titles[s]);
            int color = req->nmodels > 1 ? (int)mi + 1
                                         : attn_plot_color(variant ? variant : attn_plan_variant(plan));
            attn_plan_free(plan);
            if (!kept)
                continue; /* e.g. low-rank under a causal mask: no such form */
            d->series[s] = (attn_series){d->titles[s], d->x[s], d->y[s], kept, style, color};
            d->nseries++;
        }
    }
    return ATTN_OK;
}

static void add_measured(const attn_chart_request *req, chart_data *d)
{
    for (size_t i = 0; i < req->nmeasured && d->nseries < MAX_SERIES; i++)
        d->series[d->nseries++] = req->measured[i];
}

static int weights_bytes(const attn_model *m, uint64_t *bytes)
{
    attn_params p;
    int rc = attn_params_count(m, &p);
    return rc ? rc : attn_precision_row_bytes(attn_precision_default(m->weights_dtype), p.total, bytes);
}

static int fill_kv(const attn_chart_request *req, const attn_model *m, const attn_plan *plan,
                   double x, double *y)
{
    (void)m;
    uint64_t bytes;
    int rc = attn_plan_kv_bytes(plan, req->batch, (int64_t)x, &bytes);
    *y = (double)bytes / GIB;
    return rc;
}

int attn_chart_kv(const attn_chart_request *req, const char *path, attn_diag *diag)
{
    chart_data *d = calloc(1, sizeof *d);
    if (!d)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    const char *variants[MAX_VARIANTS];
    size_t nvariants = kv_variants(variants);
    int rc = build_series(req, variants, nvariants, fill_kv, ATTN_STYLE_LINE, d, diag);
    for (size_t g = 0; g < req->ndevices && !rc && d->nhlines < MAX_SERIES; g++) {
        uint64_t weights = 0;
        rc = weights_bytes(&req->models[0], &weights);
        double free_bytes = (double)req->devices[g].memory_bytes * req->mem_util - (double)weights;
        snprintf(d->hline_labels[d->nhlines], 400, "%s: %.1f GiB free after %s weights",
                 req->devices[g].name, free_bytes / GIB, req->models[0].name);
        d->hlines[d->nhlines] = (attn_hline){free_bytes / GIB, d->hline_labels[d->nhlines]};
        d->nhlines++;
    }
    char title[512], unfit[200] = "";
    for (size_t g = 0; g < req->ndevices; g++)
        if (!(d->hlines[g].y > 0))
            snprintf(unfit + strlen(unfit), sizeof unfit - strlen(unfit), "%s%s",
                     unfit[0] ? ", " : " (weights alone exceed ", req->devices[g].name);
    snprintf(title, sizeof title, "%s KV cache vs context, batch %lld, %s%s%s",
             req->nmodels == 1 ? req->models[0].name : "", (long long)req->batch,
             attn_dtype_name(req->dtype), unfit, unfit[0] ? ")" : "");
    attn_plot plot = {req->title ? req->title : title, "context (tokens per sequence)",
                      "KV cache (GiB)", true, true, false, d->series, d->nseries, d->hlines,
                      d->nhlines, 0, 0};
    if (!rc)
        rc = attn_plot_write(&plot, path, diag);
    free(d);
    return rc;
}

static int fill_capacity(const attn_chart_request *req, const attn_model *m,
                         const attn_plan *plan, double x, double *y)
{
    uint64_t weights = 0;
    attn_capacity c;
    int rc = weights_bytes(m, &weights);
    if (!rc)
        rc = attn_capacity_compute(plan, req->devices[0].memory_bytes, req->mem_util,
                                   weights / (uint64_t)attn_plan_tp(plan), 1, (int64_t)x, &c);
    *y = (double)c.max_batch;
    return rc ? rc : (c.max_batch > 0 && c.max_batch < INT64_MAX ? ATTN_OK : ATTN_ERR_RANGE);
}

int attn_chart_capacity(const attn_chart_request *req, const char *path, attn_diag *diag)
{
    if (!req->ndevices)
        return attn_fail(diag, ATTN_ERR_FIELD, "capacity chart: give a GPU (--gpu)");
    uint64_t weights = 0;
    int rc = weights_bytes(&req->models[0], &weights);
    double usable = (double)req->devices[0].memory_bytes * req->mem_util;
    double tp = req->whatif.tp > 1 ? (double)req->whatif.tp : 1; /* weights per GPU */
    if (!rc && (double)weights / tp >= usable)
        return attn_fail(diag, ATTN_ERR_RANGE,
                         "capacity chart: the %s weights of %s (%.1f GiB) leave nothing of %s's "
                         "%.1f usable GiB for a cache", attn_dtype_name(req->models[0].weights_dtype),
                         req->models[0].name, (double)weights / GIB, req->devices[0].name,
                         usable / GIB);
    chart_data *d = calloc(1, sizeof *d);
    if (!d)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    const char *variants[MAX_VARIANTS];
    size_t nvariants = kv_variants(variants);
    rc = build_series(req, variants, nvariants, fill_capacity, ATTN_STYLE_LINE, d, diag);
    char title[512];
    snprintf(title, sizeof title, "Max batch vs context on %s%s (%.0f%% of memory, %s cache)",
             req->devices[0].name, req->whatif.tp > 1 ? " per GPU under TP" : "",
             req->mem_util * 100, attn_dtype_name(req->dtype));
    attn_plot plot = {req->title ? req->title : title, "context (tokens per sequence)",
                      "max concurrent sequences", true, true, false, d->series, d->nseries, NULL, 0,
                      0, 0};
    if (!rc)
        rc = attn_plot_write(&plot, path, diag);
    free(d);
    return rc;
}

static int fill_cost(const attn_chart_request *req, const attn_plan *plan, double x,
                     bool traffic, double *y)
{
    attn_cost_request c = req->cost;
    c.seq = (int64_t)x;
    c.batch = req->batch;
    attn_cost cost;
    int rc = req->per_layer ? attn_plan_cost_layer(plan, &c, 0, &cost, NULL)
                            : attn_plan_cost(plan, &c, &cost, NULL);
    *y = (double)(traffic ? cost.read_bytes + cost.write_bytes : cost.flops);
    return rc;
}

static int fill_flops(const attn_chart_request *req, const attn_model *m, const attn_plan *plan,
                      double x, double *y)
{
    (void)m;
    return fill_cost(req, plan, x, false, y);
}

static int fill_traffic(const attn_chart_request *req, const attn_model *m,
                        const attn_plan *plan, double x, double *y)
{
    (void)m;
    return fill_cost(req, plan, x, true, y);
}

int attn_chart_cost(const attn_chart_request *req, bool traffic, const char *path,
                    attn_diag *diag)
{
    chart_data *d = calloc(1, sizeof *d);
    if (!d)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    const char *variants[MAX_VARIANTS];
    size_t nvariants = cost_variants(variants);
    int rc = build_series(req, variants, nvariants, traffic ? fill_traffic : fill_flops,
                          ATTN_STYLE_LINE, d, diag);
    add_measured(req, d);
    char title[512];
    snprintf(title, sizeof title, "%s%s %s%s %s vs n (lines: model%s), batch %lld",
             req->models[0].name, req->per_layer ? ", one layer," : "",
             req->cost.causal ? "causal " : "",
             req->cost.phase == ATTN_PHASE_DECODE  ? "decode"
             : req->cost.phase == ATTN_PHASE_TRAIN ? "training step"
                                                   : "prefill",
             traffic ? "HBM traffic" : "FLOPs", req->nmeasured ? "; points: measured" : "",
             (long long)req->batch);
    attn_plot plot = {req->title ? req->title : title,
                      req->cost.phase == ATTN_PHASE_DECODE ? "cached tokens t" : "tokens n",
                      traffic ? "HBM bytes (read + write)" : "FLOPs (matrix products)", true,
                      true, true, d->series, d->nseries, NULL, 0, 0, 0};
    if (!rc)
        rc = attn_plot_write(&plot, path, diag);
    free(d);
    return rc;
}

/* One ceiling: min(peak, bandwidth x intensity) over the chart's intensities. */
static void add_ceiling(chart_data *d, double peak, double bandwidth, const char *title,
                        attn_series_style style)
{
    size_t s = d->nseries, n = 0;
    for (double i = 0.01; i <= 1e5 && n < MAX_POINTS; i *= 1.2)
        d->x[s][n] = i, d->y[s][n++] = fmin(peak, bandwidth * i);
    snprintf(d->titles[s], 320, "%s", title);
    d->series[s] = (attn_series){d->titles[s], d->x[s], d->y[s], n, style, 7};
    d->nseries++;
}

/* A variant at both intensities: FLOPs over the IO model's bytes and over the cache-aware
 * bytes, each at the height the roof allows it. */
static void add_variant_points(chart_data *d, const char *variant, const attn_cost *cost,
                               double peak, double bandwidth)
{
    attn_cost io = *cost;
    io.dram_bytes = 0; /* the roofline then takes HBM bytes */
    const attn_cost *which[2] = {&io, cost};
    static const char *const label[2] = {"IO model", "cache-aware"};
    for (int k = 0; k < 2 && d->nseries < MAX_SERIES; k++) {
        attn_roofline r;
        size_t s = d->nseries;
        attn_roofline_compute(which[k], peak, bandwidth, &r);
        d->x[s][0] = (double)r.intensity;
        d->y[s][0] = (double)(cost->flops / r.time_s);
        snprintf(d->titles[s], 320, "%s (%s)", variant, label[k]);
        d->series[s] = (attn_series){d->titles[s], d->x[s], d->y[s], 1, ATTN_STYLE_POINTS,
                                     attn_plot_color(variant)};
        d->nseries++;
    }
}

int attn_chart_roofline(const attn_chart_request *req, const char *path, attn_diag *diag)
{
    if (!req->ndevices)
        return attn_fail(diag, ATTN_ERR_FIELD, "roofline chart: give a device (--device)");
    const attn_device *dev = &req->devices[0];
    double peak = attn_device_peak_flops(dev, req->dtype);
    chart_data *d = calloc(1, sizeof *d);
    if (!d)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    char ceiling[320];
    /* a preset gets an L2 roof only with a cited measurement; the chart says when it has none */
    snprintf(ceiling, sizeof ceiling, "%s DRAM roof (%.4g TFLOP/s, %.4g TB/s)%s", dev->name,
             peak / 1e12, dev->bandwidth_bytes_per_s / 1e12,
             dev->l2_bandwidth_bytes_per_s > 0 ? "" : "; no cited L2 bandwidth, no L2 roof");
    add_ceiling(d, peak, dev->bandwidth_bytes_per_s, ceiling, ATTN_STYLE_LINE);
    if (dev->l2_bandwidth_bytes_per_s > 0) {
        snprintf(ceiling, sizeof ceiling, "%s L2 roof (%.4g TB/s)", dev->name,
                 dev->l2_bandwidth_bytes_per_s / 1e12);
        add_ceiling(d, peak, dev->l2_bandwidth_bytes_per_s, ceiling, ATTN_STYLE_DASHED);
    }
    attn_cache_model cache = attn_device_cache(dev);
    const char *all[MAX_VARIANTS];
    size_t nall = cost_variants(all);
    const char *const *variants = req->variants ? req->variants : all;
    size_t nvariants = req->variants ? req->nvariants : nall;
    int rc = ATTN_OK;
    for (size_t v = 0; v < nvariants && !rc && d->nseries + 1 < MAX_SERIES; v++) {
        attn_plan *plan = NULL;
        if ((rc = open_plan(req, &req->models[0], variants[v], &plan, diag)))
            break;
        attn_cost_request c = req->cost;
        c.seq = req->seq_to;
        c.batch = req->batch;
        attn_cost cost;
        int cost_rc = req->per_layer
                          ? attn_plan_cost_layer_cached(plan, &c, &cache, 0, &cost, NULL)
                          : attn_plan_cost_cached(plan, &c, &cache, &cost, NULL);
        if (cost_rc == ATTN_OK)
            add_variant_points(d, variants[v], &cost, peak, dev->bandwidth_bytes_per_s);
        attn_plan_free(plan);
    }
    add_measured(req, d);
    char title[512];
    snprintf(title, sizeof title, "Roofline: %s %s at %lld tokens, batch %lld",
             req->models[0].name,
             req->cost.phase == ATTN_PHASE_DECODE  ? "decode"
             : req->cost.phase == ATTN_PHASE_TRAIN ? "training step"
                                                   : "prefill",
             (long long)req->seq_to, (long long)req->batch);
    attn_plot plot = {req->title ? req->title : title, "arithmetic intensity (FLOP per DRAM byte)",
                      "attainable FLOP/s", true, true, true, d->series, d->nseries, NULL, 0, 0, 0};
    if (!rc)
        rc = attn_plot_write(&plot, path, diag);
    free(d);
    return rc;
}
