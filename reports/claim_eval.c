/* claim_eval.c — computing a claim's metric from the analytic model (and, for measured
 * speedups, from the kernel times its caller brings), under an optional twist that reproduces
 * a common mistake. The subject is twisted; the baseline of a ratio never is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_internal.h"
#include "device_limits.h"
#include "variant.h"

static const char *variant_of(const claim *c, const claim_twist *t)
{
    if (t && t->variant)
        return t->variant;
    return c->s.variant[0] ? c->s.variant : NULL;
}

static attn_dtype dtype_of(const claim *c, const claim_twist *t, const attn_model *m)
{
    if (t && t->dtype_set)
        return t->dtype;
    return c->s.kv_dtype_set ? c->s.kv_dtype : m->dtype;
}

static int64_t context_of(const claim *c, const claim_twist *t, const attn_model *m)
{
    int64_t context = c->s.context ? c->s.context : m->max_context;
    if (t && t->context_factor > 0)
        context = (int64_t)llround((double)context * t->context_factor);
    return context;
}

/* The subject model, with every window removed when the twist ignores them. */
static int model_view(const attn_model *m, const claim_twist *t, attn_model *view)
{
    *view = *m;
    if (!t || !t->ignore_windows)
        return ATTN_OK;
    view->layer_window = calloc((size_t)m->layers, sizeof *view->layer_window);
    return view->layer_window ? ATTN_OK : ATTN_ERR_NOMEM;
}

static void model_view_free(const attn_model *m, attn_model *view)
{
    if (view->layer_window != m->layer_window)
        free(view->layer_window);
}

static int open_plan(const claim *c, const attn_model *m, const char *variant, attn_dtype dtype,
                     attn_plan **plan, char *why, size_t len)
{
    attn_request req = {.variant = variant, .precision = attn_precision_default(dtype),
                        .features = c->s.features, .rank = c->s.rank};
    attn_diag diag = {{0}};
    int rc = attn_plan_init(plan, m, &req, &diag);
    if (rc)
        snprintf(why, len, "%s", diag.msg);
    return rc;
}

/* KV bytes (per token, or for batch x context); `bits` overrides the element size. */
static int kv_value(const claim *c, const claim_twist *t, const attn_model *m, const char *variant,
                    bool per_token, long double *value, char *why, size_t len)
{
    attn_model view;
    int rc = model_view(m, t, &view);
    if (rc)
        return rc;
    bool bits = t && t->bits > 0;
    attn_plan *plan = NULL;
    rc = open_plan(c, &view, variant, bits ? ATTN_DTYPE_FP32 : dtype_of(c, t, m), &plan, why, len);
    uint64_t bytes = 0;
    int64_t context = context_of(c, t, m);
    if (!rc && per_token)
        bytes = attn_plan_kv_bytes_per_token(plan);
    else if (!rc && context <= 0)
        rc = ATTN_ERR_FIELD, snprintf(why, len, "no context: give context= in settings");
    else if (!rc && (rc = attn_plan_kv_bytes(plan, c->s.batch ? c->s.batch : 1, context, &bytes)))
        snprintf(why, len, "the cache size overflows 64 bits");
    *value = (long double)bytes * (bits ? (long double)t->bits / 32.0L : 1.0L);
    attn_plan_free(plan);
    model_view_free(m, &view);
    return rc;
}

static int load_device(const claim *c, attn_device *dev, char *why, size_t len)
{
    if (c->device_loaded) { /* read once per row: the assumption search asks many times */
        *dev = c->device;
        return ATTN_OK;
    }
    attn_diag diag = {{0}};
    int rc = attn_device_load(c->s.device[0] ? c->s.device : "h100-sxm", dev, &diag);
    if (rc)
        snprintf(why, len, "%s", diag.msg);
    return rc;
}

typedef struct cost_side {
    const attn_model *model;
    const char *variant;
    int64_t seq;
} cost_side;

