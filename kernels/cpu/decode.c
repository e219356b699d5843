/* decode.c — one new query per head against a serving KV cache (flash-decoding).
 *
 * Decode is bandwidth-bound for small GQA groups and FMA-bound for large ones; either way the
 * cache must be read once, by all cores, even at batch 1. So each (sequence, KV head) cache is
 * split into ranges of whole blocks (split-K over the sequence, as Flash-Decoding does: Dao et
 * al., "Flash-Decoding for long-context inference", 2023); a task walks its range run by run
 * (a run is contiguous memory: the whole range, or one block of a paged pool), gathers up to
 * DECODE_CHUNK rows (from several blocks when blocks are smaller) into fp32 tiles that stay
 * in L1, and hands them to the chunk kernel (decode_isa.h), which serves every query head of
 * the group from that one read and keeps one online softmax per head. No barrier between
 * blocks: the partials (max, sum, unnormalised output: workspace, not traffic) are merged once
 * at the end. A paged task prefetches the block DECODE_PREFETCH_BLOCKS ahead, since the hardware
 * prefetcher does not follow a scattered block, one line per line it converts of this block
 * (decode_isa.h's to_f32): a whole block's prefetches at once (128 lines at block 16, fp16,
 * d 128) overflow the core's miss buffers and evict the fp32 tiles from L1, and measured
 * slower than no prefetch at all; steps of a few rows, each prefetching its own, cost a call
 * per step (paged 1.25x contiguous with the cache in L3). A contiguous range that is converted
 * prefetches the same way, DECODE_PREFETCH_ROWS rows ahead: the hardware prefetcher only runs
 * ahead of demand loads, and the conversion issues none while the chunk kernel computes (about
 * two thirds of the time at GQA 8), so without it memory idled between chunks (fp16, d 128,
 * t = 65536, single thread, under load: GQA 8 24.0 vs 26.6-27.1 ms, GQA 1 22.1 vs 28.0 ms;
 * 32 to 96 rows measured the same).
 *
 * Query heads that fill the vector lanes (a group of 6 to 8 under AVX2, or the groups of
 * 8 / group consecutive KV heads side by side: GQA 4, GQA 2, MHA) skip the fp32 tiles: a
 * task takes those KV heads, and its chunks are the addresses of up to DECODE_LANES_KEYS
 * cache rows (the first head's; the others' lie at a fixed distance, in a paged block too),
 * which lanes_chunk reads in place, converting as it loads (decode_isa.h), and each row's
 * look-ahead row, prefetched as the row's scores are computed: DECODE_PREFETCH_BYTES of the
 * task's rows ahead (all its KV heads, K and V; a paged one that many rows' worth of blocks
 * ahead, at least one). A distance in rows overran L2 once the lanes held 8 KV heads: 64 rows
 * of MHA 8/8 are 256 KiB in flight per thread, and 16 KiB read 8/8 contiguous in 25.5 ms
 * against 31.2 (paged 29.1 against 33.5; GQA 8 the same; fp16, t 131072, 2 threads, best of
 * 4 alternating runs).
 *
 * A lone query head per KV head that the lanes cannot hold side by side (MHA over 8 KV heads
 * under AVX-512, over 4 under AVX2) skips the tiles too: its rows go straight to head_chunk
 * (decode_head_body.h), W keys in the lanes, read in place, each row's look-ahead row
 * prefetched as the row is read; over a paged pool such a task also takes sets of further KV
 * heads, as the lanes do (plan_lanes). Counted bytes are added up by the tasks as they read,
 * and equal attn_decode_cache_count. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "decode_isa.h"

enum {
    DECODE_SPLITS_PER_THREAD = 4, /* ranges per thread: balance on a busy machine */
    DECODE_PREFETCH_BLOCKS = 2,   /* paged, chunk kernel: blocks prefetched ahead */
    DECODE_PREFETCH_RING = 9,     /* paged, in lanes: up to 8 blocks ahead */
    DECODE_PREFETCH_ROWS = 64,    /* contiguous (not in place): rows prefetched ahead, at most */
    DECODE_PREFETCH_BYTES = 16384, /* in lanes: bytes of the task's rows prefetched ahead */
    DECODE_SETS_MAX = 8,          /* paged, in lanes: lane sets per task */
};

