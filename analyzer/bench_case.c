/* bench_case.c — from a model and a variant to a measured, predicted result row. */
#include <stdio.h>
#include <string.h>

#include "bench_case.h"
#include "bench_preflight.h"
#include "diag.h"
#include "kernel_tiling.h"
#include "plan_internal.h"

const char *attn_kv_layout_name(attn_kv_layout layout)
{
    return layout == ATTN_KV_PAGED ? "paged" : "contiguous";
}

static attn_problem problem_of(const attn_bench_case *c, const attn_shape *s)
{
    attn_problem p = {
        .phase = c->phase, .batch = c->batch, .heads = s->heads, .kv_heads = s->kv_heads,
        .n = c->seq, .d_qk = s->d_qk, .d_v = s->d_v, .d_c = s->d_c, .d_r = s->d_r,
        .d_n = s->d_n, .features = s->features, .rank = s->rank,
        .causal = c->phase == ATTN_PHASE_PREFILL && c->causal,
        .store = c->phase == ATTN_PHASE_DECODE ? c->store : ATTN_DTYPE_FP32,
        .kv_layout = c->phase == ATTN_PHASE_DECODE ? c->kv_layout : ATTN_KV_CONTIGUOUS,
        .block_size = c->block_size,
        .seq_lens = c->phase == ATTN_PHASE_DECODE ? c->seq_lens : NULL,
        .sram_bytes = c->sram_bytes ? c->sram_bytes : c->backend->sram_bytes(), .seed = c->seed,
        .normal_inputs = c->normal_inputs,
    };
    return p;
}

/* The cache the run's dram_bytes_model assumes: the simulated LLC under --traffic sim (one
 * thread: the simulation runs one), else this machine's; a GPU backend's L2 is not known
 * here, so its rows say dram = hbm. */
static attn_cache_model cache_of(const attn_bench_case *c)
{
    attn_cache_model cache = {.tiles = ATTN_TILES_SRAM};
    attn_sim_result g;
    char why[200];
    if (c->backend->kind != ATTN_BACKEND_KIND_CPU)
        return cache;
    bool sim = c->traffic & ATTN_TRAFFIC_SIM;
    if (!attn_sim_llc_config(sim ? c->sim.llc_bytes : 0, &g, why, sizeof why))
        cache.llc_bytes = g.llc_bytes;
    cache.units = sim ? 1 : c->threads;
    cache.cpu_caches = true;
    return cache;
}

/* The plan, the variant's kernels for the backend's kind and the problem they would run. The
 * kernels keep Q, O and weights in fp32 and a flash-decoding cache in its store: the plan owns
 * the cache's precision, the request the activations'. Kernels whose cache or state is fp32
 * whatever the store run as fp32, and the row says so. */
static int prepare(const attn_bench_case *c, attn_plan **plan, const attn_kernel_ops **ops,
                   attn_problem *p, attn_diag *diag)
{
    attn_request req = c->whatif;
    req.variant = c->variant;
    attn_dtype store = c->phase == ATTN_PHASE_DECODE ? c->store : ATTN_DTYPE_FP32;
    int rc = ATTN_OK;
    *plan = NULL;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        attn_plan_free(*plan);
        *plan = NULL;
        req.precision = attn_precision_default(store);
        rc = attn_plan_init(plan, c->model, &req, diag);
        *ops = rc ? NULL : attn_variant_ops((*plan)->variant, c->backend->kind);
        if (!*ops || (*ops)->honours_store || store == ATTN_DTYPE_FP32)
            break;
        store = ATTN_DTYPE_FP32;
    }
    if (rc)
        return rc;
    attn_shape shape = attn_plan_shape(*plan);
    *p = problem_of(c, &shape);
    p->store = store;
    return ATTN_OK;
}

/* The backend's answer to supports(), as the one line callers print. */
static int refused(const attn_bench_case *c, const attn_plan *plan, const attn_kernel_ops *ops,
                   const attn_problem *p, attn_diag *diag)
{
    const char *why = c->backend->supports(ops, p);
    return why ? attn_fail(diag, ATTN_ERR_UNSUPPORTED, "%s on %s: %s", plan->variant->name,
                           c->backend->name, why)
               : ATTN_OK;
}

