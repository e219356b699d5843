/* charts.h — the analytic charts: data from the planner and the cost model, drawn by
 * plot.h. Measured points join them through attn_chart_request.measured (results CSV). */
#ifndef ATTN_CHARTS_H
#define ATTN_CHARTS_H

#include "attnscope.h"
#include "plot.h"

typedef struct attn_chart_request {
    const attn_model *models;  /* one or more */
    size_t nmodels;
    const char *const *variants; /* NULL: a default set per chart */
    size_t nvariants;
    const attn_device *devices; /* kv: GPU lines; capacity and roofline: the first */
    size_t ndevices;
    attn_request whatif;       /* features, rank, kv_heads ... (variant is ignored) */
    attn_dtype dtype;          /* KV cache and element type */
    int64_t batch;
    int64_t seq_from, seq_to;  /* x range: context (kv, capacity) or n (flops, traffic) */
    double mem_util;
    attn_cost_request cost;    /* phase, causal, sram for flops/traffic/roofline */
    const char *title;         /* NULL: a descriptive default */
    bool per_layer;            /* one layer (x batch), as bench measures, not the whole model */
    const attn_series *measured; /* extra series (measured points), drawn as given */
    size_t nmeasured;
} attn_chart_request;

int attn_chart_kv(const attn_chart_request *req, const char *path, attn_diag *diag);
int attn_chart_capacity(const attn_chart_request *req, const char *path, attn_diag *diag);
/* y = FLOPs (traffic false) or HBM bytes (traffic true) against n, log-log. */
int attn_chart_cost(const attn_chart_request *req, bool traffic, const char *path,
                    attn_diag *diag);
int attn_chart_roofline(const attn_chart_request *req, const char *path, attn_diag *diag);

#endif
