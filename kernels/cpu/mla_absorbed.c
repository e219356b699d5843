/* mla_absorbed.c — MLA attending over the latent cache itself, as DeepSeek serves it.
 *
 * W_UK is absorbed into the query (q_c = W_UK^T q_n, d_c wide) and W_UV applied after the
 * softmax (O = W_UV o_c), so the keys are the latent rows [c | k_r] and the values their first
 * d_c columns, shared by every head. Query rows of all heads are stacked position-major and
 * streamed flash-style past latent tiles: a tile is loaded once and serves every head, so a
 * decode step reads the (d_c + d_r)·t latent cache once per sequence, not once per head.
 * Three phases: absorb the queries (BLAS), attend (OpenMP over sequence × block of positions),
 * un-absorb the outputs (BLAS). The stacked queries and o_c are written and read back once,
 * unless a sequence is one block (decode): then they are that block's tile, never in HBM.
 */
#include <math.h>
#include <omp.h>
#include <string.h>

#include <cblas.h>

#include "cpu_internal.h"

enum {
    MLA_ROWS = 64,       /* stacked query rows per block: max(1, MLA_ROWS / heads) positions */
    MLA_KEY_BLOCK = 64,  /* latent rows per tile */
};

typedef struct mla_plan {
    int64_t width;       /* d_c + d_r: one latent row, one absorbed query row */
    int64_t positions;   /* query positions per block */
    int64_t blocks;      /* blocks per sequence */
    int64_t block_rows;  /* positions · heads */
    bool staged;         /* more than one block: q_ext and o_c round-trip through memory */
} mla_plan;

static mla_plan mla_plan_for(const attn_mla_dims *d)
{
    mla_plan plan = {.width = d->d_c + d->d_r};
    plan.positions = MLA_ROWS / d->heads > 1 ? MLA_ROWS / d->heads : 1;
    plan.blocks = attn_ceil_div(d->n_q, plan.positions);
    plan.block_rows = plan.positions * d->heads;
    plan.staged = plan.blocks > 1;
    return plan;
}

/* Phase 1: q_ext [batch][n_q][heads][d_c + d_r] = scale · [q_n W_UK | q_r]. A decode step
 * (n_q == 1) stacks every sequence's row of head h at a fixed stride, so one GEMM per head
 * serves the whole batch and W_UK is read once per batch, as a serving engine batches it. */
static void mla_absorb_queries(const attn_mla_dims *d, const attn_mla_inputs *in,
                               const mla_plan *plan, float *q_ext, attn_kernel_stats *counts)
{
    const float scale = 1.0f / sqrtf((float)(d->d_n + d->d_r));
    const int64_t ld = d->heads * plan->width;
    const bool batched = d->n_q == 1;
    for (int64_t b = 0; b < (batched ? 1 : d->batch); b++)
        for (int64_t h = 0; h < d->heads; h++) {
            float *rows = q_ext + b * d->n_q * ld + h * plan->width;
            const int64_t m = batched ? d->batch : d->n_q;
            const int64_t lda = batched ? d->heads * d->d_n : d->d_n;
            if (d->n_q > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)d->d_c,
                            (int)d->d_n, scale, in->q_n + (b * d->heads + h) * d->n_q * d->d_n,
                            (int)lda, in->w_uk + h * d->d_n * d->d_c, (int)d->d_c, 0.0f,
                            rows, (int)ld);
        }
    for (int64_t b = 0; b < d->batch; b++)
        for (int64_t h = 0; h < d->heads; h++) {
            float *rows = q_ext + b * d->n_q * ld + h * plan->width;
            const float *q_r = in->q_r + (b * d->heads + h) * d->n_q * d->d_r;
            for (int64_t i = 0; i < d->n_q; i++)
                for (int64_t e = 0; e < d->d_r; e++)
                    rows[i * ld + d->d_c + e] = scale * q_r[i * d->d_r + e];
        }
    const uint64_t stacked = (uint64_t)(d->batch * d->n_q * d->heads);
    const uint64_t weight_reads = batched ? 1 : (uint64_t)d->batch;
    counts->bytes_read += 4 * (stacked * (uint64_t)(d->d_n + d->d_r)
                               + weight_reads * (uint64_t)(d->heads * d->d_n * d->d_c));
    if (plan->staged)
        counts->bytes_written += 4 * stacked * (uint64_t)plan->width;
    counts->flops += 2 * stacked * (uint64_t)(d->d_n * d->d_c);
}

typedef struct mla_tiles {
    float *latent, *s, *acc, *m, *l;
    int64_t *limit;
} mla_tiles;

static int64_t mla_tile_floats(const attn_mla_dims *d, const mla_plan *plan)
{
    return MLA_KEY_BLOCK * plan->width + plan->block_rows * (MLA_KEY_BLOCK + d->d_c + 2);
}

static mla_tiles mla_tiles_carve(const attn_mla_dims *d, const mla_plan *plan, float *floats,
                                 int64_t *limits)
{
    mla_tiles t = {.latent = floats, .limit = limits};
    t.s = t.latent + MLA_KEY_BLOCK * plan->width;
    t.acc = t.s + plan->block_rows * MLA_KEY_BLOCK;
    t.m = t.acc + plan->block_rows * d->d_c;
    t.l = t.m + plan->block_rows;
    return t;
}

