/* mla_naive.c — MLA computed the way a decompressed cache serves it.
 *
 * Each head's keys [c W_UK^T | k_r] and values c W_UV^T are rebuilt from the latent cache, and
 * standard attention runs on them with d_qk = d_n + d_r. This is the baseline that absorbed
 * MLA is tested against (same weights, same output) and that shows what the absorption saves:
 * the latent is read again for every head, and K, V of every head are written out.
 */
#include <string.h>

#include <cblas.h>

#include "cpu_internal.h"

typedef struct mla_head_ws {
    float *q, *k, *v, *scores;
} mla_head_ws;

/* The decompressed K, V and concatenated Q of head h of sequence b. */
static void mla_decompress_head(const attn_mla_dims *d, const attn_mla_inputs *in, int64_t b,
                                int64_t h, const mla_head_ws *ws)
{
    const int64_t d_qk = d->d_n + d->d_r;
    const float *c = in->c + b * d->n_kv * d->d_c;
    const float *k_r = in->k_r + b * d->n_kv * d->d_r;
    const float *q_n = in->q_n + (b * d->heads + h) * d->n_q * d->d_n;
    const float *q_r = in->q_r + (b * d->heads + h) * d->n_q * d->d_r;
    if (d->n_kv > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d->n_kv, (int)d->d_n,
                    (int)d->d_c, 1.0f, c, (int)d->d_c, in->w_uk + h * d->d_n * d->d_c,
                    (int)d->d_c, 0.0f, ws->k, (int)d_qk);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d->n_kv, (int)d->d_v,
                    (int)d->d_c, 1.0f, c, (int)d->d_c, in->w_uv + h * d->d_v * d->d_c,
                    (int)d->d_c, 0.0f, ws->v, (int)d->d_v);
    }
    for (int64_t j = 0; j < d->n_kv; j++)
        memcpy(ws->k + j * d_qk + d->d_n, k_r + j * d->d_r, (size_t)d->d_r * sizeof(float));
    for (int64_t i = 0; i < d->n_q; i++) {
        memcpy(ws->q + i * d_qk, q_n + i * d->d_n, (size_t)d->d_n * sizeof(float));
        memcpy(ws->q + i * d_qk + d->d_n, q_r + i * d->d_r, (size_t)d->d_r * sizeof(float));
    }
}

static void count_decompression(const attn_mla_dims *d, attn_kernel_stats *stats)
{
    const uint64_t n_kv = (uint64_t)d->n_kv, n_q = (uint64_t)d->n_q;
    const uint64_t d_c = (uint64_t)d->d_c, d_r = (uint64_t)d->d_r;
    const uint64_t d_n = (uint64_t)d->d_n, d_v = (uint64_t)d->d_v;
    stats->bytes_read += 4 * (2 * n_kv * d_c + n_kv * d_r + d_c * (d_n + d_v) + n_q * (d_n + d_r));
    stats->bytes_written += 4 * (n_kv * (d_n + d_r + d_v) + n_q * (d_n + d_r));
    stats->flops += 2 * n_kv * d_c * (d_n + d_v);
}

int attn_cpu_mla_naive(const attn_mla_dims *dims, const attn_mla_inputs *in, float *o,
                       attn_kernel_stats *stats)
{
    int rc = attn_mla_dims_check(dims);
    if (rc)
        return rc;
    attn_counter counter;
    attn_counter_begin(&counter);
    const attn_head_shape shape = attn_mla_head_shape(dims);
    const int64_t q_floats = shape.n_q * shape.d_qk, k_floats = shape.n_kv * shape.d_qk;
    const int64_t v_floats = shape.n_kv * shape.d_v;
    float *block = attn_kalloc((size_t)(q_floats + k_floats + v_floats + shape.n_q * shape.n_kv)
                               * sizeof *block);
    if (!block)
        return ATTN_ERR_NOMEM;
    const mla_head_ws ws = {.q = block, .k = block + q_floats, .v = block + q_floats + k_floats,
                            .scores = block + q_floats + k_floats + v_floats};
    for (int64_t b = 0; b < dims->batch; b++)
        for (int64_t h = 0; h < dims->heads; h++) {
            mla_decompress_head(dims, in, b, h, &ws);
            attn_dense_head(&shape, ws.q, ws.k, ws.v, ws.scores,
                            o + (b * dims->heads + h) * dims->n_q * dims->d_v);
            count_decompression(dims, &counter.stats);
            attn_dense_head_count(&shape, &counter.stats);
        }
    attn_kfree(block);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
