/* throughput.c — decode and prefill tokens/s on the roofline (see throughput.h).
 *
 * Weights read per step: the parameters a step multiplies by, which are the active ones
 * (shared experts, router, attention, dense MLPs, the output head) plus, for MoE, every routed
 * expert some token of the batch picked. With B tokens each choosing k of E experts, and
 * routing taken as uniform, the expected distinct experts per layer is E (1 - (1 - k/E)^B),
 * k at B = 1 and E for a large batch. The input embedding is a lookup of B rows, not read
 * whole (unless tied, when the output head reads it). Routed-expert parameters per expert
 * come from the parameter count: total - active = MoE layers x (E - k) x expert.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "throughput.h"

/* The KV room of one rank and the batch it holds. Today: device memory x utilisation minus
 * the rank's weights (attn_capacity_compute). This is the one place an engine memory model
 * (what vLLM / SGLang allocate: activations, CUDA graphs, block rounding) replaces it. */
/* The bytes each rank has for the cache. With an engine (vllm, sglang) it is that engine's KV
 * budget (engine.c: device memory as exposed x its utilisation, less the weights as the
 * checkpoint loads, the profile run's activations and the non-torch memory, at a
 * max_model_len of the context); without one, memory x utilisation - weights. */
static int serve_free_bytes(attn_serve *s, uint64_t *free_bytes, attn_diag *diag)
{
    attn_engine_id engine = ATTN_ENGINE_NONE;
    if (s->req.engine && attn_engine_parse(s->req.engine, &engine))
        return attn_fail(diag, ATTN_ERR_UNKNOWN, "serve: unknown engine '%s'", s->req.engine);
    if (engine == ATTN_ENGINE_NONE) {
        attn_capacity cap;
        int rc = attn_capacity_compute(s->plan, s->req.device->memory_bytes, s->req.mem_util,
                                       s->weights_rank_bytes, 1, s->req.context, &cap);
        if (rc)
            return attn_fail(diag, rc, "capacity of %s at context %lld: %s", s->req.model->name,
                             (long long)s->req.context, attn_strerror(rc));
        *free_bytes = cap.free_bytes;
        snprintf(s->capacity_note, sizeof s->capacity_note,
                 "memory x %.2f - weights (no engine model)", s->req.mem_util);
        return ATTN_OK;
    }
    const attn_device *d = s->req.device;
    attn_engine_settings st = {
        .engine = engine, .tp = s->req.tp, .pp = 1, .max_model_len = s->req.context,
        .device_bytes = d->memory_exposed_bytes ? d->memory_exposed_bytes : d->memory_bytes,
        .overhead_bytes = -1, .cuda_graphs_in_budget = -1, .device_name = d->name,
        .quant = s->req.model->quant,
    };
    attn_engine_result r;
    int rc = attn_engine_compute(s->req.model, s->plan, &st, &r, diag);
    if (rc)
        return rc;
    *free_bytes = r.kv_budget_bytes > 0 ? (uint64_t)r.kv_budget_bytes : 0;
    snprintf(s->capacity_note, sizeof s->capacity_note,
             "%s KV budget: %.4g GiB of %.4g GiB exposed x %.2f, after weights as loaded, "
             "activations and non-torch memory", attn_engine_name(engine),
             (double)*free_bytes / 1073741824.0, (double)r.device_bytes / 1073741824.0,
             r.settings.mem_util);
    return ATTN_OK;
}

static int serve_capacity(attn_serve *s, double kv_scale, attn_diag *diag)
{
    int rc = serve_free_bytes(s, &s->free_bytes, diag);
    if (rc)
        return rc;
    uint64_t per_seq = 0;
    if ((rc = attn_plan_kv_bytes(s->plan, 1, s->req.context, &per_seq)))
        return attn_fail(diag, rc, "the cache of one sequence overflows 64 bits");
    s->kv_seq_bytes = (uint64_t)ceill((long double)per_seq * kv_scale);
    s->max_batch = s->kv_seq_bytes ? (int64_t)(s->free_bytes / s->kv_seq_bytes) : 0;
    return ATTN_OK;
}

/* Cache precision: a dtype, or b bits per element scaled from fp32 as the claim search does. */
static double kv_scale_of(const attn_serve_request *r)
{
    return r->kv_bits > 0 ? r->kv_bits / 32.0 : 1.0;
}

int attn_serve_init(attn_serve *s, const attn_serve_request *req, attn_diag *diag)
{
    memset(s, 0, sizeof *s);
    s->req = *req;
    if (req->tp < 1 || req->context < 1 || !(req->mem_util > 0 && req->mem_util <= 1) ||
        req->kv_bits < 0 || req->kv_bits > 32)
        return attn_fail(diag, ATTN_ERR_RANGE,
                         "serve: tp %lld, context %lld, utilisation %g, kv bits %g out of range",
                         (long long)req->tp, (long long)req->context, req->mem_util, req->kv_bits);
    attn_request pr = {.variant = req->variant, .tp = req->tp,
                       .precision = attn_precision_default(req->kv_bits > 0 ? ATTN_DTYPE_FP32
                                                                            : req->kv_dtype)};
    int rc = attn_plan_init(&s->plan, req->model, &pr, diag);
    if (rc)
        return rc;
    uint64_t weights = 0;
    if ((rc = attn_params_count(req->model, &s->params)) ||
        (rc = attn_precision_row_bytes(attn_precision_default(req->weights_dtype),
                                       s->params.total, &weights))) {
        attn_serve_free(s);
        return attn_fail(diag, ATTN_ERR_OVERFLOW, "%s: parameter bytes overflow", req->model->name);
    }
    s->weights_rank_bytes = weights / (uint64_t)req->tp;
    if ((rc = serve_capacity(s, kv_scale_of(req), diag)))
        attn_serve_free(s);
    return rc;
}