typedef struct decode_plan {
    const attn_decode_isa *isa;
    bool lanes;                       /* the task's heads run in the vector lanes */
    bool head;                        /* else a lone query head: head_chunk, in place */
    int64_t parts;                    /* KV heads in the lanes (their groups side by side) */
    int64_t sets;                     /* lane sets (or lone heads) per task, each of `parts`
                                       * further KV heads */
    int64_t set_rows;                 /* query heads per lane set: group x parts */
    int64_t task_rows;                /* query heads per task: set_rows x sets */
    int64_t head_rows;                /* rows from one KV head's row to the next head's */
    int64_t chunk;                    /* rows per chunk */
    int64_t prefetch_blocks;          /* paged: blocks read ahead of the one being read */
    int64_t prefetch_rows;            /* rows read ahead (contiguous, not in place; paged in
                                       * lanes: in blocks of that many rows) */
    const attn_dims *dims;
    const attn_kv_cache *cache;
    const int32_t *lens;             /* [batch], read once */
    int64_t group, ldq, ldo;
    size_t k_row, v_row;              /* bytes of one cache row of K, of V */
    int64_t splits, split_len, tasks; /* splits per (sequence, KV head) */
    int64_t tile_floats;
    bool in_place;                    /* an fp32 cache whose rows need no padding */
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

/* Query heads run in the vector lanes (decode_isa.h's lanes_chunk) when they fill them: a
 * group of at least three quarters of the lanes (padded), or the groups of lanes / group
 * consecutive KV heads side by side (GQA 4 as two KV heads, MHA as eight under AVX2). The
 * scores are then lane-wise products with no horizontal sums, and the cache is read in place.
 * Other groups keep the chunk kernel and its fp32 tiles.
 * Over a paged pool a task in lanes also takes `sets` lane sets of further KV heads (up to
 * DECODE_SETS_MAX) and reads each block's rows of all of them in turn: a block holds its KV
 * heads one after another (vLLM's [block][kv_head][token] order), so the task reads the
 * block's K as one run of sets x parts x 4 KiB (block 16, fp16, d 128) instead of one 4 KiB
 * piece per block scattered across the pool. (Reading scattered 4 KiB pieces streamed at 19
 * GB/s here where 16 KiB pieces streamed at 24 and in order at 29, two threads; GQA 4 paged
 * went from 1.54x to 1.04x of contiguous, GQA 8 over 4 KV heads from 1.47x to 1.19x.)
 * A lone query head that the lanes do not hold runs head_chunk, and over a paged pool takes
 * sets the same way, one KV head each: MHA 8/8 paged / contiguous went from 1.27-1.46 to
 * 0.98-1.07 (fp16, t 131072, two threads, decode_peers.md tenth pass). */
static void plan_lanes(decode_plan *plan)
{
    const int64_t w = plan->isa->lanes, g = plan->group, kv_heads = plan->dims->kv_heads;
    const bool paged = plan->cache->layout == ATTN_KV_PAGED;
    plan->parts = 1;
    plan->lanes = g <= w && 4 * g >= 3 * w;
    if (w % g == 0 && kv_heads % (w / g) == 0) {
        plan->lanes = true;
        plan->parts = w / g;
    }
    plan->head = !plan->lanes && g == 1;
    plan->set_rows = g * plan->parts;
    plan->sets = 1;
    for (int64_t sets = kv_heads / plan->parts;
         (plan->lanes || plan->head) && paged && sets > 1; sets--)
        if (sets <= DECODE_SETS_MAX && kv_heads / plan->parts % sets == 0) {
            plan->sets = sets;
            break;
        }
    plan->task_rows = plan->set_rows * plan->sets;
    plan->chunk = plan->lanes ? DECODE_LANES_KEYS : DECODE_CHUNK;
    plan->head_rows =
        paged ? plan->cache->block_size : attn_kv_head_rows(plan->dims, plan->cache);
    plan->prefetch_blocks = DECODE_PREFETCH_BLOCKS;
    plan->prefetch_rows = DECODE_PREFETCH_ROWS;
    if (plan->lanes) {
        /* the rows of all the task's KV heads, K and V */
        const int64_t step = (int64_t)(plan->k_row + plan->v_row) * plan->parts * plan->sets;
        plan->prefetch_rows = attn_min64(DECODE_PREFETCH_ROWS,
                                         attn_ceil_div(DECODE_PREFETCH_BYTES, step));
    }
    if (plan->lanes && paged)
        plan->prefetch_blocks = attn_min64(DECODE_PREFETCH_RING - 1,
                                           attn_ceil_div(plan->prefetch_rows,
                                                         plan->cache->block_size));
}

/* Enough splits that every thread has work; each a whole number of blocks and chunks, so no
 * two tasks share a block (or its block-table entry). */
static void decode_plan_for(decode_plan *plan, int threads)
{
    const attn_dims *dims = plan->dims;
    const int64_t w = plan->isa->lanes, t = dims->n_kv;
    plan->group = dims->heads / dims->kv_heads;
    plan->ldq = attn_round_up(dims->d_qk, w);
    plan->ldo = attn_round_up(dims->d_v, w);
    plan->k_row = (size_t)dims->d_qk * attn_dtype_size(plan->cache->store);
    plan->v_row = (size_t)dims->d_v * attn_dtype_size(plan->cache->store);
    plan_lanes(plan);
    const int64_t caches = dims->batch * dims->kv_heads / (plan->parts * plan->sets);
    plan->in_place = plan->cache->store == ATTN_DTYPE_FP32 && plan->ldq == dims->d_qk
                     && plan->ldo == dims->d_v && !plan->lanes && !plan->head;
    int64_t quantum = plan->chunk;
    if (plan->cache->layout == ATTN_KV_PAGED) {
        const int64_t bs = plan->cache->block_size;
        quantum = bs / gcd64(bs, plan->chunk) * plan->chunk;
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
    /* heads: q, m, l, corr, acc, scores (+ the lanes' limits); rows: K and V tiles and
     * scales (none for a lone head, which reads the cache and its scales in place; only the
     * lanes' scales for a group in lanes) */
    const int64_t g = plan->lanes ? w : plan->group;
    const int64_t row_floats = plan->lanes ? 2 * w : plan->head ? 0 : plan->ldq + plan->ldo + 2;
    plan->tile_floats = g * (plan->ldq + 4 + plan->ldo + plan->chunk) + plan->chunk * row_floats;
}

/* Partial online softmax of one task: m [task_rows], l [task_rows], acc [task_rows][d_v]. */
typedef struct decode_partial {
    float *m, *l, *acc;
} decode_partial;

static decode_partial partial_of(float *partials, const decode_plan *plan, int64_t task)
{
    const int64_t rows = plan->task_rows;
    float *base = partials + task * rows * (plan->dims->d_v + 2);
    return (decode_partial){.m = base, .l = base + rows, .acc = base + 2 * rows};
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
    return (cur->b * d->kv_heads + cur->kv_head) * cur->plan->head_rows + j;
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
        __builtin_prefetch(first + at, 0, 1);
}

/* A chunk being gathered: up to plan->chunk rows (fp32 tiles, or the rows' addresses for a
 * group in lanes) and int8 scales, possibly from several blocks, so a paged cache of small
 * blocks still runs full chunks. */
typedef struct decode_fill {
    float *k, *v, *k_scale, *v_scale;
    attn_drows in_place;
    int64_t rows;
} decode_fill;

/* A task's running softmax: the chunk kernel's tile, or the group in lanes of a query tile. */
typedef struct decode_tiles {
    attn_dtile chunk;
    attn_qtile lanes;
} decode_tiles;

static void fill_flush(const decode_plan *plan, const decode_tiles *t, decode_fill *f)
{
    const bool int8 = plan->cache->store == ATTN_DTYPE_INT8;
    const float *k_scale = int8 ? f->k_scale : NULL, *v_scale = int8 ? f->v_scale : NULL;
    if (f->rows > 0 && plan->lanes)
        plan->isa->lanes_chunk(&t->lanes, &f->in_place, plan->cache->store, k_scale, v_scale,
                               f->rows, (int)plan->parts);
    else if (f->rows > 0)
        plan->isa->chunk(&t->chunk, f->k, f->v, k_scale, v_scale, f->rows);
    f->rows = 0;
}

/* The int8 scales of `count` rows from row `row`, one per KV head in the lanes (part), at a
 * stride of lanes per row: lanes_chunk spreads part p's over its group's lanes (vf_spread).
 * Writing each lane's copy here, 32 stores per row at GQA 4 under AVX-512, was 12-14% of an
 * int8 call (cache in L3, one thread); a division and a read per lane before that, a sixth
 * (decode_peers.md, ninth and eleventh passes). */
static void fill_lane_scales(const decode_plan *plan, decode_fill *f, int64_t row,
                             int64_t count)
{
    const float *restrict k_scale = plan->cache->k_scale + row;
    const float *restrict v_scale = plan->cache->v_scale + row;
    const int64_t w = plan->isa->lanes, parts = plan->parts, head_rows = plan->head_rows;
    float *restrict k_parts = f->k_scale + f->rows * w;
    float *restrict v_parts = f->v_scale + f->rows * w;
    for (int64_t r = 0; r < count; r++)
        for (int64_t p = 0; p < parts; p++) {
            k_parts[r * w + p] = k_scale[r + p * head_rows];
            v_parts[r * w + p] = v_scale[r + p * head_rows];
        }
}

/* Heads in lanes: the rows' addresses (the first KV head's; the others lie head_rows rows
 * on), those of the rows `ahead` (or none), and each KV head's int8 scales. */
static void fill_lanes(const decode_plan *plan, decode_fill *f, int64_t row, int64_t count,
                       int64_t ahead)
{
    const attn_kv_cache *c = plan->cache;
    const size_t k_row = plan->k_row, v_row = plan->v_row;
    attn_drows *rows = &f->in_place;
    rows->k_part = (ptrdiff_t)(plan->head_rows * (int64_t)k_row);
    rows->v_part = (ptrdiff_t)(plan->head_rows * (int64_t)v_row);
    if (c->store == ATTN_DTYPE_INT8)
        fill_lane_scales(plan, f, row, count);
    for (int64_t r = 0; r < count; r++) {
        rows->k[f->rows + r] = (const char *)c->k + (size_t)(row + r) * k_row;
        rows->v[f->rows + r] = (const char *)c->v + (size_t)(row + r) * v_row;
        rows->k_ahead[f->rows + r] =
            ahead >= 0 ? (const char *)c->k + (size_t)(ahead + r) * k_row : NULL;
        rows->v_ahead[f->rows + r] =
            ahead >= 0 ? (const char *)c->v + (size_t)(ahead + r) * v_row : NULL;
    }
}

/* The chunk kernel: `count` rows from row `row` converted into the chunk's fp32 tiles,
 * padding columns staying zero, and their int8 scales. */
static void fill_tiles(const decode_plan *plan, decode_fill *f, int64_t row, int64_t count,
                       int64_t ahead)
{
    const attn_kv_cache *c = plan->cache;
    const attn_dims *d = plan->dims;
    const struct {
        const void *base;
        int64_t d, ld;
        size_t row_size;
        float *tile;
    } parts[2] = {{c->k, d->d_qk, plan->ldq, plan->k_row, f->k},
                  {c->v, d->d_v, plan->ldo, plan->v_row, f->v}};
    for (int p = 0; p < 2; p++) {
        float *dst = parts[p].tile + f->rows * parts[p].ld;
        const size_t row_size = parts[p].row_size;
        const char *src = (const char *)parts[p].base + (size_t)row * row_size;
        const char *pre = ahead >= 0 ? (const char *)parts[p].base + (size_t)ahead * row_size
                                     : NULL;
        if (parts[p].ld == parts[p].d)
            plan->isa->to_f32(c->store, src, (size_t)(count * parts[p].d), dst, pre);
        else
            for (int64_t r = 0; r < count; r++)
                plan->isa->to_f32(c->store, src + (size_t)r * row_size, (size_t)parts[p].d,
                                  dst + r * parts[p].ld, pre ? pre + (size_t)r * row_size : NULL);
    }
    for (int64_t r = 0; c->store == ATTN_DTYPE_INT8 && r < count; r++) {
        f->k_scale[f->rows + r] = c->k_scale[row + r];
        f->v_scale[f->rows + r] = c->v_scale[row + r];
    }
}

/* A lone head: `count` rows from row `row` straight to head_chunk, read in place with their
 * int8 scales; ahead >= 0: the rows from there are prefetched as these are read. */
static void head_in_place(const decode_plan *plan, const decode_tiles *t, int64_t row,
                          int64_t count, int64_t ahead)
{
    const attn_kv_cache *c = plan->cache;
    const size_t k_row = plan->k_row, v_row = plan->v_row;
    const bool int8 = c->store == ATTN_DTYPE_INT8;
    const char *k = c->k, *v = c->v;
    plan->isa->head_chunk(&t->chunk, c->store, k + (size_t)row * k_row, v + (size_t)row * v_row,
                          int8 ? c->k_scale + row : NULL, int8 ? c->v_scale + row : NULL, count,
                          ahead >= 0 ? k + (size_t)ahead * k_row : NULL,
                          ahead >= 0 ? v + (size_t)ahead * v_row : NULL);
}

/* `count` cache rows from row `row` (count <= plan->chunk - f->rows): straight to head_chunk
 * for a lone head, or to the chunk kernel when an fp32 cache can be used in place, else
 * gathered into the chunk (addresses for heads in lanes, fp32 tiles for the chunk kernel),
 * which runs when full. ahead >= 0: the rows from there are prefetched as these are read. */
static void fill_rows(const decode_plan *plan, const decode_tiles *t, decode_fill *f, int64_t row,
                      int64_t count, int64_t ahead)
{
    if (plan->head) {
        head_in_place(plan, t, row, count, ahead);
        return;
    }
    if (plan->in_place) {
        const attn_kv_cache *c = plan->cache;
        const attn_dims *d = plan->dims;
        if (ahead >= 0) {
            prefetch_rows(c->k, ahead, count, d->d_qk, sizeof(float));
            prefetch_rows(c->v, ahead, count, d->d_v, sizeof(float));
        }
        plan->isa->chunk(&t->chunk, (const float *)c->k + row * d->d_qk,
                         (const float *)c->v + row * d->d_v, NULL, NULL, count);
        return;
    }
    if (plan->lanes)
        fill_lanes(plan, f, row, count, ahead);
    else
        fill_tiles(plan, f, row, count, ahead);
    f->rows += count;
    if (f->rows == plan->chunk)
        fill_flush(plan, t, f);
}

/* Tokens [first, end) of (cur->b, cur->kv_head and the task's further parts), run by run (a
 * run is contiguous memory: the whole range, or one block). A paged range keeps the table
 * entries of the next prefetch_blocks blocks (each entry read once) and, as it reads rows at
 * offset o of this block, prefetches the rows at offset o of the block that far ahead: the
 * prefetches are spread over the block instead of bursting, and land before the block is
 * reached. (An fp32 cache read in place, with no conversion to spread them over, prefetches a
 * block at once.) A contiguous range not read in place prefetches prefetch_rows rows ahead
 * (plan_lanes'), within the range. */
static void decode_range(decode_cursor *cur, const decode_tiles *t, decode_fill *fill,
                         int64_t first, int64_t end)
{
    const decode_plan *plan = cur->plan;
    const int64_t lead = plan->prefetch_blocks, ring_size = lead + 1;
    const attn_kv_cache *c = plan->cache;
    const bool paged = c->layout == ATTN_KV_PAGED;
    const bool stream = !paged && !plan->in_place;
    const uint64_t row_bytes = plan->k_row + plan->v_row
                               + (c->store == ATTN_DTYPE_INT8 ? 2 * sizeof(float) : 0);
    const int64_t bs = paged ? c->block_size : end - first;
    const int64_t base = first / bs, runs = paged ? (end - 1) / bs - base + 1 : 1;
    int64_t ring[DECODE_PREFETCH_RING] = {0};
    for (int64_t r = 0; paged && r < ring_size && r < runs; r++)
        ring[r] = block_of(cur, (base + r) * bs);
    for (int64_t r = 0; r < runs; r++) {
        const int64_t block = ring[r % ring_size];
        const bool prefetch = paged && r + lead < runs && ring[(r + lead) % ring_size] >= 0;
        if (block < 0)
            break;
        const int64_t run_first = paged && (base + r) * bs > first ? (base + r) * bs : first;
        const int64_t run_end = paged ? attn_min64(end, (base + r + 1) * bs) : end;
        /* each further KV head in the lanes reads the entry for its own rows, as a kernel per
         * KV head does (the model charges one entry per block per KV head) */
        for (int64_t p = 1; paged && p < plan->parts * plan->sets; p++)
            block_of(cur, run_first);
        /* rows of run_first in this block and in the one prefetched: the run is contiguous;
         * a further lane set's rows lie its parts' head_rows further */
        const int64_t set_stride = plan->parts * plan->head_rows;
        const int64_t row0 = row_of(cur, block, run_first);
        const int64_t ahead0 =
            prefetch ? row_of(cur, ring[(r + lead) % ring_size], run_first) : 0;
        for (int64_t set = 0; set < plan->sets; set++)
            for (int64_t at = run_first; at < run_end;) {
                const int64_t count = attn_min64(plan->chunk - fill[set].rows, run_end - at);
                const int64_t row = row0 + set * set_stride + (at - run_first);
                int64_t ahead = prefetch ? ahead0 + set * set_stride + (at - run_first) : -1;
                if (stream && at + count + plan->prefetch_rows <= run_end)
                    ahead = row + plan->prefetch_rows;
                fill_rows(plan, &t[set], &fill[set], row, count, ahead);
                cur->bytes_read += (uint64_t)(count * plan->parts) * row_bytes;
                at += count;
            }
        if (paged && r + ring_size < runs)
            ring[r % ring_size] = block_of(cur, (base + r + ring_size) * bs);
    }
    for (int64_t set = 0; set < plan->sets; set++)
        fill_flush(plan, &t[set], &fill[set]);
}

/* dst rows [rows][ld] = scale x src rows [rows][cols]. Restrict-qualified locals so that it
 * vectorises: with the plan's fields re-read through pointers at every element (the project
 * builds with -fno-strict-aliasing), the scalar loop was 2.7 us of a task (16 heads, d 128),
 * half of a 16-key call's fixed cost (decode_peers.md, eleventh pass). */
static void scale_q_rows(float *restrict dst, int64_t ld, const float *restrict src, int64_t rows,
                         int64_t cols, float scale)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t e = 0; e < cols; e++)
            dst[r * ld + e] = scale * src[r * cols + e];
}

