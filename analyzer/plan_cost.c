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
#include "kernel_tiles.h"
#include "plan_internal.h"
#include "train.h"

static int check_request(const attn_plan *plan, const attn_cost_request *req, attn_diag *diag)
{
    if (req->seq < 1 && req->phase != ATTN_PHASE_DECODE)
        return attn_fail(diag, ATTN_ERR_RANGE, "prefill needs at least 1 token (got %lld)",
                         (long long)req->seq);
    if (req->seq < 0 || req->batch < 0)
        return attn_fail(diag, ATTN_ERR_RANGE, "sequence length and batch must not be negative");
    if (req->sram_bytes == 0)
        return attn_fail(diag, ATTN_ERR_RANGE, "on-chip memory size (sram) must be positive");
    if (req->dtype >= ATTN_DTYPE_COUNT)
        return attn_fail(diag, ATTN_ERR_UNKNOWN, "unknown element type");
    if (!(req->dropout >= 0 && req->dropout < 1))
        return attn_fail(diag, ATTN_ERR_RANGE, "dropout %g: expected 0 <= p < 1", req->dropout);
    (void)plan;
    return ATTN_OK;
}

long double attn_tiling_passes(int64_t rows, int64_t block)
{
    return block > 0 && rows > block ? (long double)((rows + block - 1) / block) : 1.0L;
}

/* The kernel's tile and blocks in flight; Algorithm 1's tiles and one block per unit when the
 * request names no kernel or the kernel has no tile for this head dim. */
static void point_kernel(const attn_plan *plan, const attn_cache_model *cache,
                         attn_cost_point *point)
{
    const attn_shape *s = &plan->shape;
    attn_kernel_tile tile;
    int64_t units = cache->units > 0 ? cache->units : 1;
    point->parallel = units;
    if (attn_kernel_tile_for(cache->tiles, s->d_qk > s->d_v ? s->d_qk : s->d_v, point->causal,
                             &tile)) {
        point->tile_rows = tile.rows;
        point->tile_cols = tile.cols;
        point->parallel = units * tile.ctas_per_sm;
    }
}

static attn_layer_cost layer_cost(const attn_plan *plan, const attn_cost_request *req,
                                  const attn_cache_model *cache, int64_t window)
{
    long double elem = (long double)attn_dtype_bits(req->dtype) / 8.0L;
    attn_cost_point point = {
        .phase = req->phase,
        .n = req->seq,
        .window = window,
        .causal = req->phase != ATTN_PHASE_DECODE && req->causal,
        .sram = floorl((long double)req->sram_bytes / elem),
        .kv_block = req->kv_block_size,
        .index_elems = 4.0L / elem,
        .scale_elems = (long double)req->kv_scale_bytes / elem,
        .llc = floorl((long double)cache->llc_bytes / elem),
        .batch = req->batch ? req->batch : 1,
        .tiles_in_llc = cache->cpu_caches,
        .write_allocate = cache->cpu_caches,
        .dropout = req->phase == ATTN_PHASE_TRAIN ? req->dropout : 0,
        .elem_bytes = elem,
        .tiling = req->tiling,
    };
    point_kernel(plan, cache, &point);
    attn_layer_cost c = attn_variant_layer_cost(plan->variant, &plan->shape, &point);
    /* a GPU's cache never adds to what the IO model moves: dram <= hbm. A CPU's can: a store
     * that misses fills its line first, and BLAS clears C in a pass of its own (dram_steps.c) */
    long double io = c.read + c.write;
    c.dram = c.dram > 0 && (point.write_allocate || c.dram < io) ? c.dram : io;
    return c;
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
    long double seq_read = (c->read - c->kv_read) * elem + c->kv_read * kv_elem;
    long double seq_write = (c->write - c->kv_write) * elem + c->kv_write * kv_elem;
    /* dram is counted in elements of both kinds: bytes at the IO model's mix of the two */
    long double io_elems = c->read + c->write;
    long double seq_dram = io_elems > 0 ? c->dram * (seq_read + seq_write) / io_elems : 0;
    total->read_bytes += layers * (batch * seq_read + c->batch_read * elem);
    total->write_bytes += layers * batch * seq_write;
    total->dram_bytes += layers * (batch * seq_dram + c->batch_read * elem);
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
    return attn_plan_cost_cached(plan, req, NULL, total, diag);
}

