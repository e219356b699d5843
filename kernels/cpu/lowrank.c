/* lowrank.c — Linformer-style low-rank attention: project the sequence, then attend.
 *
 * K' = E K and V' = F V shrink each KV head's n_kv rows to k (E, F [k][n_kv], shared by all
 * heads), after which every query attends to k rows instead of n: cost linear in n. The
 * projection mixes all positions, so there is no causal form (ATTN_ERR_UNSUPPORTED). The
 * attention over the projected rows is the standard kernel's (dense_head.c), run once per KV
 * head over its group's stacked queries.
 */
#include <string.h>

#include <cblas.h>

#include "cpu_internal.h"

/* dst [k][width] = proj [k][n] · rows [n][width]. */
static void project(int64_t k, int64_t n, int64_t width, const float *proj, const float *rows,
                    float *dst)
{
    if (n == 0) {
        memset(dst, 0, (size_t)(k * width) * sizeof *dst);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)width, (int)n, 1.0f, proj,
                (int)n, rows, (int)width, 0.0f, dst, (int)width);
}

static void count_projection(const attn_dims *d, int64_t k, attn_kernel_stats *stats)
{
    const uint64_t n = (uint64_t)d->n_kv, width = (uint64_t)(d->d_qk + d->d_v);
    stats->bytes_read += 4 * (2 * (uint64_t)k * n + n * width);
    stats->bytes_written += 4 * (uint64_t)k * width;
    stats->flops += 2 * (uint64_t)k * n * width;
}

int attn_cpu_lowrank(const attn_dims *dims, int64_t k, const float *e, const float *f,
                     const float *q, const float *kk, const float *v, float *o,
                     attn_kernel_stats *stats)
{
    int rc = attn_dims_check(dims);
    const int64_t sizes[] = {k, dims ? dims->n_kv + dims->n_q + dims->d_qk + dims->d_v : 0};
    if (rc || k < 1 || k > (int64_t)INT32_MAX || attn_checked_product(2, sizes) < 0)
        return rc ? rc : ATTN_ERR_RANGE;
    if (dims->causal)
        return ATTN_ERR_UNSUPPORTED;
    attn_counter counter;
    attn_counter_begin(&counter);
    /* The query heads of a KV group are adjacent in Q and O, so one dense pass over
     * group·n_q stacked rows reads the group's projected K', V' once. */
    const int64_t group = dims->heads / dims->kv_heads;
    const attn_head_shape shape = {group * dims->n_q, k, dims->d_qk, dims->d_v, false};
    float *k_proj = attn_kalloc((size_t)(k * (dims->d_qk + dims->d_v + shape.n_q)) * sizeof *k_proj);
    if (!k_proj)
        return ATTN_ERR_NOMEM;
    float *v_proj = k_proj + k * dims->d_qk, *scores = v_proj + k * dims->d_v;
    for (int64_t b = 0; b < dims->batch; b++)
        for (int64_t h = 0; h < dims->heads; h += group) {
            project(k, dims->n_kv, dims->d_qk, e, kk + attn_k_offset(dims, b, h), k_proj);
            project(k, dims->n_kv, dims->d_v, f, v + attn_v_offset(dims, b, h), v_proj);
            count_projection(dims, k, &counter.stats);
            attn_dense_head(&shape, q + attn_q_offset(dims, b, h), k_proj, v_proj, scores,
                            o + attn_o_offset(dims, b, h));
            attn_dense_head_count(&shape, &counter.stats);
        }
    attn_kfree(k_proj);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