int attn_bench_supported(const attn_bench_case *c, attn_diag *diag)
{
    attn_plan *plan = NULL;
    const attn_kernel_ops *ops = NULL;
    attn_problem p;
    int rc = prepare(c, &plan, &ops, &p, diag);
    if (!rc)
        rc = refused(c, plan, ops, &p, diag);
    attn_plan_free(plan);
    return rc;
}

/* A batch of mixed lengths says so in the row's note: seq is only the longest. */
static void note_seq_lens(const attn_problem *p, attn_measurement *m)
{
    int64_t tokens = 0;
    for (int64_t b = 0; b < p->batch; b++)
        tokens += p->seq_lens[b];
    const size_t used = strlen(m->note);
    snprintf(m->note + used, sizeof m->note - used,
             "%s%lld sequences of mixed lengths (--seq-lens), %lld tokens, seq = the longest",
             used ? "; " : "", (long long)p->batch, (long long)tokens);
}

int attn_bench_run(const attn_bench_case *c, attn_result_row *row, attn_diag *diag)
{
    attn_plan *plan = NULL;
    const attn_kernel_ops *ops = NULL;
    attn_problem p;
    int rc = prepare(c, &plan, &ops, &p, diag);
    if (rc)
        return rc;
    memset(row, 0, sizeof *row);
    *row = (attn_result_row){
        .model = c->model->name, .variant = plan->variant->name, .backend = c->backend->name,
        .phase = p.phase, .batch = p.batch, .heads = p.heads, .kv_heads = p.kv_heads,
        .d_qk = p.d_qk, .d_v = p.d_v, .seq = p.n, .causal = p.causal,
        .store = attn_dtype_name(p.store), .features = p.features, .rank = p.rank,
        .sram_bytes = p.sram_bytes, .threads = c->threads, .seed = p.seed,
        .normal_inputs = p.normal_inputs,
    };
    const bool paged = p.phase == ATTN_PHASE_DECODE && p.kv_layout == ATTN_KV_PAGED;
    attn_cost_request creq = {p.phase, p.n, p.batch, p.causal, p.sram_bytes, ATTN_DTYPE_FP32,
                              .kv_block_size = paged ? p.block_size : 0,
                              .kv_scale_bytes = p.store == ATTN_DTYPE_INT8 ? 2 * sizeof(float) : 0,
                              .seq_lens = p.seq_lens};
    row->kv_layout = attn_kv_layout_name(p.kv_layout);
    row->block_size = paged ? p.block_size : 0;
    row->roof_flops = c->roof_flops;
    row->roof_read_bps = c->roof_read_bps;
    attn_cache_model cache = cache_of(c);
    rc = refused(c, plan, ops, &p, diag);
    /* the model with the kernel's own re-reads (a GPU's blocks); a device that cannot hold
     * the tiles is reported by the run itself */
    if (!rc && attn_kernel_tiling_of(c->backend, ops, &p, &creq.tiling))
        memset(&creq.tiling, 0, sizeof creq.tiling);
    if (!rc)
        rc = attn_plan_cost_layer_cached(plan, &creq, &cache, 0, &row->model_cost, diag);
    if (!rc) /* the reference runs below this many FLOPs (measure.h) */
        rc = attn_bench_preflight(&p, &row->model_cost,
                                  row->model_cost.flops <= c->options.validate_max_flops, diag);
    if (!rc)
        rc = attn_measure(c->backend, ops, &p, &c->options, &row->m, diag);
    if (!rc && c->phase == ATTN_PHASE_DECODE && p.store != c->store && !row->m.note[0])
        snprintf(row->m.note, sizeof row->m.note, "%s asked; this kernel's cache is fp32",
                 attn_dtype_name(c->store));
    if (!rc && p.seq_lens)
        note_seq_lens(&p, &row->m);
    if (!rc && c->traffic)
        attn_bench_traffic(c, plan->variant->name, ops, &p, row);
    attn_plan_free(plan);
    return rc;
}