/* The chunk kernel's tile of one task, carved from `tiles`: q [g][ldq] (scaled), m, l, corr,
 * acc [g][ldo], s [g][DECODE_CHUNK]; returns the floats after it. */
static float *chunk_begin(const decode_plan *plan, float *tiles, const float *q_group,
                          float scale, attn_dtile *t)
{
    const attn_dims *d = plan->dims;
    const int64_t g = plan->group;
    *t = (attn_dtile){.rows = g, .ldq = plan->ldq, .ldo = plan->ldo, .d_qk = d->d_qk,
                      .d_v = d->d_v, .q = tiles};
    t->m = tiles + g * plan->ldq;
    t->l = t->m + g;
    t->corr = t->l + g;
    t->acc = t->corr + g;
    t->s = t->acc + g * plan->ldo;
    memset(tiles, 0, (size_t)(t->s - tiles) * sizeof *tiles); /* Q's padding, l, corr, acc */
    scale_q_rows(tiles, plan->ldq, q_group, g, d->d_qk, scale);
    for (int64_t r = 0; r < g; r++)
        t->m[r] = -INFINITY;
    return t->s + g * DECODE_CHUNK;
}

/* The task's heads in lanes: Q [W][ldq] (scaled, padding zero), limits (every head sees
 * every key; padding lanes none), S^T [chunk][W], m, l, corr, acc [W][ldo]. */
