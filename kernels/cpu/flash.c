/* flash.c — FlashAttention on the CPU: tiles, online softmax, no n×n buffer.
 *
 * FlashAttention-2's loop order: each task owns one block of B_r query rows (OpenMP over
 * batch × head × query block), loads it once, streams the key/value blocks of B_c rows past it
 * and writes its output once. Tile sizes come from the "SRAM" size (flash_tiles.c). The L2
 * cache plays SRAM, so K and V blocks are used where they lie; each pass over a block counts as
 * one load of it. The workspace is a fixed set of tiles per thread, whatever n is.
 */
#include <math.h>
#include <omp.h>

#include "cpu_internal.h"

/* One thread's tiles: the query block, its scores, running max/sum and output. */
typedef struct flash_tiles_ws {
    float *q, *s, *m, *l, *acc;
    int64_t *limit;
} flash_tiles_ws;

static size_t flash_ws_floats(const attn_dims *dims, attn_flash_tiles tiles)
{
    const int64_t br = tiles.block_rows;
    return (size_t)(br * (dims->d_qk + tiles.block_cols + dims->d_v + 2));
}

static flash_tiles_ws flash_ws_carve(const attn_dims *dims, attn_flash_tiles tiles,
                                     float *floats, int64_t *limits)
{
    const int64_t br = tiles.block_rows;
    flash_tiles_ws ws = {.q = floats, .limit = limits};
    ws.s = ws.q + br * dims->d_qk;
    ws.acc = ws.s + br * tiles.block_cols;
    ws.m = ws.acc + br * dims->d_v;
    ws.l = ws.m + br;
    return ws;
}

/* Attention of query rows i0 .. i0 + rows - 1 of head (b, h); adds what it moved and did. */
static void flash_query_block(const attn_dims *dims, attn_flash_tiles tiles, int64_t b,
                              int64_t h, int64_t i0, int64_t rows, const float *q,
                              const float *k, const float *v, float *o,
                              const flash_tiles_ws *ws, attn_kernel_stats *counts)
{
    const attn_head_shape shape = attn_head_shape_of(dims);
    const int64_t d_qk = dims->d_qk, d_v = dims->d_v, bc = tiles.block_cols;
    const float scale = 1.0f / sqrtf((float)d_qk);
    const float *q_block = q + attn_q_offset(dims, b, h) + i0 * d_qk;
    for (int64_t e = 0; e < rows * d_qk; e++)
        ws->q[e] = q_block[e];
    for (int64_t r = 0; r < rows; r++)
        ws->limit[r] = attn_visible_keys(&shape, i0 + r);
    const float *k_head = k + attn_k_offset(dims, b, h);
    const float *v_head = v + attn_v_offset(dims, b, h);
    const int64_t keys_needed = ws->limit[rows - 1];
    attn_online_init(rows, d_v, ws->m, ws->l, ws->acc);
    for (int64_t j0 = 0; j0 < keys_needed; j0 += bc) {
        const int64_t cols = attn_min64(bc, dims->n_kv - j0);
        attn_tile_scores(rows, cols, d_qk, scale, ws->q, d_qk, k_head + j0 * d_qk, d_qk, ws->s,
                         bc);
        attn_online_block(ws->s, bc, rows, cols, j0, ws->limit, ws->m, ws->l, ws->acc, d_v);
        attn_tile_accumulate(rows, cols, d_v, ws->s, bc, v_head + j0 * d_v, d_v, ws->acc, d_v);
        counts->bytes_read += 4 * (uint64_t)(cols * (d_qk + d_v));
        counts->flops += 2 * (uint64_t)(rows * cols * (d_qk + d_v));
        counts->other_flops += 5 * (uint64_t)(rows * cols);
    }
    attn_online_finish(rows, d_v, ws->l, ws->acc, o + attn_o_offset(dims, b, h) + i0 * d_v, d_v);
    counts->bytes_read += 4 * (uint64_t)(rows * d_qk);
    counts->bytes_written += 4 * (uint64_t)(rows * d_v);
}

int attn_cpu_flash(const attn_dims *dims, size_t sram_bytes, const float *q, const float *k,
                   const float *v, float *o, attn_kernel_stats *stats)
{
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    attn_counter counter;
    attn_counter_begin(&counter);
    const int64_t d = dims->d_qk > dims->d_v ? dims->d_qk : dims->d_v;
    const attn_flash_tiles tiles =
        attn_flash_tiles_for(sram_bytes ? sram_bytes : attn_cpu_sram_bytes(), d);
    const int64_t t_r = attn_ceil_div(dims->n_q, tiles.block_rows);
    const int64_t tasks = dims->batch * dims->heads * t_r;
    const int threads = omp_get_max_threads();
    const size_t per_thread = flash_ws_floats(dims, tiles);
    float *floats = attn_kalloc((size_t)threads * per_thread * sizeof *floats);
    int64_t *limits = attn_kalloc((size_t)(threads * tiles.block_rows) * sizeof *limits);
    if (!floats || !limits) {
        attn_kfree(floats);
        attn_kfree(limits);
        return ATTN_ERR_NOMEM;
    }
#pragma omp parallel for schedule(dynamic)
    for (int64_t task = 0; task < tasks; task++) {
        const int thread = omp_get_thread_num();
        const flash_tiles_ws ws = flash_ws_carve(dims, tiles, floats + thread * per_thread,
                                                 limits + thread * tiles.block_rows);
        const int64_t block = task % t_r, bh = task / t_r;
        const int64_t i0 = block * tiles.block_rows;
        attn_kernel_stats counts = {0};
        flash_query_block(dims, tiles, bh / dims->heads, bh % dims->heads, i0,
                          attn_min64(tiles.block_rows, dims->n_q - i0), q, k, v, o, &ws, &counts);
        attn_counter_add(&counter, &counts);
    }
    attn_kfree(floats);
    attn_kfree(limits);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