static int cost_value(const claim *c, const claim_twist *t, const cost_side *side,
                      attn_cost *cost, attn_device *dev, char *why, size_t len)
{
    int rc = load_device(c, dev, why, len);
    attn_model view;
    if (!rc)
        rc = model_view(side->model, t, &view);
    if (rc)
        return rc;
    attn_plan *plan = NULL;
    attn_dtype dtype = dtype_of(c, t, side->model);
    rc = open_plan(c, &view, side->variant, dtype, &plan, why, len);
    attn_phase phase = t && t->phase_set ? t->phase : c->s.phase;
    attn_cost_request req = {phase, side->seq, c->s.batch ? c->s.batch : 1, c->s.causal,
                             attn_device_sram_bytes(dev, c->s.sram), dtype,
                             .dropout = c->s.dropout};
    attn_diag diag = {{0}};
    if (!rc && (rc = c->s.per_layer ? attn_plan_cost_layer(plan, &req, 0, cost, &diag)
                                    : attn_plan_cost(plan, &req, cost, &diag)))
        snprintf(why, len, "%s", diag.msg);
    attn_plan_free(plan);
    model_view_free(side->model, &view);
    return rc;
}


/* Median time of one layer's kernel, from the caller's timer. */
static int measured_time(const claim *c, const cost_side *side, double *seconds, char *why,
                         size_t len)
{
    attn_claim_run run = {
        .model = side->model,
        .variant = side->variant ? side->variant : attn_variant_native(false)->name,
        .phase = c->s.phase, .seq = side->seq, .batch = c->s.batch ? c->s.batch : 1,
        .causal = c->s.causal, .features = c->s.features, .rank = c->s.rank,
    };
    return c->measure(&run, seconds, why, len);
}

static int ratio_value(const claim *c, const claim_twist *t, long double *value, char *why,
                       size_t len)
{
    const attn_model *m = c->model;
    int64_t seq = c->s.seq ? c->s.seq : context_of(c, t, m);
    cost_side subject = {m, variant_of(c, t), seq};
    cost_side base = {c->baseline_model ? c->baseline_model : m,
                      c->s.baseline_variant[0] ? c->s.baseline_variant : variant_of(c, NULL),
                      c->s.baseline_seq ? c->s.baseline_seq : seq};
    if (c->metric == METRIC_SPEEDUP && c->s.needs_measurement && !c->measure) {
        snprintf(why, len, "the claim is about measured speed the IO model does not see "
                 "(needs=measurement); run attnscope check --measure");
        return ATTN_ERR_UNSUPPORTED;
    }
    if (c->metric == METRIC_SPEEDUP && c->measure && c->s.phase == ATTN_PHASE_TRAIN) {
        snprintf(why, len, "no backward kernels to measure; drop --measure for the IO model");
        return ATTN_ERR_UNSUPPORTED;
    }
    if (c->metric == METRIC_SPEEDUP && c->measure) {
        double ts, tb;
        int rc = measured_time(c, &subject, &ts, why, len);
        if (!rc)
            rc = measured_time(c, &base, &tb, why, len);
        *value = ts > 0 ? (long double)(tb / ts) : 0;
        return rc;
    }
    attn_cost a, b;
    attn_device dev;
    /* a phase assumption is about how the whole comparison was counted: both sides */
    claim_twist base_twist = {.phase_set = t && t->phase_set, .phase = t ? t->phase : c->s.phase};
    int rc = cost_value(c, t, &subject, &a, &dev, why, len);
    if (!rc)
        rc = cost_value(c, &base_twist, &base, &b, &dev, why, len);
    if (rc)
        return rc;
    if (c->metric == METRIC_SPEEDUP) {
        attn_roofline ra, rb;
        attn_roofline_compute(&a, attn_device_peak_flops(&dev, dtype_of(c, t, m)),
                              dev.bandwidth_bytes_per_s, &ra);
        attn_roofline_compute(&b, attn_device_peak_flops(&dev, dtype_of(c, NULL, base.model)),
                              dev.bandwidth_bytes_per_s, &rb);
        /* Same FLOPs, both compute-bound: the roofline gives 1x whatever the kernels do; the
         * difference (occupancy, work partitioning, non-matmul FLOPs) is for measurement. */
        if (!ra.memory_bound && !rb.memory_bound && a.flops == b.flops) {
            snprintf(why, len, "both sides do the same FLOPs and are compute-bound on %s: the IO "
                     "model cannot tell them apart; only measurement can (--measure)", dev.name);
            return ATTN_ERR_UNSUPPORTED;
        }
        *value = ra.time_s > 0 ? rb.time_s / ra.time_s : 0;
    } else if (c->metric == METRIC_HBM_RATIO) {
        long double denominator = b.read_bytes + b.write_bytes;
        *value = denominator > 0 ? (a.read_bytes + a.write_bytes) / denominator : 0;
    } else {
        *value = b.flops > 0 ? a.flops / b.flops : 0;
    }
    return ATTN_OK;
}

