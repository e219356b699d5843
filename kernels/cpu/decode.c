/* decode.c — one new query per head against a serving KV cache (flash-decoding).
 *
 * Decode is bandwidth-bound for small GQA groups and FMA-bound for large ones; either way the
 * cache must be read once, by all cores, even at batch 1. So each (sequence, KV head) cache is
 * split into ranges of whole blocks (split-K, as FlashDecoding and llama.cpp's CPU
 * flash-attention split the KV sequence); a task walks its range run by run (a run is
 * contiguous memory: the whole range, or one block of a paged pool), converts 32-row chunks
 * into fp32 tiles that stay in L1, and hands them to the chunk kernel (decode_isa.h), which
 * serves every query head of the group from that one read and keeps one online softmax per
 * head. No barrier between blocks: the partials (max, sum, unnormalised output: workspace,
 * not traffic) are merged once at the end. A paged task prefetches the next block while it
 * computes on this one, since the hardware prefetcher does not cross into a scattered block.
 * Counted bytes are added up by the tasks as they read, and equal attn_decode_cache_count.
 */
#include <math.h>
#include <omp.h>

#include "decode_isa.h"

enum { DECODE_SPLITS_PER_THREAD = 4 }; /* ranges per thread: balance on a busy machine */

typedef struct decode_plan {
    const attn_decode_isa *isa;
    const attn_dims *dims;
    const attn_kv_cache *cache;
    const int32_t *lens;             /* [batch], read once */
    int64_t group, ldq, ldo;
    int64_t splits, split_len, tasks; /* splits per (sequence, KV head) */
    int64_t tile_floats;
    bool in_place_k, in_place_v;
} decode_plan;

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Enough splits that every thread has work; each a whole number of blocks and chunks, so no
 * two tasks share a block (or its block-table entry). */
static void decode_plan_for(decode_plan *plan, int threads)
{
    const attn_dims *dims = plan->dims;
    const int64_t w = plan->isa->lanes, t = dims->n_kv, caches = dims->batch * dims->kv_heads;
    plan->group = dims->heads / dims->kv_heads;
    plan->ldq = attn_round_up(dims->d_qk, w);
    plan->ldo = attn_round_up(dims->d_v, w);
    const bool fp32 = plan->cache->store == ATTN_STORE_FP32;
    plan->in_place_k = fp32 && plan->ldq == dims->d_qk;
    plan->in_place_v = fp32 && plan->ldo == dims->d_v;
    int64_t quantum = DECODE_CHUNK;
    if (plan->cache->layout == ATTN_KV_PAGED) {
        const int64_t bs = plan->cache->block_size;
        quantum = bs / gcd64(bs, DECODE_CHUNK) * DECODE_CHUNK;
    }
    plan->splits = 0;
    plan->split_len = quantum;
    if (t > 0) {
        int64_t wanted = attn_ceil_div(DECODE_SPLITS_PER_THREAD * (int64_t)threads, caches);
        plan->splits = attn_min64(wanted, attn_ceil_div(t, quantum));
        plan->split_len = attn_round_up(attn_ceil_div(t, plan->splits), quantum);
        plan->splits = attn_ceil_div(t, plan->split_len);
    }
    plan->tasks = caches * plan->splits;
    const int64_t g = plan->group;
    plan->tile_floats = g * (plan->ldq + 3 + plan->ldo + DECODE_CHUNK)
                        + DECODE_CHUNK * (plan->ldq + plan->ldo);
}

/* Partial online softmax of one task: m [group], l [group], acc [group][d_v]. */
typedef struct decode_partial {
    float *m, *l, *acc;
} decode_partial;

static decode_partial partial_of(float *partials, const decode_plan *plan, int64_t task)
{
    float *base = partials + task * plan->group * (plan->dims->d_v + 2);
    return (decode_partial){.m = base, .l = base + plan->group, .acc = base + 2 * plan->group};
}

/* One task's view of the cache: (sequence b, KV head) rows as element offsets. */
typedef struct decode_cursor {
    const decode_plan *plan;
    int64_t b, kv_head;
    uint64_t bytes_read;
    bool bad_block;
} decode_cursor;

