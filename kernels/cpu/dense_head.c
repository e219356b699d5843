/* dense_head.c — standard attention for one head: the n_q×n_kv scores materialised.
 *
 * This is FlashAttention's Algorithm 0, the baseline that the other kernels are measured
 * against; standard, low-rank and naive MLA all end in it. The GEMMs go to OpenBLAS (which
 * threads them), the row softmax to OpenMP. Causal masking happens inside the full S, so the
 * traffic and FLOPs do not depend on the mask.
 */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "cpu_internal.h"

/* Below this many scores, threading the softmax costs more than it saves. */
#define PARALLEL_SOFTMAX_MIN 16384

void attn_dense_head(const attn_head_shape *shape, const float *q, const float *k,
                     const float *v, float *s, float *o)
{
    const int64_t n_q = shape->n_q, n_kv = shape->n_kv;
    if (n_q == 0)
        return;
    if (n_kv == 0) {
        memset(o, 0, (size_t)(n_q * shape->d_v) * sizeof *o);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_q, (int)n_kv, (int)shape->d_qk,
                1.0f / sqrtf((float)shape->d_qk), q, (int)shape->d_qk, k, (int)shape->d_qk,
                0.0f, s, (int)n_kv);
#pragma omp parallel for if (n_q * n_kv >= PARALLEL_SOFTMAX_MIN)
    for (int64_t i = 0; i < n_q; i++)
        attn_softmax_row(s + i * n_kv, attn_visible_keys(shape, i), n_kv);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_q, (int)shape->d_v, (int)n_kv,
                1.0f, s, (int)n_kv, v, (int)shape->d_v, 0.0f, o, (int)shape->d_v);
}

void attn_dense_head_count(const attn_head_shape *shape, attn_kernel_stats *stats)
{
    const uint64_t n_q = (uint64_t)shape->n_q, n_kv = (uint64_t)shape->n_kv;
    const uint64_t d_qk = (uint64_t)shape->d_qk, d_v = (uint64_t)shape->d_v;
    const uint64_t scores = n_q * n_kv;
    stats->bytes_read += 4 * (n_q * d_qk + n_kv * d_qk + n_kv * d_v + 2 * scores);
    stats->bytes_written += 4 * (2 * scores + n_q * d_v);
    stats->flops += 2 * scores * (d_qk + d_v);
    stats->other_flops += 5 * scores;
}
