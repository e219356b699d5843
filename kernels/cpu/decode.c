/* decode.c — one new query per head against a KV cache in fp32, fp16 or bf16 (flash-decoding).
 *
 * Decode is bandwidth-bound: the cache must be read once, not once per query head, and all
 * cores must share the reading even at batch 1. So each (batch, KV head) cache is split into
 * ranges of tokens; a task converts its range block by block into fp32 tiles (vectorised,
 * F16C for fp16; an fp32 cache is used in place), and runs the group of query heads that
 * share the KV head as one query tile through the flash micro-kernels (isa.h), keeping a
 * partial online softmax; the partials (max, sum, unnormalised output: workspace, not
 * traffic) are merged per head.
 */
#include <math.h>
#include <omp.h>

#include "isa.h"

enum {
    DECODE_BLOCK = 64,            /* cache tokens per tile: converted fp16 K and V stay in L1/L2 */
    DECODE_SPLITS_PER_THREAD = 4, /* ranges per thread: balance on a busy machine */
};

typedef struct decode_plan {
    const attn_isa *isa;
    int64_t group;              /* query heads per KV head: the rows of a query tile */
    int64_t rows_pad, d_v_pad;
    int64_t splits, split_len;  /* per (batch, KV head) */
    int64_t tasks;
    int64_t tile_floats;        /* one thread's workspace */
} decode_plan;

/* Enough splits that every thread has work, none shorter than a block. */
static decode_plan decode_plan_for(const attn_dims *dims, int threads)
{
    decode_plan plan = {.group = dims->heads / dims->kv_heads};
    plan.isa = attn_isa_for_rows(plan.group);
    plan.rows_pad = attn_round_up(plan.group, plan.isa->row_quantum);
    plan.d_v_pad = attn_round_up(dims->d_v, plan.isa->col_quantum);
    const int64_t t = dims->n_kv, caches = dims->batch * dims->kv_heads;
    if (t > 0) {
        int64_t wanted = attn_ceil_div(DECODE_SPLITS_PER_THREAD * (int64_t)threads, caches);
        plan.splits = attn_min64(wanted, attn_ceil_div(t, DECODE_BLOCK));
        plan.split_len = attn_round_up(attn_ceil_div(t, plan.splits), DECODE_BLOCK);
        plan.splits = attn_ceil_div(t, plan.split_len);
    }
    plan.tasks = caches * plan.splits;
    plan.tile_floats = DECODE_BLOCK * (dims->d_qk + dims->d_v)
                       + plan.rows_pad * (dims->d_qk + 3 + plan.d_v_pad
                                          + attn_round_up(DECODE_BLOCK, plan.isa->key_quantum));
    return plan;
}

/* Partial online softmax of one task: m [group], l [group], acc [group][d_v]. */
typedef struct decode_partial {
    float *m, *l, *acc;
} decode_partial;

static decode_partial partial_of(float *partials, const decode_plan *plan, int64_t d_v,
                                 int64_t task)
{
    float *base = partials + task * plan->group * (d_v + 2);
    return (decode_partial){.m = base, .l = base + plan->group, .acc = base + 2 * plan->group};
}

/* One thread's tiles: fp32 K and V blocks, then the query tile's buffers. */
static attn_qtile decode_tile_carve(const attn_dims *dims, const decode_plan *plan,
                                    float *floats, int32_t *limit)
{
    const int64_t rp = plan->rows_pad;
    attn_qtile t = {.rows = plan->group, .rows_pad = rp, .d_qk = dims->d_qk, .d_v = dims->d_v,
                    .d_v_pad = plan->d_v_pad, .limit = limit};
    t.qt = floats + DECODE_BLOCK * (dims->d_qk + dims->d_v);
    t.m = t.qt + rp * dims->d_qk;
    t.l = t.m + rp;
    t.corr = t.l + rp;
    t.acc = t.corr + rp;
    t.st = t.acc + rp * plan->d_v_pad;
    return t;
}

/* One task: cache tokens [first, end) of KV head kv_head of sequence b. */
static void decode_range(const attn_dims *dims, attn_store store, const decode_plan *plan,
                         int64_t b, int64_t kv_head, int64_t first, int64_t end, const float *q,
                         const void *k_cache, const void *v_cache, float *tiles,
                         int32_t *limit, decode_partial part)
{
    const int64_t d_qk = dims->d_qk, d_v = dims->d_v, group = plan->group;
    const size_t cache = (size_t)((b * dims->kv_heads + kv_head) * dims->n_kv);
    const float *q_group = q + (b * dims->heads + kv_head * group) * d_qk;
    const attn_qtile t = decode_tile_carve(dims, plan, tiles, limit);
    const float scale = 1.0f / sqrtf((float)d_qk);
    for (int64_t e = 0; e < d_qk; e++)
        for (int64_t r = 0; r < t.rows_pad; r++)
            t.qt[e * t.rows_pad + r] = r < group ? scale * q_group[r * d_qk + e] : 0.0f;
    for (int64_t r = 0; r < t.rows_pad; r++)
        limit[r] = r < group ? (int32_t)dims->n_kv : 0;
    attn_qtile_reset(&t);
    float *k_tile = tiles, *v_tile = tiles + DECODE_BLOCK * d_qk;
    const bool in_place = store == ATTN_STORE_FP32;
    for (int64_t j0 = first; j0 < end; j0 += DECODE_BLOCK) {
        const int64_t cols = attn_min64(DECODE_BLOCK, end - j0);
        const size_t k_first = (cache + (size_t)j0) * (size_t)d_qk;
        const size_t v_first = (cache + (size_t)j0) * (size_t)d_v;
        const float *k_block = (const float *)k_cache + k_first;
        const float *v_block = (const float *)v_cache + v_first;
        if (!in_place) {
            plan->isa->to_f32(store, k_cache, k_first, (size_t)(cols * d_qk), k_tile);
            plan->isa->to_f32(store, v_cache, v_first, (size_t)(cols * d_v), v_tile);
            k_block = k_tile;
            v_block = v_tile;
        }
        plan->isa->block(&t, k_block, d_qk, v_block, d_v, j0, cols);
    }
    for (int64_t r = 0; r < group; r++) {
        part.m[r] = t.m[r];
        part.l[r] = t.l[r];
        for (int64_t e = 0; e < d_v; e++)
            part.acc[r * d_v + e] = t.acc[r * t.d_v_pad + e];
    }
}