/* Row index (in rows of d elements) of token j in block `block` (paged) or of the sequence. */
static int64_t row_of(const decode_cursor *cur, int64_t block, int64_t j)
{
    const attn_kv_cache *c = cur->plan->cache;
    const attn_dims *d = cur->plan->dims;
    if (c->layout == ATTN_KV_PAGED)
        return (block * d->kv_heads + cur->kv_head) * c->block_size + j % c->block_size;
    return (cur->b * d->kv_heads + cur->kv_head) * d->n_kv + j;
}

/* The block-table entry of token j, counted as read; -1 (and bad_block) when out of the pool. */
static int64_t block_of(decode_cursor *cur, int64_t j)
{
    const attn_kv_cache *c = cur->plan->cache;
    int64_t block = c->block_table[cur->b * c->max_blocks + j / c->block_size];
    cur->bytes_read += sizeof *c->block_table;
    if (block < 0 || block >= c->num_blocks) {
        cur->bad_block = true;
        return -1;
    }
    return block;
}

static void prefetch_rows(const void *base, int64_t row, int64_t rows, int64_t d, size_t size)
{
    const char *first = (const char *)base + (size_t)(row * d) * size;
    const size_t bytes = (size_t)(rows * d) * size;
    for (size_t at = 0; at < bytes; at += 64)
        __builtin_prefetch(first + at, 0, 0);
}

/* `count` rows from row `row` into fp32 (in place when the store allows): the tile's rows are
 * ld wide, their padding columns stay zero. */
static const float *rows_f32(const decode_plan *plan, const void *base, int64_t row,
                             int64_t count, int64_t d, int64_t ld, bool in_place, float *tile)
{
    const attn_store store = plan->cache->store;
    const size_t size = attn_store_size(store);
    const char *src = (const char *)base + (size_t)(row * d) * size;
    if (in_place)
        return (const float *)src;
    if (ld == d) {
        plan->isa->to_f32(store, src, (size_t)(count * d), tile);
        return tile;
    }
    for (int64_t r = 0; r < count; r++)
        plan->isa->to_f32(store, src + (size_t)(r * d) * size, (size_t)d, tile + r * ld);
    return tile;
}

/* Tokens [first, end) of (cur->b, cur->kv_head), run by run, chunk by chunk. */
static void decode_range(decode_cursor *cur, const attn_dtile *t, float *k_tile, float *v_tile,
                         int64_t first, int64_t end)
{
    const decode_plan *plan = cur->plan;
    const attn_kv_cache *c = plan->cache;
    const attn_dims *d = plan->dims;
    const bool paged = c->layout == ATTN_KV_PAGED, int8 = c->store == ATTN_STORE_INT8;
    const size_t size = attn_store_size(c->store);
    int64_t block = paged ? block_of(cur, first) : 0;
    for (int64_t j = first; j < end && block >= 0;) {
        int64_t run_end = end, next = -1;
        if (paged) {
            run_end = attn_min64(end, (j / c->block_size + 1) * c->block_size);
            if (run_end < end && (next = block_of(cur, run_end)) >= 0) {
                prefetch_rows(c->k, row_of(cur, next, run_end), c->block_size, d->d_qk, size);
                prefetch_rows(c->v, row_of(cur, next, run_end), c->block_size, d->d_v, size);
            }
        }
        for (int64_t at = j; at < run_end; at += DECODE_CHUNK) {
            const int64_t count = attn_min64(DECODE_CHUNK, run_end - at);
            const int64_t row = row_of(cur, block, at);
            const float *k = rows_f32(plan, c->k, row, count, d->d_qk, plan->ldq,
                                      plan->in_place_k, k_tile);
            const float *v = rows_f32(plan, c->v, row, count, d->d_v, plan->ldo,
                                      plan->in_place_v, v_tile);
            plan->isa->chunk(t, k, v, int8 ? c->k_scale + row : NULL,
                             int8 ? c->v_scale + row : NULL, count);
            cur->bytes_read += (uint64_t)count * ((uint64_t)(d->d_qk + d->d_v) * size
                                                  + (int8 ? 2 * sizeof(float) : 0));
        }
        j = run_end;
        block = next;
    }
}