void attn_serve_free(attn_serve *s)
{
    attn_plan_free(s->plan);
    s->plan = NULL;
}

/* Expected routed experts per MoE layer that `tokens` tokens touch. */
static long double experts_touched(const attn_model *m, long double tokens)
{
    if (!m->experts)
        return 0;
    long double e = (long double)m->experts, k = (long double)m->experts_per_token;
    return e * (1 - powl(1 - k / e, tokens));
}

/* Parameters a step over `tokens` tokens reads (weights) and multiplies by (per token). */
static void step_params(const attn_serve *s, long double tokens, long double *read,
                        long double *per_token, long double *touched)
{
    const attn_model *m = s->req.model;
    long double lookup = m->tied_embeddings ? 0 : (long double)m->vocab * (long double)m->hidden;
    long double active = (long double)s->params.active - lookup;
    long double routed_extra = 0;
    *touched = experts_touched(m, tokens);
    if (m->experts > m->experts_per_token) {
        long double per_expert_all_layers = ((long double)s->params.total - (long double)s->params.active) /
                                            (long double)(m->experts - m->experts_per_token);
        routed_extra = per_expert_all_layers * (*touched - (long double)m->experts_per_token);
    }
    *read = active + routed_extra;
    *per_token = active;
}

static int step(const attn_serve *s, attn_phase phase, int64_t batch, int64_t seq,
                attn_serve_point *out, attn_diag *diag)
{
    memset(out, 0, sizeof *out);
    long double tokens = phase == ATTN_PHASE_DECODE ? (long double)batch : (long double)seq;
    long double read_params, per_token;
    step_params(s, tokens, &read_params, &per_token, &out->experts_touched);
    long double wbytes = (long double)attn_dtype_bits(s->req.weights_dtype) / 8.0L;
    long double tp = (long double)s->req.tp;
    attn_cost_request creq = {phase, seq, batch, phase == ATTN_PHASE_PREFILL,
                              s->req.device->shared_mem_per_sm_bytes ? s->req.device->shared_mem_per_sm_bytes : 1,
                              s->req.kv_bits > 0 ? ATTN_DTYPE_FP32 : s->req.kv_dtype, .dropout = 0};
    attn_cost attn;
    int rc = attn_plan_cost(s->plan, &creq, &attn, diag);
    if (rc)
        return rc;
    long double kv_scale = kv_scale_of(&s->req);
    out->batch = batch;
    out->weight_bytes = read_params / tp * wbytes;
    /* decode reads every cache once (flash-decoding, MLA's absorbed kernel); prefill writes it */
    out->kv_bytes = phase == ATTN_PHASE_DECODE ? (long double)s->kv_seq_bytes * (long double)batch
                                               : attn.kv_bytes * kv_scale;
    /* A cache every rank holds whole (MLA's latent) still has its query heads split over the
     * ranks: the plan keeps all heads on each rank for sizing, so its work is shared here. */
    long double share = attn_plan_kv_replicated(s->plan) ? tp : 1;
    long double attn_other = phase == ATTN_PHASE_DECODE
                                 ? 0
                                 : (attn.read_bytes + attn.write_bytes - attn.kv_bytes) / share;
    out->flops = 2 * per_token * tokens / tp + attn.flops / share;
    long double bytes = out->weight_bytes + out->kv_bytes + (attn_other > 0 ? attn_other : 0);
    long double compute_s = out->flops / (long double)s->req.device->peak_flops_fp16;
    long double memory_s = bytes / (long double)s->req.device->bandwidth_bytes_per_s;
    out->memory_bound = memory_s >= compute_s;
    out->step_s = out->memory_bound ? memory_s : compute_s;
    out->tokens_per_s = out->step_s > 0 ? tokens / out->step_s : 0;
    return ATTN_OK;
}

int attn_serve_decode(const attn_serve *s, int64_t batch, attn_serve_point *out, attn_diag *diag)
{
    if (batch < 1)
        return attn_fail(diag, ATTN_ERR_RANGE, "serve: batch %lld: expected at least 1",
                         (long long)batch);
    return step(s, ATTN_PHASE_DECODE, batch, s->req.context, out, diag);
}

int attn_serve_prefill(const attn_serve *s, attn_serve_point *out, attn_diag *diag)
{
    return step(s, ATTN_PHASE_PREFILL, 1, s->req.context, out, diag);
}