int attn_plan_cost_layer(const attn_plan *plan, const attn_cost_request *req, int64_t layer,
                         attn_cost *cost, attn_diag *diag)
{
    return attn_plan_cost_layer_cached(plan, req, NULL, layer, cost, diag);
}

/* total += one layer group's cost: the batch at req->seq, or (decode with seq_lens) each
 * sequence at its own length and the lengths the kernel reads; c: the last layer cost. */
static void accumulate_group(attn_cost *total, const attn_plan *plan,
                             const attn_cost_request *req, const attn_cache_model *cache,
                             int64_t window, long double layers, attn_layer_cost *c)
{
    const long double elem = (long double)attn_dtype_bits(req->dtype) / 8.0L;
    const long double kv_elem = kv_elem_bytes(plan, elem);
    const int64_t batch = req->batch ? req->batch : 1;
    if (!req->seq_lens || req->phase != ATTN_PHASE_DECODE) {
        *c = layer_cost(plan, req, cache, window);
        if (!c->unsupported)
            accumulate(total, c, layers, (long double)batch, elem, kv_elem);
        return;
    }
    attn_cost_request one = *req;
    one.batch = 1;
    for (int64_t b = 0; b < batch; b++) {
        one.seq = req->seq_lens[b];
        *c = layer_cost(plan, &one, cache, window);
        if (c->unsupported)
            return;
        accumulate(total, c, layers, 1.0L, elem, kv_elem);
    }
    const long double lens = layers * 4.0L * (long double)batch;
    total->read_bytes += lens;
    total->act_bytes += lens;
    total->dram_bytes += lens;
}

int attn_plan_cost_cached(const attn_plan *plan, const attn_cost_request *req,
                          const attn_cache_model *cache, attn_cost *total, attn_diag *diag)
{
    static const attn_cache_model none = {0};
    cache = cache ? cache : &none;
    memset(total, 0, sizeof *total);
    int rc = check_request(plan, req, diag);
    if (rc)
        return rc;
    attn_layer_cost c = {0};
    for (size_t g = 0; g < plan->groups && !c.unsupported; g++)
        accumulate_group(total, plan, req, cache, plan->group[g].window,
                         (long double)plan->group[g].layers, &c);
    return finish(total, &c, plan, diag);
}

int attn_plan_cost_layer_cached(const attn_plan *plan, const attn_cost_request *req,
                                const attn_cache_model *cache, int64_t layer, attn_cost *cost,
                                attn_diag *diag)
{
    static const attn_cache_model none = {0};
    cache = cache ? cache : &none;
    memset(cost, 0, sizeof *cost);
    int rc = check_request(plan, req, diag);
    if (rc)
        return rc;
    if (layer < 0 || layer >= plan->layers)
        return attn_fail(diag, ATTN_ERR_RANGE, "layer %lld: the model has layers 0..%lld",
                         (long long)layer, (long long)plan->layers - 1);
    attn_layer_cost c = {0};
    accumulate_group(cost, plan, req, cache, plan->layer[layer].window, 1.0L, &c);
    return finish(cost, &c, plan, diag);
}

void attn_roofline_compute(const attn_cost *cost, double peak_flops, double bandwidth,
                           attn_roofline *out)
{
    long double hbm = cost->read_bytes + cost->write_bytes;
    long double bytes = cost->dram_bytes > 0 ? cost->dram_bytes : hbm; /* bounded by the plan */
    out->intensity = bytes > 0 ? cost->flops / bytes : 0;
    out->compute_s = peak_flops > 0 ? cost->flops / (long double)peak_flops : 0;
    out->memory_s = bandwidth > 0 ? bytes / (long double)bandwidth : 0;
    out->memory_bound = out->memory_s >= out->compute_s;
    out->time_s = out->memory_bound ? out->memory_s : out->compute_s;
}
