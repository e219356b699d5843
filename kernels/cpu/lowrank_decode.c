/* lowrank_decode.c — the decode form of low-rank attention: the projections as a state.
 *
 * Linformer defines E, F over a whole sequence of n_max positions; K' = E K is a sum over
 * positions, so it can be built one token at a time: token t adds E[:, t] k_t^T to K' and
 * F[:, t] v_t^T to V'. The state is k·(d_qk + d_v) per KV head, whatever the number of tokens,
 * and after t tokens it equals the prefill projection of those t tokens (as if E, F had only
 * their first t columns). The new query then attends, non-causally, to the k projected rows.
 *
 * Two layouts serve one read of everything per token. The state keeps E and F transposed
 * (copied at init, outside any step), so column t is one contiguous row of k floats rather than
 * k floats a row of n_max apart, each on a line of its own. And the group's queries meet the
 * state key tile by tile through matrix-vector products: OpenBLAS's GEMM would first copy the
 * state into its packing buffer (driver/level3/level3.c, ICOPY), a second buffer as large as
 * the state that a step moves through memory on top of the state itself.
 */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "cpu_internal.h"

/* dst [n][k] = src [k][n]^T */
static void transpose(int64_t k, int64_t n, const float *src, float *dst)
{
    for (int64_t j = 0; j < k; j++)
        for (int64_t t = 0; t < n; t++)
            dst[t * k + j] = src[j * n + t];
}

int attn_lowrank_state_init(attn_lowrank_state *state, const attn_dims *dims, int64_t k,
                            int64_t n_max, const float *e, const float *f)
{
    if (!state || !dims || !e || !f)
        return ATTN_ERR_RANGE;
    attn_dims step = *dims;
    step.n_q = 1;
    step.n_kv = 0;
    step.causal = false;
    const int64_t sizes[] = {dims->batch, dims->kv_heads, k, dims->d_qk + dims->d_v};
    const int64_t projection[] = {k, n_max};
    int rc = attn_dims_check(&step);
    if (rc || k < 1 || n_max < 1 || k > (int64_t)INT32_MAX || n_max > (int64_t)INT32_MAX
        || attn_checked_product(4, sizes) < 0 || attn_checked_product(2, projection) < 0)
        return rc ? rc : ATTN_ERR_RANGE;
    const int64_t caches = step.batch * step.kv_heads;
    *state = (attn_lowrank_state){.dims = step, .k = k, .n_max = n_max};
    state->k_proj = attn_kalloc((size_t)(caches * k * step.d_qk) * sizeof(float));
    state->v_proj = attn_kalloc((size_t)(caches * k * step.d_v) * sizeof(float));
    state->e_t = attn_kalloc((size_t)(n_max * k) * sizeof(float));
    state->f_t = attn_kalloc((size_t)(n_max * k) * sizeof(float));
    if (!state->k_proj || !state->v_proj || !state->e_t || !state->f_t) {
        attn_lowrank_state_free(state);
        return ATTN_ERR_NOMEM;
    }
    memset(state->k_proj, 0, (size_t)(caches * k * step.d_qk) * sizeof(float));
    memset(state->v_proj, 0, (size_t)(caches * k * step.d_v) * sizeof(float));
    transpose(k, n_max, e, state->e_t);
    transpose(k, n_max, f, state->f_t);
    return ATTN_OK;
}

void attn_lowrank_state_free(attn_lowrank_state *state)
{
    if (!state)
        return;
    attn_kfree(state->k_proj);
    attn_kfree(state->v_proj);
    attn_kfree(state->e_t);
    attn_kfree(state->f_t);
    memset(state, 0, sizeof *state);
}

static void count_absorb(const attn_lowrank_state *state, attn_kernel_stats *stats)
{
    const uint64_t k = (uint64_t)state->k, width = (uint64_t)(state->dims.d_qk + state->dims.d_v);
    stats->bytes_read += 4 * (2 * k + width + k * width);
    stats->bytes_written += 4 * k * width;
    stats->flops += 2 * k * width;
}

/* Key tiles of 64 state rows (32 KiB at d = 128) stay in L1/L2 while every query of the
 * group uses them. */
enum { STATE_TILE = 64 };

/* attn_dense_head's Algorithm 0 for the group's few query rows over the k state rows: scores
 * [group][k] materialised, softmax, P V'. Matrix-vector products per query row and key tile
 * (sgemv reads its matrix in place, no packed copy), so the state is read from memory once. */