static float *lanes_begin(const decode_plan *plan, float *tiles, const float *q_group,
                          float scale, attn_qtile *t)
{
    const attn_dims *d = plan->dims;
    const int64_t w = plan->isa->lanes;
    *t = (attn_qtile){.rows = plan->set_rows, .rows_pad = w, .d_qk = d->d_qk, .d_v = d->d_v,
                      .d_v_pad = plan->ldo, .qt = tiles};
    t->limit = (int32_t *)(tiles + plan->ldq * w);
    t->st = (float *)t->limit + w;
    t->m = t->st + plan->chunk * w;
    t->l = t->m + w;
    t->corr = t->l + w;
    t->acc = t->corr + w;
    /* Q's padding and the padding lanes' limits (no key); attn_qtile_reset clears the rest */
    memset(tiles, 0, (size_t)(t->st - tiles) * sizeof *tiles);
    scale_q_rows(tiles, plan->ldq, q_group, plan->set_rows, d->d_qk, scale);
    for (int64_t r = 0; r < plan->set_rows; r++)
        t->limit[r] = INT32_MAX;
    attn_qtile_reset(t);
    return t->acc + w * plan->ldo;
}

/* The task's running max, sum and unnormalised output, head by head (set by set). */
static void task_partial(const decode_plan *plan, const decode_tiles *t, decode_partial part)
{
    const int64_t d_v = plan->dims->d_v;
    for (int64_t h = 0; h < plan->task_rows; h++) {
        const int64_t r = h % plan->set_rows;
        const attn_qtile *lanes = &t[h / plan->set_rows].lanes;
        const attn_dtile *chunk = &t[h / plan->set_rows].chunk;
        part.m[h] = plan->lanes ? lanes->m[r] : chunk->m[r];
        part.l[h] = plan->lanes ? lanes->l[r] : chunk->l[r];
        const float *acc = (plan->lanes ? lanes->acc : chunk->acc) + r * plan->ldo;
        memcpy(part.acc + h * d_v, acc, (size_t)d_v * sizeof *acc);
    }
}

