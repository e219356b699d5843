/* decode.c — one new query per head against a KV cache in fp32, fp16 or bf16 (flash-decoding).
 *
 * Decode is bandwidth-bound: the cache must be read once, not once per query head, and all
 * cores must share the reading even at batch 1. So each (batch, KV head) cache is split into
 * ranges of tokens; a task converts its range block by block into fp32 tiles, scores them for
 * the whole group of query heads that share the KV head, and keeps a partial online softmax;
 * the partials (max, sum, unnormalised output: workspace, not traffic) are merged per head.
 */
#include <math.h>
#include <omp.h>

#include "cpu_internal.h"

enum { DECODE_BLOCK = 64 }; /* cache tokens converted into a tile at a time */

typedef struct decode_plan {
    int64_t group;              /* query heads per KV head */
    int64_t splits, split_len;  /* per (batch, KV head) */
    int64_t tasks;
} decode_plan;

/* Enough splits that every thread has work, none shorter than a block. */
static decode_plan decode_plan_for(const attn_dims *dims, int threads)
{
    decode_plan plan = {.group = dims->heads / dims->kv_heads};
    const int64_t t = dims->n_kv, caches = dims->batch * dims->kv_heads;
    if (t > 0) {
        int64_t wanted = attn_ceil_div(2 * (int64_t)threads, caches);
        plan.splits = attn_min64(wanted, attn_ceil_div(t, DECODE_BLOCK));
        plan.split_len = attn_ceil_div(t, plan.splits);
        plan.splits = attn_ceil_div(t, plan.split_len);
    }
    plan.tasks = caches * plan.splits;
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

/* One task: cache tokens [first, end) of KV head kv_head of sequence b. */
static void decode_range(const attn_dims *dims, attn_store store, const decode_plan *plan,
                         int64_t b, int64_t kv_head, int64_t first, int64_t end,
                         const float *q_scaled, const void *k_cache, const void *v_cache,
                         const int64_t *limits, float *tiles, decode_partial part)
{
    const int64_t d_qk = dims->d_qk, d_v = dims->d_v, group = plan->group;
    const size_t cache = (size_t)((b * dims->kv_heads + kv_head) * dims->n_kv);
    const float *q_group = q_scaled + (b * dims->heads + kv_head * group) * d_qk;
    float *k_tile = tiles, *v_tile = k_tile + DECODE_BLOCK * d_qk;
    float *scores = v_tile + DECODE_BLOCK * d_v;
    attn_online_init(group, d_v, part.m, part.l, part.acc);
    for (int64_t j0 = first; j0 < end; j0 += DECODE_BLOCK) {
        const int64_t cols = attn_min64(DECODE_BLOCK, end - j0);
        attn_store_to_f32(store, k_cache, (cache + (size_t)j0) * (size_t)d_qk,
                          (size_t)(cols * d_qk), k_tile);
        attn_tile_scores(group, cols, d_qk, 1.0f, q_group, d_qk, k_tile, d_qk, scores,
                         DECODE_BLOCK);
        attn_online_block(scores, DECODE_BLOCK, group, cols, j0, limits, part.m, part.l,
                          part.acc, d_v);
        attn_store_to_f32(store, v_cache, (cache + (size_t)j0) * (size_t)d_v,
                          (size_t)(cols * d_v), v_tile);
        attn_tile_accumulate(group, cols, d_v, scores, DECODE_BLOCK, v_tile, d_v, part.acc,
                             d_v);
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
    const int64_t d_qk = dims->d_qk, d_v = dims->d_v;
    const int64_t q_elems = dims->batch * dims->heads * d_qk;
    const int64_t tile_floats = DECODE_BLOCK * (d_qk + d_v + plan.group);
    float *q_scaled = attn_kalloc((size_t)q_elems * sizeof *q_scaled);
    float *partials = attn_kalloc((size_t)(plan.tasks * plan.group * (d_v + 2)) * sizeof(float));
    float *tiles = attn_kalloc((size_t)(threads * tile_floats) * sizeof *tiles);
    int64_t *limits = attn_kalloc((size_t)plan.group * sizeof *limits);
    rc = q_scaled && partials && tiles && limits ? ATTN_OK : ATTN_ERR_NOMEM;
    if (rc == ATTN_OK) {
        const float scale = 1.0f / sqrtf((float)d_qk);
        for (int64_t e = 0; e < q_elems; e++)
            q_scaled[e] = q[e] * scale;
        for (int64_t r = 0; r < plan.group; r++)
            limits[r] = dims->n_kv;
#pragma omp parallel for schedule(dynamic)
        for (int64_t task = 0; task < plan.tasks; task++) {
            const int64_t split = task % plan.splits, cache = task / plan.splits;
            const int64_t first = split * plan.split_len;
            decode_range(dims, store, &plan, cache / dims->kv_heads, cache % dims->kv_heads,
                         first, attn_min64(first + plan.split_len, dims->n_kv), q_scaled,
                         k_cache, v_cache, limits, tiles + omp_get_thread_num() * tile_floats,
                         partial_of(partials, &plan, d_v, task));
        }
#pragma omp parallel for
        for (int64_t bh = 0; bh < dims->batch * dims->heads; bh++) {
            const int64_t b = bh / dims->heads, h = bh % dims->heads;
            const int64_t cache = b * dims->kv_heads + h / plan.group;
            decode_merge(&plan, d_v, partials, cache * plan.splits, h % plan.group, o + bh * d_v);
        }
        count_decode(dims, store, &counter.stats);
    }
    attn_kfree(q_scaled);
    attn_kfree(partials);
    attn_kfree(tiles);
    attn_kfree(limits);
    attn_counter_end(&counter, stats);
    return rc;
}