/* o = the splits' partial softmaxes of one query head combined; zeros when no token. */
static void decode_merge(const decode_plan *plan, int64_t d_v, float *partials,
                         int64_t first_task, int64_t member, float *o)
{
    float max = -INFINITY;
    for (int64_t s = 0; s < plan->splits; s++)
        max = fmaxf(max, partial_of(partials, plan, d_v, first_task + s).m[member]);
    for (int64_t e = 0; e < d_v; e++)
        o[e] = 0.0f;
    if (max == -INFINITY)
        return;
    float sum = 0.0f;
    for (int64_t s = 0; s < plan->splits; s++) {
        decode_partial part = partial_of(partials, plan, d_v, first_task + s);
        float weight = expf(part.m[member] - max);
        sum += part.l[member] * weight;
        for (int64_t e = 0; e < d_v; e++)
            o[e] += part.acc[member * d_v + e] * weight;
    }
    for (int64_t e = 0; e < d_v; e++)
        o[e] /= sum;
}

static void count_decode(const attn_dims *dims, attn_store store, attn_kernel_stats *stats)
{
    const uint64_t t = (uint64_t)dims->n_kv, batch = (uint64_t)dims->batch;
    const uint64_t heads = (uint64_t)dims->heads, kv_heads = (uint64_t)dims->kv_heads;
    const uint64_t d_qk = (uint64_t)dims->d_qk, d_v = (uint64_t)dims->d_v;
    stats->bytes_read = batch * kv_heads * t * (d_qk + d_v) * attn_store_size(store)
                        + 4 * batch * heads * d_qk;
    stats->bytes_written = 4 * batch * heads * d_v;
    stats->flops = 2 * batch * heads * t * (d_qk + d_v);
    stats->other_flops = 5 * batch * heads * t + batch * heads * d_v;
}

int attn_cpu_decode(const attn_dims *dims, attn_store store, const float *q,
                    const void *k_cache, const void *v_cache, float *o,
                    attn_kernel_stats *stats)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    if (dims->n_q != 1 || attn_store_size(store) == 0)
        return ATTN_ERR_RANGE;
    attn_counter counter;
    attn_counter_begin(&counter);
    const int threads = omp_get_max_threads();
    const decode_plan plan = decode_plan_for(dims, threads);
    const int64_t d_v = dims->d_v;
    float *partials = attn_kalloc((size_t)(plan.tasks * plan.group * (d_v + 2)) * sizeof(float));
    float *tiles = attn_kalloc((size_t)(threads * plan.tile_floats) * sizeof *tiles);
    int32_t *limits = attn_kalloc((size_t)(threads * plan.rows_pad) * sizeof *limits);
    rc = partials && tiles && limits ? ATTN_OK : ATTN_ERR_NOMEM;
    if (rc == ATTN_OK) {
#pragma omp parallel for schedule(dynamic)
        for (int64_t task = 0; task < plan.tasks; task++) {
            const int64_t split = task % plan.splits, cache = task / plan.splits;
            const int64_t first = split * plan.split_len;
            const int thread = omp_get_thread_num();
            decode_range(dims, store, &plan, cache / dims->kv_heads, cache % dims->kv_heads,
                         first, attn_min64(first + plan.split_len, dims->n_kv), q, k_cache,
                         v_cache, tiles + thread * plan.tile_floats,
                         limits + thread * plan.rows_pad, partial_of(partials, &plan, d_v, task));
        }
        /* a few hundred floats per head: not worth a second fork and barrier */
        for (int64_t bh = 0; bh < dims->batch * dims->heads; bh++) {
            const int64_t b = bh / dims->heads, h = bh % dims->heads;
            const int64_t cache = b * dims->kv_heads + h / plan.group;
            decode_merge(&plan, d_v, partials, cache * plan.splits, h % plan.group, o + bh * d_v);
        }
        count_decode(dims, store, &counter.stats);
    }
    attn_kfree(partials);
    attn_kfree(tiles);
    attn_kfree(limits);
    attn_counter_end(&counter, stats);
    return rc;
}
