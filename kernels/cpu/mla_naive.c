/* mla_naive.c — MLA computed the way a decompressed cache serves it.
 *
 * Each head's keys [c W_UK^T | k_r] and values c W_UV^T are rebuilt from the latents (what a
 * decompressed cache stores per token), then exact attention runs on them with
 * d_qk = d_n + d_r and one KV head per query head: FlashAttention-2 in prefill (as vLLM runs
 * MLA prefill: decompress, then flash attention), flash-decoding over the decompressed cache in
 * decode (the ops layer builds that cache once, as a cache would be). This is the baseline
 * absorbed MLA is tested against (same weights, same output) and shows what absorption saves.
 */
#include <string.h>

#include <cblas.h>

#include "cpu_internal.h"

/* The decompressed K, V and concatenated Q of head h of sequence b, in the exact kernels'
 * layouts (Q [b][h][n_q][d_qk], K [b][h][n_kv][d_qk], V [b][h][n_kv][d_v]). */
static void mla_decompress_head(const attn_mla_dims *d, const attn_mla_inputs *in, int64_t b,
                                int64_t h, float *q_out, float *k_out, float *v_out)
{
    const int64_t d_qk = d->d_n + d->d_r;
    const float *c = in->c + b * d->n_kv * d->d_c;
    const float *k_r = in->k_r + b * d->n_kv * d->d_r;
    const float *q_n = in->q_n + (b * d->heads + h) * d->n_q * d->d_n;
    const float *q_r = in->q_r + (b * d->heads + h) * d->n_q * d->d_r;
    float *q = q_out + (b * d->heads + h) * d->n_q * d_qk;
    float *k = k_out + (b * d->heads + h) * d->n_kv * d_qk;
    float *v = v_out + (b * d->heads + h) * d->n_kv * d->d_v;
    if (d->n_kv > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d->n_kv, (int)d->d_n,
                    (int)d->d_c, 1.0f, c, (int)d->d_c, in->w_uk + h * d->d_n * d->d_c,
                    (int)d->d_c, 0.0f, k, (int)d_qk);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d->n_kv, (int)d->d_v,
                    (int)d->d_c, 1.0f, c, (int)d->d_c, in->w_uv + h * d->d_v * d->d_c,
                    (int)d->d_c, 0.0f, v, (int)d->d_v);
    }
    for (int64_t j = 0; j < d->n_kv; j++)
        memcpy(k + j * d_qk + d->d_n, k_r + j * d->d_r, (size_t)d->d_r * sizeof(float));
    for (int64_t i = 0; i < d->n_q; i++) {
        memcpy(q + i * d_qk, q_n + i * d->d_n, (size_t)d->d_n * sizeof(float));
        memcpy(q + i * d_qk + d->d_n, q_r + i * d->d_r, (size_t)d->d_r * sizeof(float));
    }
}

attn_dims attn_mla_naive_dims(const attn_mla_dims *d)
{
    attn_dims e = {d->batch, d->heads, d->heads, d->n_q, d->n_kv, d->d_n + d->d_r, d->d_v,
                   d->causal};
    return e;
}

void attn_mla_decompress(const attn_mla_dims *dims, const attn_mla_inputs *in, float *q,
                         float *k, float *v)
{
    for (int64_t b = 0; b < dims->batch; b++)
        for (int64_t h = 0; h < dims->heads; h++)
            mla_decompress_head(dims, in, b, h, q, k, v);
}

static void count_decompression(const attn_mla_dims *d, attn_kernel_stats *stats)
{
    const uint64_t heads = (uint64_t)(d->batch * d->heads);
    const uint64_t n_kv = (uint64_t)d->n_kv, n_q = (uint64_t)d->n_q;
    const uint64_t d_c = (uint64_t)d->d_c, d_r = (uint64_t)d->d_r;
    const uint64_t d_n = (uint64_t)d->d_n, d_v = (uint64_t)d->d_v;
    stats->bytes_read += 4 * heads * (2 * n_kv * d_c + n_kv * d_r + d_c * (d_n + d_v)
                                      + n_q * (d_n + d_r));
    stats->bytes_written += 4 * heads * (n_kv * (d_n + d_r + d_v) + n_q * (d_n + d_r));
    stats->flops += 2 * heads * n_kv * d_c * (d_n + d_v);
}

int attn_cpu_mla_naive(const attn_mla_dims *dims, const attn_mla_inputs *in, size_t sram_bytes,
                       float *o, attn_kernel_stats *stats)
{
    int rc = attn_mla_dims_check(dims);
    if (rc)
        return rc;
    attn_counter counter;
    attn_counter_begin(&counter);
    const attn_dims e = attn_mla_naive_dims(dims);
    const int64_t q_floats = e.batch * e.heads * e.n_q * e.d_qk;
    const int64_t k_floats = e.batch * e.heads * e.n_kv * e.d_qk;
    float *q = attn_kalloc((size_t)(q_floats + k_floats + e.batch * e.heads * e.n_kv * e.d_v)
                           * sizeof *q);
    if (!q)
        return ATTN_ERR_NOMEM;
    attn_mla_decompress(dims, in, q, q + q_floats, q + q_floats + k_floats);
    count_decompression(dims, &counter.stats);
    attn_kernel_stats flash;
    rc = attn_cpu_flash(&e, sram_bytes, q, q + q_floats, q + q_floats + k_floats, o, &flash);
    attn_counter_add(&counter, &flash);
    attn_kfree(q);
    attn_counter_end(&counter, stats);
    return rc;
}
