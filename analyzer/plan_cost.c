/* plan_cost.c — whole-model FLOPs, HBM traffic and roofline from the per-layer formulas.
 *
 * Each window group's layer cost is asked once and weighted by its layer count; per-sequence
 * terms scale with the batch, per-batch terms (weights, projections) do not. Working memory
 * is a peak, not a sum: layers run one after another, so it is the largest layer's times
 * the batch.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "plan_internal.h"

static int check_request(const attn_plan *plan, const attn_cost_request *req, attn_diag *diag)
{
    if (req->seq < 1 && req->phase == ATTN_PHASE_PREFILL)
        return attn_fail(diag, ATTN_ERR_RANGE, "prefill needs at least 1 token (got %lld)",
                         (long long)req->seq);
    if (req->seq < 0 || req->batch < 0)
        return attn_fail(diag, ATTN_ERR_RANGE, "sequence length and batch must not be negative");
    if (req->sram_bytes == 0)
        return attn_fail(diag, ATTN_ERR_RANGE, "on-chip memory size (sram) must be positive");
    if (req->dtype >= ATTN_DTYPE_COUNT)
        return attn_fail(diag, ATTN_ERR_UNKNOWN, "unknown element type");
    (void)plan;
    return ATTN_OK;
}

static attn_layer_cost layer_cost(const attn_plan *plan, const attn_cost_request *req,
                                  int64_t window)
{
    long double elem = (long double)attn_dtype_bits(req->dtype) / 8.0L;
    attn_cost_point point = {
        .phase = req->phase,
        .n = req->seq,
        .window = window,
        .causal = req->phase == ATTN_PHASE_PREFILL && req->causal,
        .sram = floorl((long double)req->sram_bytes / elem),
    };
    return plan->variant->cost(&plan->shape, &point);
}

/* Bytes of one cache element at the plan's KV precision, scales included: a packed row's
 * bytes over its elements, so KV traffic in whole rows costs exactly what `kv` reports. */
static long double kv_elem_bytes(const attn_plan *plan, long double elem)
{
    attn_kv_elems e = plan->variant->kv_elems(&plan->shape);
    if (e.per_token)
        return (long double)plan->bytes_per_token / (long double)e.per_token;
    if (e.per_seq)
        return (long double)plan->bytes_per_seq / (long double)e.per_seq;
    return elem;
}

/* total += weight x (batch x per-sequence + per-batch), in bytes. */
static void accumulate(attn_cost *total, const attn_layer_cost *c, long double layers,
                       long double batch, long double elem, long double kv_elem)
{
    long double kv_moved = c->kv_read + c->kv_write;
    long double act = c->read + c->write - kv_moved - c->weight_read;
    total->flops += layers * batch * c->flops;
    total->flops_executed += layers * batch * (c->flops_executed ? c->flops_executed : c->flops);
    total->other_flops += layers * batch * c->other_flops;
    total->read_bytes += layers * (batch * ((c->read - c->kv_read) * elem + c->kv_read * kv_elem)
                                   + c->batch_read * elem);
    total->write_bytes += layers * batch * ((c->write - c->kv_write) * elem + c->kv_write * kv_elem);
    total->kv_bytes += layers * batch * c->kv * kv_elem;
    total->kv_traffic_bytes += layers * batch * kv_moved * kv_elem;
    total->weight_bytes += layers * (c->batch_read + batch * c->weight_read) * elem;
    total->act_bytes += layers * batch * act * elem;
    total->extra_bytes = fmaxl(total->extra_bytes, batch * c->extra * elem);
}

static int finish(attn_cost *total, const attn_layer_cost *c, const attn_plan *plan,
                  attn_diag *diag)
{
    total->supported = !c->unsupported;
    snprintf(total->note, sizeof total->note, "%s", c->note ? c->note : "");
    if (c->unsupported)
        return attn_fail(diag, ATTN_ERR_UNSUPPORTED, "%s: %s", plan->variant->name, c->note);
    return ATTN_OK;
}

int attn_plan_cost(const attn_plan *plan, const attn_cost_request *req, attn_cost *total,
                   attn_diag *diag)
{
    memset(total, 0, sizeof *total);
    int rc = check_request(plan, req, diag);
    if (rc)
        return rc;
    long double elem = (long double)attn_dtype_bits(req->dtype) / 8.0L;
    long double batch = req->batch ? (long double)req->batch : 1.0L;
    attn_layer_cost c = {0};
    for (size_t g = 0; g < plan->groups; g++) {
        c = layer_cost(plan, req, plan->group[g].window);
        if (c.unsupported)
            break;
        accumulate(total, &c, (long double)plan->group[g].layers, batch, elem,
                   kv_elem_bytes(plan, elem));
    }
    return finish(total, &c, plan, diag);
}

int attn_plan_cost_layer(const attn_plan *plan, const attn_cost_request *req, int64_t layer,
                         attn_cost *cost, attn_diag *diag)
{
    memset(cost, 0, sizeof *cost);
    int rc = check_request(plan, req, diag);
    if (rc)
        return rc;
    if (layer < 0 || layer >= plan->layers)
        return attn_fail(diag, ATTN_ERR_RANGE, "layer %lld: the model has layers 0..%lld",
                         (long long)layer, (long long)plan->layers - 1);
    long double elem = (long double)attn_dtype_bits(req->dtype) / 8.0L;
    attn_layer_cost c = layer_cost(plan, req, plan->layer[layer].window);
    if (!c.unsupported)
        accumulate(cost, &c, 1.0L, req->batch ? (long double)req->batch : 1.0L, elem,
                   kv_elem_bytes(plan, elem));
    return finish(cost, &c, plan, diag);
}

void attn_roofline_compute(const attn_cost *cost, double peak_flops, double bandwidth,
                           attn_roofline *out)
{
    long double bytes = cost->read_bytes + cost->write_bytes;
    out->intensity = bytes > 0 ? cost->flops / bytes : 0;
    out->compute_s = peak_flops > 0 ? cost->flops / (long double)peak_flops : 0;
    out->memory_s = bandwidth > 0 ? bytes / (long double)bandwidth : 0;
    out->memory_bound = out->memory_s >= out->compute_s;
    out->time_s = out->memory_bound ? out->memory_s : out->compute_s;
}