static void attend_state(const attn_head_shape *shape, const float *q, const float *k_proj,
                         const float *v_proj, float *s, float *o)
{
    const int64_t rows = shape->n_q, keys = shape->n_kv, d_qk = shape->d_qk, d_v = shape->d_v;
    const float scale = 1.0f / sqrtf((float)d_qk);
    for (int64_t c = 0; c < keys; c += STATE_TILE) {
        const int cols = (int)(keys - c < STATE_TILE ? keys - c : STATE_TILE);
        for (int64_t i = 0; i < rows; i++)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, cols, (int)d_qk, scale, k_proj + c * d_qk,
                        (int)d_qk, q + i * d_qk, 1, 0.0f, s + i * keys + c, 1);
    }
    for (int64_t i = 0; i < rows; i++)
        attn_softmax_row(s + i * keys, attn_visible_keys(shape, i), keys);
    for (int64_t c = 0; c < keys; c += STATE_TILE) {
        const int cols = (int)(keys - c < STATE_TILE ? keys - c : STATE_TILE);
        for (int64_t i = 0; i < rows; i++)
            cblas_sgemv(CblasRowMajor, CblasTrans, cols, (int)d_v, 1.0f, v_proj + c * d_v,
                        (int)d_v, s + i * keys + c, 1, c ? 1.0f : 0.0f, o + i * d_v, 1);
    }
}

int attn_lowrank_state_fill(attn_lowrank_state *state, const float *k, const float *v,
                            int64_t count, int64_t ld)
{
    if (!state || !state->k_proj || !k || !v || count < 0 || ld < count
        || count > state->n_max - state->dims.n_kv || count > (int64_t)INT32_MAX)
        return ATTN_ERR_RANGE;
    const attn_dims *d = &state->dims;
    const int64_t t = d->n_kv, rank = state->k;
    /* one region, a KV head per thread, OpenBLAS on the calling thread (as in a step) */
#pragma omp parallel for if (count > 0)
    for (int64_t cache = 0; cache < d->batch * d->kv_heads; cache++) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rank, (int)d->d_qk, (int)count,
                    1.0f, state->e_t + t * rank, (int)rank, k + cache * ld * d->d_qk,
                    (int)d->d_qk, 1.0f, state->k_proj + cache * rank * d->d_qk, (int)d->d_qk);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rank, (int)d->d_v, (int)count,
                    1.0f, state->f_t + t * rank, (int)rank, v + cache * ld * d->d_v, (int)d->d_v,
                    1.0f, state->v_proj + cache * rank * d->d_v, (int)d->d_v);
    }
    state->dims.n_kv += count;
    return ATTN_OK;
}

int attn_cpu_lowrank_decode(attn_lowrank_state *state, const float *q, const float *k_new,
                            const float *v_new, float *o, attn_kernel_stats *stats)
{
    if (!state || !state->k_proj)
        return ATTN_ERR_RANGE;
    const attn_dims *d = &state->dims;
    const int64_t t = d->n_kv, k = state->k;
    if (t >= state->n_max)
        return ATTN_ERR_RANGE;
    attn_counter counter;
    attn_counter_begin(&counter);
    const int64_t group = d->heads / d->kv_heads;
    const int threads = omp_get_max_threads();
    float *scores = attn_kalloc((size_t)(threads * group * k) * sizeof *scores);
    if (!scores)
        return ATTN_ERR_NOMEM;
    const attn_head_shape shape = {group, k, d->d_qk, d->d_v, false};
    /* One parallel region per step, a KV head per thread. Inside it OpenBLAS runs each sger
     * and sgemv on the calling thread; outside, it would open a region of its own for every
     * call (2 + 2·group·k/64 per KV head), and every region is a fork and a join: 115,000 of
     * the 130,000 regions of a `report --quick`; two such reports side by side took over 30x
     * the time of one, each thread spinning at a join while its partner had no core. */
#pragma omp parallel for
    for (int64_t cache = 0; cache < d->batch * d->kv_heads; cache++) {
        float *k_proj = state->k_proj + cache * k * d->d_qk;
        float *v_proj = state->v_proj + cache * k * d->d_v;
        cblas_sger(CblasRowMajor, (int)k, (int)d->d_qk, 1.0f, state->e_t + t * k, 1,
                   k_new + cache * d->d_qk, 1, k_proj, (int)d->d_qk);
        cblas_sger(CblasRowMajor, (int)k, (int)d->d_v, 1.0f, state->f_t + t * k, 1,
                   v_new + cache * d->d_v, 1, v_proj, (int)d->d_v);
        /* the group's queries are adjacent: one pass reads the state once for all of them */
        const int64_t first_query =
            (cache / d->kv_heads) * d->heads + (cache % d->kv_heads) * group;
        attend_state(&shape, q + first_query * d->d_qk, k_proj, v_proj,
                     scores + omp_get_thread_num() * group * k, o + first_query * d->d_v);
        attn_kernel_stats part = {0};
        count_absorb(state, &part);
        attn_dense_head_count(&shape, &part);
        attn_counter_add(&counter, &part);
    }
    attn_kfree(scores);
    state->dims.n_kv++;
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
