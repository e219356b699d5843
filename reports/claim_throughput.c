/* claim_throughput.c — the `throughput` and `throughput_ratio` metrics: decode tokens/s of
 * one replica at the largest batch whose cache fits (analyzer/throughput.h), or the subject's
 * over the baseline's. The subject takes the claim's serving settings (weights_dtype,
 * kv_dtype or kv_bits); the baseline is served as its config says (torch_dtype weights and
 * cache), on the same device, tp and context. batch= fixes the batch instead of the largest. */
#include <stdio.h>
#include <string.h>

#include "claims_internal.h"
#include "throughput.h"

static int replica_throughput(const claim *c, const claim_twist *t, const attn_model *m,
                              bool subject, long double *value, char *why, size_t len)
{
    attn_diag diag = {{0}};
    const attn_device *dev = &c->device;
    int rc = ATTN_OK;
    if (!c->device_loaded) {
        snprintf(why, len, "device '%s' could not be read", c->s.device[0] ? c->s.device : "h100-sxm");
        return ATTN_ERR_UNKNOWN;
    }
    int64_t context = c->s.context ? c->s.context : m->max_context;
    if (t && t->context_factor > 0)
        context = (int64_t)((double)context * t->context_factor + 0.5);
    attn_serve_request req = {
        .model = m, .device = dev, .tp = c->s.tp ? c->s.tp : 1, .context = context,
        .weights_dtype = subject && c->s.weights_dtype_set ? c->s.weights_dtype : m->weights_dtype,
        .kv_dtype = subject && c->s.kv_dtype_set ? c->s.kv_dtype : m->dtype,
        .kv_bits = subject ? c->s.kv_bits : 0, .mem_util = c->s.mem_util,
        .engine = c->s.engine[0] ? c->s.engine : NULL,
        .variant = subject && c->s.variant[0] ? c->s.variant : NULL,
    };
    if (subject && t && t->dtype_set)
        req.kv_dtype = t->dtype, req.kv_bits = 0;
    if (subject && t && t->bits > 0)
        req.kv_bits = t->bits;
    attn_serve s;
    attn_serve_point p;
    if ((rc = attn_serve_init(&s, &req, &diag))) {
        snprintf(why, len, "%s", diag.msg);
        return rc;
    }
    int64_t batch = c->s.batch ? c->s.batch : s.max_batch;
    if (batch < 1) {
        snprintf(why, len, "%s: not one sequence of %lld tokens fits beside the weights on %s x %lld",
                 m->name, (long long)context, dev->name, (long long)req.tp);
        rc = ATTN_ERR_RANGE;
    } else if ((rc = attn_serve_decode(&s, batch, &p, &diag))) {
        snprintf(why, len, "%s", diag.msg);
    }
    *value = rc ? 0 : p.tokens_per_s;
    attn_serve_free(&s);
    return rc;
}

int claim_throughput_value(const claim *c, const claim_twist *t, long double *value, char *why,
                           size_t len)
{
    int rc = replica_throughput(c, t, c->model, true, value, why, len);
    if (rc || c->metric == METRIC_THROUGHPUT)
        return rc;
    long double base = 0;
    claim_twist context_only = {.context_factor = t ? t->context_factor : 0};
    rc = replica_throughput(c, &context_only, c->baseline_model ? c->baseline_model : c->model,
                            false, &base, why, len);
    *value = !rc && base > 0 ? *value / base : 0;
    return rc;
}

/* One replica's serving point, for the verdict. */
static size_t describe_side(const claim *c, const attn_model *m, bool subject, char *buf,
                            size_t len)
{
    claim one = *c;
    one.metric = METRIC_THROUGHPUT;
    long double value = 0;
    char why[256] = "";
    if (replica_throughput(&one, NULL, m, subject, &value, why, sizeof why))
        return (size_t)snprintf(buf, len, "%s: %s", m->name, why);
    char kv[32];
    if (subject && c->s.kv_bits > 0)
        snprintf(kv, sizeof kv, "%g-bit", c->s.kv_bits);
    else
        snprintf(kv, sizeof kv, "%s", attn_dtype_name(subject && c->s.kv_dtype_set ? c->s.kv_dtype : m->dtype));
    return (size_t)snprintf(buf, len, "%s (%s weights, %s KV) %.6Lg tokens/s at %s", m->name,
                            attn_dtype_name(subject && c->s.weights_dtype_set ? c->s.weights_dtype
                                                                              : m->weights_dtype),
                            kv, value, c->s.batch ? "the given batch" : "the largest batch that fits");
}

void claim_throughput_describe(const claim *c, char *buf, size_t len)
{
    int used = snprintf(buf, len, "%lld x %s (tp %lld), context %lld, memory x %.2f: ",
                        (long long)(c->s.tp ? c->s.tp : 1), c->s.device[0] ? c->s.device : "h100-sxm",
                        (long long)(c->s.tp ? c->s.tp : 1),
                        (long long)(c->s.context ? c->s.context : c->model->max_context), c->s.mem_util);
    if (used < 0 || (size_t)used >= len)
        return;
    used += (int)describe_side(c, c->model, true, buf + used, len - (size_t)used);
    if (c->metric == METRIC_THROUGHPUT_RATIO && (size_t)used + 4 < len) {
        used += snprintf(buf + used, len - (size_t)used, " vs ");
        if ((size_t)used < len)
            describe_side(c, c->baseline_model ? c->baseline_model : c->model, false, buf + used,
                          len - (size_t)used);
    }
}