static int capacity_value(const claim *c, const claim_twist *t, long double *value, char *why,
                          size_t len)
{
    attn_device dev;
    attn_params params;
    uint64_t weights = 0;
    attn_model view;
    int rc = load_device(c, &dev, why, len);
    if (!rc && (attn_params_count(c->model, &params) ||
                attn_precision_row_bytes(attn_precision_default(c->model->weights_dtype),
                                         params.total, &weights)))
        rc = ATTN_ERR_OVERFLOW, snprintf(why, len, "parameter count overflows");
    if (!rc)
        rc = model_view(c->model, t, &view);
    if (rc)
        return rc;
    attn_plan *plan = NULL;
    attn_capacity cap;
    rc = open_plan(c, &view, variant_of(c, t), dtype_of(c, t, c->model), &plan, why, len);
    if (!rc)
        rc = attn_capacity_compute(plan, dev.memory_bytes, c->s.mem_util, weights,
                                   c->s.batch ? c->s.batch : 1, context_of(c, t, c->model), &cap);
    if (!rc)
        *value = c->metric == METRIC_MAX_BATCH ? (long double)cap.max_batch
                                               : (long double)cap.max_context;
    if (!rc && c->metric == METRIC_MAX_CONTEXT && cap.context_unbounded)
        rc = ATTN_ERR_UNSUPPORTED, snprintf(why, len, "the cache stops growing: no maximum context");
    attn_plan_free(plan);
    model_view_free(c->model, &view);
    return rc;
}

int claim_evaluate(const claim *c, const claim_twist *t, long double *value, char *why, size_t len)
{
    long double base = 0;
    int rc;
    switch (c->metric) {
    case METRIC_KV_BYTES:
    case METRIC_KV_BYTES_PER_TOKEN:
        rc = kv_value(c, t, c->model, variant_of(c, t), c->metric == METRIC_KV_BYTES_PER_TOKEN,
                      value, why, len);
        break;
    case METRIC_KV_REDUCTION:
        rc = kv_value(c, t, c->model, variant_of(c, t), true, value, why, len);
        if (!rc)
            rc = kv_value(c, NULL, c->baseline_model ? c->baseline_model : c->model,
                          c->s.baseline_variant[0] ? c->s.baseline_variant : NULL, true, &base,
                          why, len);
        if (!rc)
            *value = base > 0 ? 1.0L - *value / base : 0;
        break;
    case METRIC_HBM_BYTES:
    case METRIC_FLOPS: {
        attn_cost cost;
        attn_device dev;
        cost_side side = {c->model, variant_of(c, t),
                          c->s.seq ? c->s.seq : context_of(c, t, c->model)};
        rc = cost_value(c, t, &side, &cost, &dev, why, len);
        *value = c->metric == METRIC_FLOPS ? cost.flops : cost.read_bytes + cost.write_bytes;
        break;
    }
    case METRIC_MAX_BATCH:
    case METRIC_MAX_CONTEXT:
        rc = capacity_value(c, t, value, why, len);
        break;
    case METRIC_THROUGHPUT:
    case METRIC_THROUGHPUT_RATIO:
        rc = claim_throughput_value(c, t, value, why, len);
        break;
    default:
        rc = ratio_value(c, t, value, why, len);
    }
    bool bytes = c->metric == METRIC_KV_BYTES || c->metric == METRIC_KV_BYTES_PER_TOKEN ||
                 c->metric == METRIC_HBM_BYTES;
    if (!rc && t && t->layer_factor > 0 && (bytes || c->metric == METRIC_FLOPS))
        *value *= (long double)t->layer_factor;
    if (!rc && t && t->unit_factor > 0 && bytes)
        *value *= (long double)t->unit_factor;
    return rc;
}