/* One lane set's (or the chunk kernel's) running softmax and chunk, carved from `tiles`,
 * for the group of query heads from q_group. Each part is zeroed where it must start at zero
 * and nowhere else: zeroing the whole tile (29 KiB in lanes) was a tenth of a 16-key call
 * (decode_peers.md, eleventh pass). */
static void task_begin(const decode_plan *plan, float *tiles, const float *q_group,
                       decode_tiles *t, decode_fill *fill)
{
    const float scale = 1.0f / sqrtf((float)plan->dims->d_qk);
    float *rest = plan->lanes ? lanes_begin(plan, tiles, q_group, scale, &t->lanes)
                              : chunk_begin(plan, tiles, q_group, scale, &t->chunk);
    *fill = (decode_fill){0};
    if (!plan->lanes && !plan->head) {
        fill->k = rest;
        fill->v = fill->k + plan->chunk * plan->ldq;
        rest = fill->v + plan->chunk * plan->ldo;
        if (!plan->in_place) /* the padding columns of the fp32 tiles */
            memset(fill->k, 0, (size_t)(rest - fill->k) * sizeof *rest);
    }
    if (!plan->head) { /* a lone head reads its scales in place */
        fill->k_scale = rest;
        fill->v_scale = fill->k_scale + plan->chunk * (plan->lanes ? plan->isa->lanes : 1);
    }
}