/* One task: split `split` of KV head kv_head of sequence b. */
static void decode_task(const decode_plan *plan, int64_t task, const float *q, float *tiles,
                        decode_partial part, decode_cursor *cur)
{
    const attn_dims *d = plan->dims;
    const int64_t g = plan->group, split = task % plan->splits, cache = task / plan->splits;
    *cur = (decode_cursor){.plan = plan, .b = cache / d->kv_heads, .kv_head = cache % d->kv_heads};
    attn_dtile t = {.rows = g, .ldq = plan->ldq, .ldo = plan->ldo};
    float *qt = tiles;
    t.m = qt + g * plan->ldq;
    t.l = t.m + g;
    t.corr = t.l + g;
    t.acc = t.corr + g;
    t.s = t.acc + g * plan->ldo;
    float *k_tile = t.s + g * DECODE_CHUNK, *v_tile = k_tile + DECODE_CHUNK * plan->ldq;
    for (int64_t f = 0; f < plan->tile_floats; f++)
        tiles[f] = 0.0f;
    const float scale = 1.0f / sqrtf((float)d->d_qk);
    const float *q_group = q + (cur->b * d->heads + cur->kv_head * g) * d->d_qk;
    for (int64_t r = 0; r < g; r++) {
        for (int64_t e = 0; e < d->d_qk; e++)
            qt[r * plan->ldq + e] = scale * q_group[r * d->d_qk + e];
        t.m[r] = -INFINITY;
    }
    t.q = qt;
    const int64_t first = split * plan->split_len;
    const int64_t end = attn_min64(first + plan->split_len, plan->lens[cur->b]);
    if (first < end)
        decode_range(cur, &t, k_tile, v_tile, first, end);
    for (int64_t r = 0; r < g; r++) {
        part.m[r] = t.m[r];
        part.l[r] = t.l[r];
        for (int64_t e = 0; e < d->d_v; e++)
            part.acc[r * d->d_v + e] = t.acc[r * plan->ldo + e];
    }
}

/* o = the splits' partial softmaxes of one query head combined; zeros when no token. */
static void decode_merge(const decode_plan *plan, float *partials, int64_t first_task,
                         int64_t member, float *o)
{
    const int64_t d_v = plan->dims->d_v;
    float max = -INFINITY;
    for (int64_t s = 0; s < plan->splits; s++)
        max = fmaxf(max, partial_of(partials, plan, first_task + s).m[member]);
    for (int64_t e = 0; e < d_v; e++)
        o[e] = 0.0f;
    if (max == -INFINITY)
        return;
    float sum = 0.0f;
    for (int64_t s = 0; s < plan->splits; s++) {
        decode_partial part = partial_of(partials, plan, first_task + s);
        if (part.m[member] == -INFINITY)
            continue;
        float weight = expf(part.m[member] - max);
        sum += part.l[member] * weight;
        for (int64_t e = 0; e < d_v; e++)
            o[e] += part.acc[member * d_v + e] * weight;
    }
    for (int64_t e = 0; e < d_v; e++)
        o[e] /= sum;
}

static int cache_check(const attn_dims *dims, const attn_kv_cache *c)
{
    if (dims->n_q != 1 || attn_store_size(c->store) == 0 || !c->k || !c->v)
        return ATTN_ERR_RANGE;
    if (c->store == ATTN_STORE_INT8 && (!c->k_scale || !c->v_scale))
        return ATTN_ERR_RANGE;
    if (c->layout == ATTN_KV_PAGED)
        return c->block_size > 0 && c->block_table && c->num_blocks > 0
                       && c->max_blocks >= attn_ceil_div(dims->n_kv, c->block_size)
                   ? ATTN_OK
                   : ATTN_ERR_RANGE;
    return c->layout == ATTN_KV_CONTIGUOUS ? ATTN_OK : ATTN_ERR_RANGE;
}

