/* flash.c — FlashAttention on the CPU: tiles, online softmax, no n×n buffer.
 *
 * FlashAttention-2's loop order: each task owns one block of B_r query rows (OpenMP over
 * batch × head × query block), loads it once (transposed and scaled, isa.h), streams the
 * key/value blocks of B_c rows past it and writes its output once. Tile sizes come from the
 * "SRAM" size (flash_tiles.c); the L2 cache plays SRAM, so K and V blocks are used where they
 * lie and each pass over a block counts as one load of it. Inside a block the work is the
 * register-blocked micro-kernels of the widest instruction set the CPU has (isa.c). The
 * workspace is a fixed set of tiles per thread, whatever n is.
 */
#include <math.h>
#include <omp.h>

#include "isa.h"

/* Floats of one thread's tiles: Q^T, S^T, m, l, corr, acc (limits are separate int32s). */
static size_t flash_ws_floats(const attn_dims *dims, attn_flash_tiles tiles, const attn_isa *isa)
{
    const int64_t rp = attn_round_up(tiles.block_rows, isa->row_quantum);
    const int64_t cp = attn_round_up(tiles.block_cols, isa->key_quantum);
    return (size_t)(rp * (dims->d_qk + cp + 3 + attn_round_up(dims->d_v, isa->col_quantum)));
}

static attn_qtile flash_ws_carve(const attn_dims *dims, attn_flash_tiles tiles,
                                 const attn_isa *isa, float *floats, int32_t *limits)
{
    const int64_t rp = attn_round_up(tiles.block_rows, isa->row_quantum);
    attn_qtile t = {.rows_pad = rp, .d_qk = dims->d_qk, .d_v = dims->d_v,
                    .d_v_pad = attn_round_up(dims->d_v, isa->col_quantum), .limit = limits};
    t.qt = floats;
    t.st = t.qt + rp * dims->d_qk;
    t.m = t.st + rp * attn_round_up(tiles.block_cols, isa->key_quantum);
    t.l = t.m + rp;
    t.corr = t.l + rp;
    t.acc = t.corr + rp;
    return t;
}

/* Attention of query rows i0 .. i0 + rows - 1 of head (b, h); adds what it moved and did. */
static void flash_query_block(const attn_dims *dims, attn_flash_tiles tiles, const attn_isa *isa,
                              int64_t b, int64_t h, int64_t i0, const attn_qtile *t,
                              const float *q, const float *k, const float *v, float *o,
                              attn_kernel_stats *counts)
{
    const attn_head_shape shape = attn_head_shape_of(dims);
    const int64_t d_qk = dims->d_qk, d_v = dims->d_v, bc = tiles.block_cols;
    const int64_t rows = t->rows, rp = t->rows_pad;
    const float scale = 1.0f / sqrtf((float)d_qk);
    const float *q_block = q + attn_q_offset(dims, b, h) + i0 * d_qk;
    float *qt = t->qt;
    int32_t *limit = t->limit;
    for (int64_t e = 0; e < d_qk; e++) {
        for (int64_t r = 0; r < rows; r++)
            qt[e * rp + r] = scale * q_block[r * d_qk + e];
        for (int64_t r = rows; r < rp; r++)
            qt[e * rp + r] = 0.0f;
    }
    for (int64_t r = 0; r < rp; r++)
        limit[r] = r < rows ? (int32_t)attn_visible_keys(&shape, i0 + r) : 0;
    const float *k_head = k + attn_k_offset(dims, b, h);
    const float *v_head = v + attn_v_offset(dims, b, h);
    const int64_t keys_needed = limit[rows - 1];
    attn_qtile_reset(t);
    for (int64_t j0 = 0; j0 < keys_needed; j0 += bc) {
        const int64_t cols = attn_min64(bc, dims->n_kv - j0);
        isa->block(t, k_head + j0 * d_qk, d_qk, v_head + j0 * d_v, d_v, j0, cols);
        counts->bytes_read += 4 * (uint64_t)(cols * (d_qk + d_v));
        counts->flops += 2 * (uint64_t)(rows * cols * (d_qk + d_v));
        counts->other_flops += 5 * (uint64_t)(rows * cols);
    }
    attn_qtile_finish(t, o + attn_o_offset(dims, b, h) + i0 * d_v, d_v);
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
    const attn_isa *isa = attn_isa_best();
    const int64_t t_r = attn_ceil_div(dims->n_q, tiles.block_rows);
    const int64_t tasks = dims->batch * dims->heads * t_r;
    const int64_t rows_pad = attn_round_up(tiles.block_rows, isa->row_quantum);
    const int threads = omp_get_max_threads();
    const size_t per_thread = flash_ws_floats(dims, tiles, isa);
    float *floats = attn_kalloc((size_t)threads * per_thread * sizeof *floats);
    int32_t *limits = attn_kalloc((size_t)(threads * rows_pad) * sizeof *limits);
    if (!floats || !limits) {
        attn_kfree(floats);
        attn_kfree(limits);
        return ATTN_ERR_NOMEM;
    }
#pragma omp parallel for schedule(dynamic)
    for (int64_t task = 0; task < tasks; task++) {
        const int thread = omp_get_thread_num();
        attn_qtile t = flash_ws_carve(dims, tiles, isa, floats + thread * per_thread,
                                      limits + thread * rows_pad);
        const int64_t block = task % t_r, bh = task / t_r;
        const int64_t i0 = block * tiles.block_rows;
        t.rows = attn_min64(tiles.block_rows, dims->n_q - i0);
        attn_kernel_stats counts = {0};
        flash_query_block(dims, tiles, isa, bh / dims->heads, bh % dims->heads, i0, &t, q, k,
                          v, o, &counts);
        attn_counter_add(&counter, &counts);
    }
    attn_kfree(floats);
    attn_kfree(limits);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
