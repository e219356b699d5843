/* tile_math.c — the two small products of a tile: scores Q_tile K_block^T and P V_block.
 *
 * They run inside OpenMP regions, where calling the pthread OpenBLAS would oversubscribe the
 * cores, and a tile is small enough that a SIMD loop over the head dimension is the natural
 * shape. Probabilities that are exactly 0 (masked keys) are skipped. Absorbed MLA and FAVOR+
 * use them; flash and decode have register-blocked micro-kernels per instruction set (isa.h).
 */
#include "cpu_internal.h"

void attn_tile_scores(int64_t rows, int64_t cols, int64_t d, float scale, const float *q,
                      int64_t ldq, const float *k, int64_t ldk, float *s, int64_t lds)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *q_row = q + r * ldq;
        for (int64_t c = 0; c < cols; c++) {
            const float *k_row = k + c * ldk;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t e = 0; e < d; e++)
                dot += q_row[e] * k_row[e];
            s[r * lds + c] = scale * dot;
        }
    }
}

void attn_tile_accumulate(int64_t rows, int64_t cols, int64_t d_v, const float *p, int64_t ldp,
                          const float *v, int64_t ldv, float *acc, int64_t ldacc)
{
    for (int64_t r = 0; r < rows; r++) {
        float *acc_row = acc + r * ldacc;
        for (int64_t c = 0; c < cols; c++) {
            float weight = p[r * ldp + c];
            if (weight == 0.0f)
                continue;
            const float *v_row = v + c * ldv;
#pragma omp simd
            for (int64_t e = 0; e < d_v; e++)
                acc_row[e] += weight * v_row[e];
        }
    }
}