static void decode_run(const decode_plan *plan, const float *q, float *partials, float *tiles,
                       attn_counter *counter, bool *bad_block)
{
#pragma omp parallel
    {
        const int thread = omp_get_thread_num();
        attn_kernel_stats mine = {0};
        bool bad = false;
#pragma omp for schedule(dynamic)
        for (int64_t task = 0; task < plan->tasks; task++) {
            decode_cursor cur;
            decode_task(plan, task, q, tiles + thread * plan->tile_floats,
                        partial_of(partials, plan, task), &cur);
            mine.bytes_read += cur.bytes_read;
            bad = bad || cur.bad_block;
        }
        attn_counter_add(counter, &mine);
        if (bad) {
#pragma omp atomic write
            *bad_block = true;
        }
    }
}

int attn_cpu_decode_cache(const attn_dims *dims, const attn_kv_cache *cache, const float *q,
                          float *o, attn_kernel_stats *stats)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    if ((rc = cache_check(dims, cache)))
        return rc;
    attn_counter counter;
    attn_counter_begin(&counter);
    const int threads = omp_get_max_threads();
    decode_plan plan = {.isa = attn_decode_isa_best(), .dims = dims, .cache = cache};
    decode_plan_for(&plan, threads);
    int32_t *lens = attn_kalloc((size_t)dims->batch * sizeof *lens);
    float *partials = attn_kalloc((size_t)(plan.tasks * plan.group * (dims->d_v + 2) + 1)
                                  * sizeof(float));
    float *tiles = attn_kalloc((size_t)(threads * plan.tile_floats) * sizeof *tiles);
    rc = lens && partials && tiles ? ATTN_OK : ATTN_ERR_NOMEM;
    for (int64_t b = 0; rc == ATTN_OK && b < dims->batch; b++) {
        lens[b] = cache->seq_lens ? cache->seq_lens[b] : (int32_t)dims->n_kv;
        if (lens[b] < 0 || lens[b] > dims->n_kv)
            rc = ATTN_ERR_RANGE;
    }
    bool bad_block = false;
    if (rc == ATTN_OK) {
        plan.lens = lens;
        decode_run(&plan, q, partials, tiles, &counter, &bad_block);
        rc = bad_block ? ATTN_ERR_RANGE : ATTN_OK;
    }
    if (rc == ATTN_OK) {
        /* a few hundred floats per head: not worth a second fork and barrier */
        for (int64_t bh = 0; bh < dims->batch * dims->heads; bh++) {
            const int64_t b = bh / dims->heads, h = bh % dims->heads;
            const int64_t kv = b * dims->kv_heads + h / plan.group;
            decode_merge(&plan, partials, kv * plan.splits, h % plan.group, o + bh * dims->d_v);
        }
        attn_kernel_stats rest = {0};
        const uint64_t heads = (uint64_t)(dims->batch * dims->heads);
        rest.bytes_read = 4 * heads * (uint64_t)dims->d_qk
                          + (cache->seq_lens ? 4 * (uint64_t)dims->batch : 0);
        rest.bytes_written = 4 * heads * (uint64_t)dims->d_v;
        uint64_t tokens = 0;
        for (int64_t b = 0; b < dims->batch; b++)
            tokens += (uint64_t)lens[b];
        const uint64_t per_head = (uint64_t)dims->heads * tokens;
        rest.flops = 2 * per_head * (uint64_t)(dims->d_qk + dims->d_v);
        rest.other_flops = 5 * per_head + heads * (uint64_t)dims->d_v;
        attn_counter_add(&counter, &rest);
    }
    attn_kfree(lens);
    attn_kfree(partials);
    attn_kfree(tiles);
    attn_counter_end(&counter, stats);
    return rc;
}

int attn_cpu_decode(const attn_dims *dims, attn_store store, const float *q,
                    const void *k_cache, const void *v_cache, float *o,
                    attn_kernel_stats *stats)
{
    if (store == ATTN_STORE_INT8)
        return ATTN_ERR_RANGE; /* needs scales: attn_cpu_decode_cache */
    const attn_kv_cache cache = {.store = store, .layout = ATTN_KV_CONTIGUOUS, .k = k_cache,
                                 .v = v_cache};
    return attn_cpu_decode_cache(dims, &cache, q, o, stats);
}
