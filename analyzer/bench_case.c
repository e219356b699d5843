/* bench_case.c — from a model and a variant to a measured, predicted result row. */
#include <stdio.h>
#include <string.h>

#include "bench_case.h"
#include "diag.h"
#include "plan_internal.h"

const char *attn_store_name(attn_store store)
{
    static const char *const names[] = {"fp32", "fp16", "bf16"};
    return store <= ATTN_STORE_BF16 ? names[store] : "?";
}

static attn_dtype store_dtype(attn_store store)
{
    return store == ATTN_STORE_FP16 ? ATTN_DTYPE_FP16
           : store == ATTN_STORE_BF16 ? ATTN_DTYPE_BF16 : ATTN_DTYPE_FP32;
}

static attn_problem problem_of(const attn_bench_case *c, const attn_shape *s)
{
    attn_problem p = {
        .phase = c->phase, .batch = c->batch, .heads = s->heads, .kv_heads = s->kv_heads,
        .n = c->seq, .d_qk = s->d_qk, .d_v = s->d_v, .d_c = s->d_c, .d_r = s->d_r,
        .d_n = s->d_n, .features = s->features, .rank = s->rank,
        .causal = c->phase == ATTN_PHASE_PREFILL && c->causal,
        .store = c->phase == ATTN_PHASE_DECODE ? c->store : ATTN_STORE_FP32,
        .sram_bytes = c->sram_bytes ? c->sram_bytes : c->backend->sram_bytes(), .seed = c->seed,
        .normal_inputs = c->normal_inputs,
    };
    return p;
}

int attn_bench_run(const attn_bench_case *c, attn_result_row *row, attn_diag *diag)
{
    attn_request req = c->whatif;
    req.variant = c->variant;
    /* The kernels keep Q, O and weights in fp32 and a flash-decoding cache in its store: the
     * plan owns the cache's precision, the request the activations'. Kernels whose cache or
     * state is fp32 whatever the store run as fp32, and the row says so. */
    attn_store store = c->phase == ATTN_PHASE_DECODE ? c->store : ATTN_STORE_FP32;
    attn_plan *plan = NULL;
    const attn_kernel_ops *ops = NULL;
    int rc = ATTN_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        attn_plan_free(plan);
        plan = NULL;
        req.precision = attn_precision_default(store_dtype(store));
        rc = attn_plan_init(&plan, c->model, &req, diag);
        ops = rc ? NULL : plan->variant->kernels[c->backend->id];
        if (!ops || ops->honours_store || store == ATTN_STORE_FP32)
            break;
        store = ATTN_STORE_FP32;
    }
    if (rc)
        return rc;
    attn_shape shape = attn_plan_shape(plan);
    attn_problem p = problem_of(c, &shape);
    p.store = store;
    memset(row, 0, sizeof *row);
    *row = (attn_result_row){
        .model = c->model->name, .variant = plan->variant->name, .backend = c->backend->name,
        .phase = p.phase, .batch = p.batch, .heads = p.heads, .kv_heads = p.kv_heads,
        .d_qk = p.d_qk, .d_v = p.d_v, .seq = p.n, .causal = p.causal,
        .store = attn_store_name(p.store), .features = p.features, .rank = p.rank,
        .sram_bytes = p.sram_bytes, .threads = c->threads, .seed = p.seed,
        .normal_inputs = p.normal_inputs,
    };
    attn_cost_request creq = {p.phase, p.n, p.batch, p.causal, p.sram_bytes, ATTN_DTYPE_FP32};
    if (!ops)
        rc = attn_fail(diag, ATTN_ERR_UNSUPPORTED, "%s has no %s kernel (analytic only)",
                       plan->variant->name, c->backend->name);
    if (!rc)
        rc = attn_plan_cost_layer(plan, &creq, 0, &row->model_cost, diag);
    if (!rc)
        rc = attn_measure(c->backend, ops, &p, &c->options, &row->m, diag);
    if (!rc && c->phase == ATTN_PHASE_DECODE && p.store != c->store && !row->m.note[0])
        snprintf(row->m.note, sizeof row->m.note, "%s asked; this kernel's cache is fp32",
                 attn_store_name(c->store));
    if (!rc && c->traffic)
        attn_bench_traffic(c, plan->variant->name, ops, &p, row);
    attn_plan_free(plan);
    return rc;
}