/* Phase 2 for one block of query positions of sequence b: o_c rows of the block. */
static void mla_attend_block(const attn_mla_dims *d, const attn_mla_inputs *in,
                             const mla_plan *plan, int64_t b, int64_t block, const float *q_ext,
                             float *o_c, const mla_tiles *t, attn_kernel_stats *counts)
{
    const attn_head_shape shape = attn_mla_head_shape(d);
    const int64_t i0 = block * plan->positions;
    const int64_t rows = attn_min64(plan->positions, d->n_q - i0) * d->heads;
    const int64_t first_row = (b * d->n_q + i0) * d->heads, w = plan->width;
    const float *c = in->c + b * d->n_kv * d->d_c;
    const float *k_r = in->k_r + b * d->n_kv * d->d_r;
    for (int64_t r = 0; r < rows; r++)
        t->limit[r] = attn_visible_keys(&shape, i0 + r / d->heads);
    attn_online_init(rows, d->d_c, t->m, t->l, t->acc);
    for (int64_t j0 = 0; j0 < t->limit[rows - 1]; j0 += MLA_KEY_BLOCK) {
        const int64_t cols = attn_min64(MLA_KEY_BLOCK, d->n_kv - j0);
        for (int64_t j = 0; j < cols; j++) {
            memcpy(t->latent + j * w, c + (j0 + j) * d->d_c, (size_t)d->d_c * sizeof(float));
            memcpy(t->latent + j * w + d->d_c, k_r + (j0 + j) * d->d_r,
                   (size_t)d->d_r * sizeof(float));
        }
        attn_tile_scores(rows, cols, w, 1.0f, q_ext + first_row * w, w, t->latent, w, t->s,
                         MLA_KEY_BLOCK);
        attn_online_block(t->s, MLA_KEY_BLOCK, rows, cols, j0, t->limit, t->m, t->l, t->acc,
                          d->d_c);
        attn_tile_accumulate(rows, cols, d->d_c, t->s, MLA_KEY_BLOCK, t->latent, w, t->acc,
                             d->d_c);
        counts->bytes_read += 4 * (uint64_t)(cols * w);
        counts->flops += 2 * (uint64_t)(rows * cols * (w + d->d_c));
        counts->other_flops += 5 * (uint64_t)(rows * cols);
    }
    attn_online_finish(rows, d->d_c, t->l, t->acc, o_c + first_row * d->d_c, d->d_c);
    if (plan->staged) {
        counts->bytes_read += 4 * (uint64_t)(rows * w);
        counts->bytes_written += 4 * (uint64_t)(rows * d->d_c);
    }
}

/* Phase 3: O[b][h] = o_c rows of head h · W_UV_h^T; batched over sequences in decode, as
 * phase 1. */
static void mla_unabsorb_outputs(const attn_mla_dims *d, const attn_mla_inputs *in,
                                 const mla_plan *plan, const float *o_c, float *o,
                                 attn_kernel_stats *counts)
{
    if (d->n_q == 0)
        return;
    const bool batched = d->n_q == 1;
    const int64_t m = batched ? d->batch : d->n_q;
    for (int64_t b = 0; b < (batched ? 1 : d->batch); b++)
        for (int64_t h = 0; h < d->heads; h++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)d->d_v,
                        (int)d->d_c, 1.0f, o_c + (b * d->n_q * d->heads + h) * d->d_c,
                        (int)(d->heads * d->d_c), in->w_uv + h * d->d_v * d->d_c, (int)d->d_c,
                        0.0f, o + (b * d->heads + h) * d->n_q * d->d_v,
                        (int)(batched ? d->heads * d->d_v : d->d_v));
    const uint64_t stacked = (uint64_t)(d->batch * d->n_q * d->heads);
    const uint64_t weight_reads = batched ? 1 : (uint64_t)d->batch;
    counts->bytes_read += 4 * ((plan->staged ? stacked * (uint64_t)d->d_c : 0)
                               + weight_reads * (uint64_t)(d->heads * d->d_v * d->d_c));
    counts->bytes_written += 4 * stacked * (uint64_t)d->d_v;
    counts->flops += 2 * stacked * (uint64_t)(d->d_c * d->d_v);
}

int attn_cpu_mla_absorbed(const attn_mla_dims *dims, const attn_mla_inputs *in, float *o,
                          attn_kernel_stats *stats)
{
    int rc = attn_mla_dims_check(dims);
    if (rc)
        return rc;
    attn_counter counter;
    attn_counter_begin(&counter);
    const mla_plan plan = mla_plan_for(dims);
    const int threads = omp_get_max_threads();
    const int64_t stacked = dims->batch * dims->n_q * dims->heads;
    const int64_t tile_floats = mla_tile_floats(dims, &plan);
    float *q_ext = attn_kalloc((size_t)(stacked * plan.width) * sizeof(float));
    float *o_c = attn_kalloc((size_t)(stacked * dims->d_c) * sizeof(float));
    float *tiles = attn_kalloc((size_t)(threads * tile_floats) * sizeof(float));
    int64_t *limits = attn_kalloc((size_t)(threads * plan.block_rows) * sizeof(int64_t));
    rc = q_ext && o_c && tiles && limits ? ATTN_OK : ATTN_ERR_NOMEM;
    if (rc == ATTN_OK) {
        mla_absorb_queries(dims, in, &plan, q_ext, &counter.stats);
#pragma omp parallel for schedule(dynamic)
        for (int64_t task = 0; task < dims->batch * plan.blocks; task++) {
            const int thread = omp_get_thread_num();
            const mla_tiles t = mla_tiles_carve(dims, &plan, tiles + thread * tile_floats,
                                                limits + thread * plan.block_rows);
            attn_kernel_stats counts = {0};
            mla_attend_block(dims, in, &plan, task / plan.blocks, task % plan.blocks, q_ext, o_c,
                             &t, &counts);
            attn_counter_add(&counter, &counts);
        }
        mla_unabsorb_outputs(dims, in, &plan, o_c, o, &counter.stats);
    }
    attn_kfree(q_ext);
    attn_kfree(o_c);
    attn_kfree(tiles);
    attn_kfree(limits);
    attn_counter_end(&counter, stats);
    return rc;
}
