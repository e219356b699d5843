/* favor.c — the FAVOR+ feature map and its state, shared by Performer prefill and decode.
 *
 * phi(x) = exp(w·x' - |x'|²/2 - shift) / sqrt(m), x' = x / d^(1/4), so that
 * E[phi(q)·phi(k)] ∝ exp(q·k / sqrt(d)). The exponents can be large, so a query subtracts its
 * own max over features, and the key state (S = Σ phi(k) v^T, z = Σ phi(k)) is kept relative
 * to a running max over all keys absorbed so far, rescaled whenever it grows: the same
 * constant divides numerator and denominator, so it cancels. Runs inside OpenMP regions.
 */
#include <math.h>
#include <string.h>

#include "cpu_internal.h"

/* u[r][f] = w_f·x_r' - |x_r'|²/2 for `rows` rows of x; returns the largest. */
static float favor_exponents(const attn_favor *fv, const float *x, int64_t rows, float *u)
{
    const float input_scale = 1.0f / sqrtf(sqrtf((float)fv->d_qk));
    attn_tile_scores(rows, fv->m, fv->d_qk, input_scale, x, fv->d_qk, fv->omega, fv->d_qk, u,
                     fv->m);
    float max = -INFINITY;
    for (int64_t r = 0; r < rows; r++) {
        float norm2 = 0.0f;
        for (int64_t e = 0; e < fv->d_qk; e++)
            norm2 += x[r * fv->d_qk + e] * x[r * fv->d_qk + e];
        const float half_norm2 = 0.5f * norm2 * input_scale * input_scale;
        for (int64_t f = 0; f < fv->m; f++) {
            u[r * fv->m + f] -= half_norm2;
            max = fmaxf(max, u[r * fv->m + f]);
        }
    }
    return max;
}

void attn_favor_state_init(const attn_favor *fv, attn_favor_state state)
{
    memset(state.s, 0, (size_t)(fv->m * fv->d_v) * sizeof *state.s);
    memset(state.z, 0, (size_t)fv->m * sizeof *state.z);
    *state.shift = -INFINITY;
}

void attn_favor_absorb(const attn_favor *fv, const float *k, const float *v, int64_t rows,
                       float *u, attn_favor_state state)
{
    const int64_t m = fv->m, d_v = fv->d_v;
    const float block_max = favor_exponents(fv, k, rows, u);
    if (block_max > *state.shift) {
        const float rescale = expf(*state.shift - block_max);
        for (int64_t e = 0; e < m * d_v; e++)
            state.s[e] *= rescale;
        for (int64_t f = 0; f < m; f++)
            state.z[f] *= rescale;
        *state.shift = block_max;
    }
    const float norm = 1.0f / sqrtf((float)m);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t f = 0; f < m; f++) {
            const float phi = expf(u[r * m + f] - *state.shift) * norm;
            state.z[f] += phi;
#pragma omp simd
            for (int64_t e = 0; e < d_v; e++)
                state.s[f * d_v + e] += phi * v[r * d_v + e];
        }
}

void attn_favor_readout(const attn_favor *fv, const float *q, int64_t rows, float *u,
                        attn_favor_state state, float *o)
{
    const int64_t m = fv->m, d_v = fv->d_v;
    const float norm = 1.0f / sqrtf((float)m);
    favor_exponents(fv, q, rows, u);
    memset(o, 0, (size_t)(rows * d_v) * sizeof *o);
    for (int64_t r = 0; r < rows; r++) {
        float *phi = u + r * m;
        float max = -INFINITY;
        for (int64_t f = 0; f < m; f++)
            max = fmaxf(max, phi[f]);
        float denominator = 0.0f;
        for (int64_t f = 0; f < m; f++) {
            phi[f] = expf(phi[f] - max) * norm;
            denominator += phi[f] * state.z[f];
        }
        attn_tile_accumulate(1, m, d_v, phi, m, state.s, d_v, o + r * d_v, d_v);
        const float inverse = denominator > 0.0f ? 1.0f / denominator : 0.0f;
        for (int64_t e = 0; e < d_v; e++)
            o[r * d_v + e] *= inverse;
    }
}

void attn_favor_count(const attn_favor *fv, uint64_t key_rows, uint64_t query_rows,
                      attn_kernel_stats *stats)
{
    const uint64_t m = (uint64_t)fv->m, d_qk = (uint64_t)fv->d_qk, d_v = (uint64_t)fv->d_v;
    /* z = Σ φ(k) is the state update with a column of ones: 2m per key row, as the
     * normaliser φ(q)·z is 2m per query row */
    stats->flops += 2 * m * (d_qk + d_v + 1) * (key_rows + query_rows);
    stats->other_flops += 3 * m * (key_rows + query_rows) + d_v * query_rows;
}