/* One task: split `split` of KV heads kv_head .. + parts x sets - 1 of sequence b. */
static void decode_task(const decode_plan *plan, int64_t task, const float *q, float *tiles,
                        decode_partial part, decode_cursor *cur)
{
    const attn_dims *d = plan->dims;
    const int64_t split = task % plan->splits;
    const int64_t cache = task / plan->splits * plan->parts * plan->sets;
    *cur = (decode_cursor){.plan = plan, .b = cache / d->kv_heads, .kv_head = cache % d->kv_heads};
    decode_tiles t[DECODE_SETS_MAX];
    decode_fill fill[DECODE_SETS_MAX];
    const float *q_task = q + (cur->b * d->heads + cur->kv_head * plan->group) * d->d_qk;
    for (int64_t set = 0; set < plan->sets; set++)
        task_begin(plan, tiles + set * plan->tile_floats,
                   q_task + set * plan->set_rows * d->d_qk, &t[set], &fill[set]);
    const int64_t first = split * plan->split_len;
    const int64_t end = attn_min64(first + plan->split_len, plan->lens[cur->b]);
    if (first < end)
        decode_range(cur, t, fill, first, end);
    task_partial(plan, t, part);
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
    const float inv = 1.0f / sum;
    for (int64_t e = 0; e < d_v; e++)
        o[e] *= inv;
}

static int cache_check(const attn_dims *dims, const attn_kv_cache *c)
{
    if (dims->n_q != 1 || attn_dtype_size(c->store) == 0 || !c->k || !c->v)
        return ATTN_ERR_RANGE;
    if (c->store == ATTN_DTYPE_INT8 && (!c->k_scale || !c->v_scale))
        return ATTN_ERR_RANGE;
    if (c->layout == ATTN_KV_PAGED)
        return c->block_size > 0 && c->block_table && c->num_blocks > 0
                       && c->max_blocks >= attn_ceil_div(dims->n_kv, c->block_size)
                   ? ATTN_OK
                   : ATTN_ERR_RANGE;
    return c->layout == ATTN_KV_CONTIGUOUS && (c->head_rows == 0 || c->head_rows >= dims->n_kv)
               ? ATTN_OK
               : ATTN_ERR_RANGE;
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
            decode_task(plan, task, q, tiles + thread * plan->tile_floats * plan->sets,
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
    float *partials = attn_kalloc((size_t)(plan.tasks * plan.task_rows * (dims->d_v + 2) + 1)
                                  * sizeof(float));
    float *tiles = attn_kalloc((size_t)(threads * plan.tile_floats * plan.sets) * sizeof *tiles);
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
            /* a task's heads are task_rows consecutive query heads of one sequence */
            const int64_t unit = bh / plan.task_rows;
            decode_merge(&plan, partials, unit * plan.splits, bh % plan.task_rows,
                         o + bh * dims->d_v);
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

int attn_cpu_decode(const attn_dims *dims, attn_dtype store, const float *q,
                    const void *k_cache, const void *v_cache, float *o,
                    attn_kernel_stats *stats)
{
    if (store == ATTN_DTYPE_INT8)
        return ATTN_ERR_RANGE; /* needs scales: attn_cpu_decode_cache */
    const attn_kv_cache cache = {.store = store, .layout = ATTN_KV_CONTIGUOUS, .k = k_cache,
                                 .v = v_cache};
    return attn_cpu_decode_cache(dims, &cache, q, o, stats);
}
