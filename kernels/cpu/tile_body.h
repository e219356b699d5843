/* tile_body.h — the flash/decode tile kernels, written once over simd.h's operations.
 *
 * Included by one file per instruction set (isa_avx512.c, isa_avx2.c, isa_scalar.c), which
 * first sets ATTN_SIMD_LANES, ATTN_SIMD_TARGET, ATTN_SIMD_NAME and the register blocking:
 * SC_MR keys × SC_NR vectors of query rows for the scores, PV_MR query rows × PV_NR vectors
 * of the head dimension for P·V. Each micro-tile keeps its SC_MR·SC_NR (PV_MR·PV_NR)
 * accumulators in registers for the whole reduction, broadcasting one operand from memory
 * (K rows, S^T rows) and loading the other as vectors (Q^T rows, V rows), so no operand is
 * repacked per block. exp is a Cephes-style polynomial (about 1 ulp) on the lanes.
 */
#include <math.h>
#include <string.h>

#include "isa.h"
#include "simd.h"

_Static_assert((SC_NR * ATTN_SIMD_LANES) % PV_MR == 0, "a P·V micro-tile must lie in one row group");

#define W ATTN_SIMD_LANES
#define BODY_CAT2(a, b) a##_##b
#define BODY_CAT(a, b) BODY_CAT2(a, b)
#define BODY(name) BODY_CAT(name, ATTN_SIMD_NAME)

/* e^x for x <= 0 (and -inf): exactly 0 below -87.3, where e^x leaves the normal floats. */
ATTN_SIMD_FN vf BODY(v_exp)(vf x)
{
    const vf low = vf_set1(-87.3f);
    vf xc = vf_max(x, low);
    vf n = vf_round(vf_mul(xc, vf_set1(1.44269504088896341f)));
    vf r = vf_fma(n, vf_set1(-0.693359375f), xc);
    r = vf_fma(n, vf_set1(2.12194440e-4f), r);
    /* the polynomial in Estrin's order: three FMAs deep where Horner's was six, so more
     * exponentials are in flight at once (decode in lanes, GQA 8, one core: the softmax went
     * from 4.7 to 3.9 ns per key and KV head, bench/decode_cycles) */
    const vf r2 = vf_mul(r, r);
    const vf lo = vf_fma(vf_set1(1.6666665459e-1f), r, vf_set1(5.0000001201e-1f));
    const vf mid = vf_fma(vf_set1(8.3334519073e-3f), r, vf_set1(4.1665795894e-2f));
    const vf hi = vf_fma(vf_set1(1.9875691500e-4f), r, vf_set1(1.3981999507e-3f));
    vf p = vf_fma(vf_fma(hi, r2, mid), r2, lo);
    p = vf_fma(p, r2, vf_add(r, vf_set1(1.0f)));
    return vf_select_lt(x, low, vf_set1(0.0f), vf_ldexp(p, n));
}

/* Keys of the block that some row in [r0, r_end) sees: the last real row sees the most. */
static inline int64_t BODY(visible_cols)(const attn_qtile *t, int64_t r_end, int64_t key0,
                                         int64_t cols)
{
    int64_t last = (r_end < t->rows ? r_end : t->rows) - 1;
    int64_t seen = (int64_t)t->limit[last] - key0;
    return seen < 0 ? 0 : (seen < cols ? seen : cols);
}

/* S^T rows c0 .. c0 + SC_MR - 1, lanes r0 .. r0 + SC_NR·W - 1. Keys past the block repeat
 * its last key (their rows of S^T are never read). */
ATTN_SIMD_FN void BODY(scores_tile)(const attn_qtile *t, const float *k, int64_t ldk,
                                    int64_t c0, int64_t cols, int64_t r0)
{
    const int64_t rp = t->rows_pad;
    const float *row[SC_MR];
    for (int i = 0; i < SC_MR; i++)
        row[i] = k + (c0 + i < cols ? c0 + i : cols - 1) * ldk;
    vf acc[SC_MR][SC_NR];
    for (int i = 0; i < SC_MR; i++)
        for (int j = 0; j < SC_NR; j++)
            acc[i][j] = vf_set1(0.0f);
    const float *qt = t->qt + r0;
    for (int64_t e = 0; e < t->d_qk; e++) {
        vf q[SC_NR];
        for (int j = 0; j < SC_NR; j++)
            q[j] = vf_load(qt + e * rp + j * W);
        for (int i = 0; i < SC_MR; i++) {
            vf key = vf_set1(row[i][e]);
            for (int j = 0; j < SC_NR; j++)
                acc[i][j] = vf_fma(key, q[j], acc[i][j]);
        }
    }
    for (int i = 0; i < SC_MR; i++)
        for (int j = 0; j < SC_NR; j++)
            vf_store(t->st + (c0 + i) * rp + r0 + j * W, acc[i][j]);
}

/* The fewest keys any of lanes r0 .. r0 + W - 1 sees. */
static inline int32_t BODY(lowest_limit)(const attn_qtile *t, int64_t r0)
{
    int32_t lowest = t->limit[r0];
    for (int i = 1; i < W; i++)
        lowest = t->limit[r0 + i] < lowest ? t->limit[r0 + i] : lowest;
    return lowest;
}

/* Online softmax of lanes r0 .. r0 + W - 1 over keys [0, c_end) of the block (c_end covers
 * every key they see), given the lanes' largest score among the keys they see (block_max);
 * masked keys weigh 0. */
ATTN_SIMD_FN void BODY(softmax_lanes_given)(const attn_qtile *t, int64_t r0, int64_t key0,
                                            int64_t c_end, vf block_max)
{
    const int64_t rp = t->rows_pad;
    const vi limit = vi_load(t->limit + r0);
    const bool masked = key0 + c_end > (int64_t)BODY(lowest_limit)(t, r0);
    float *s = t->st + r0;
    const vf old_max = vf_load(t->m + r0);
    const vf new_max = vf_max(old_max, block_max);
    /* a row that has seen nothing yet keeps -inf, and exponentiates against 0 (all give 0) */
    const vf shift = vf_select_lt(new_max, vf_set1(-3.0e38f), vf_set1(0.0f), new_max);
    vf sum = vf_set1(0.0f);
    for (int64_t c = 0; c < c_end; c++) {
        vf p = BODY(v_exp)(vf_sub(vf_load(s + c * rp), shift));
        if (masked)
            p = vf_keep_below(p, (int32_t)(key0 + c), limit, vf_set1(0.0f));
        sum = vf_add(sum, p);
        vf_store(s + c * rp, p);
    }
    const vf corr = BODY(v_exp)(vf_sub(old_max, shift));
    vf_store(t->corr + r0, corr);
    vf_store(t->l + r0, vf_fma(vf_load(t->l + r0), corr, sum));
    vf_store(t->m + r0, new_max);
}

/* softmax_lanes_given, finding the lanes' largest visible score first. */
ATTN_SIMD_FN void BODY(softmax_lanes)(const attn_qtile *t, int64_t r0, int64_t key0,
                                      int64_t c_end)
{
    const int64_t rp = t->rows_pad;
    const vi limit = vi_load(t->limit + r0);
    const vf none = vf_set1(-INFINITY);
    const bool masked = key0 + c_end > (int64_t)BODY(lowest_limit)(t, r0);
    const float *s = t->st + r0;
    vf block_max = none;
    for (int64_t c = 0; c < c_end; c++) {
        vf x = vf_load(s + c * rp);
        if (masked)
            x = vf_keep_below(x, (int32_t)(key0 + c), limit, none);
        block_max = vf_max(block_max, x);
    }
    BODY(softmax_lanes_given)(t, r0, key0, c_end, block_max);
}

/* acc rows r0 .. r0 + PV_MR - 1, columns e0 .. e0 + PV_NR·W - 1: acc = acc · corr (on the
 * block's first chunk, c0 == 0) + Σ_{c0 <= c < c_end} S^T[c][r] · V[c]. `tail` loads V only
 * up to d_v. */
ATTN_SIMD_FN void BODY(pv_tile)(const attn_qtile *t, const float *v, int64_t ldv, int64_t r0,
                                int64_t e0, int64_t c0, int64_t c_end, bool tail)
{
    const int64_t rp = t->rows_pad;
    int width[PV_NR];
    for (int j = 0; j < PV_NR; j++) {
        int64_t left = t->d_v - e0 - j * W;
        width[j] = left <= 0 ? 0 : (left < W ? (int)left : W);
    }
    vf acc[PV_MR][PV_NR];
    for (int i = 0; i < PV_MR; i++)
        for (int j = 0; j < PV_NR; j++)
            acc[i][j] = vf_set1(0.0f);
    for (int64_t c = c0; c < c_end; c++) {
        const float *v_row = v + c * ldv + e0;
        vf val[PV_NR];
        for (int j = 0; j < PV_NR; j++)
            val[j] = !tail ? vf_load(v_row + j * W)
                           : (width[j] ? vf_load_first(v_row + j * W, width[j]) : vf_set1(0.0f));
        const float *p = t->st + c * rp + r0;
        for (int i = 0; i < PV_MR; i++) {
            vf weight = vf_set1(p[i]);
            for (int j = 0; j < PV_NR; j++)
                acc[i][j] = vf_fma(weight, val[j], acc[i][j]);
        }
    }
    for (int i = 0; i < PV_MR; i++) {
        float *out = t->acc + (r0 + i) * t->d_v_pad + e0;
        vf corr = vf_set1(c0 == 0 ? t->corr[r0 + i] : 1.0f);
        for (int j = 0; j < PV_NR; j++)
            vf_store(out + j * W, vf_fma(vf_load(out + j * W), corr, acc[i][j]));
    }
}

enum { PV_KC = 64 }; /* keys per P·V chunk: 64 × 32 columns of V = 8 KiB */

/* Query rows go in groups of SC_NR·W (the row quantum): the group's scores are computed up to
 * the last key its last row sees, and its softmax lanes weigh exactly those keys, so every
 * P·V micro-tile (PV_MR rows inside one group) reads only weights its softmax wrote. */
static ATTN_SIMD_KERNEL void BODY(block)(const attn_qtile *t, const float *k, int64_t ldk,
                                         const float *v, int64_t ldv, int64_t key0,
                                         int64_t cols)
{
    for (int64_t g0 = 0; g0 < t->rows; g0 += SC_NR * W) {
        const int64_t c_end = BODY(visible_cols)(t, g0 + SC_NR * W, key0, cols);
        for (int64_t c0 = 0; c0 < c_end; c0 += SC_MR)
            BODY(scores_tile)(t, k, ldk, c0, cols, g0);
        for (int64_t r0 = g0; r0 < g0 + SC_NR * W && r0 < t->rows; r0 += W)
            BODY(softmax_lanes)(t, r0, key0, c_end);
    }
    /* P·V in chunks of PV_KC keys, so that a chunk's V columns stay in L1 across row groups */
    const int64_t full_cols = t->d_v / (PV_NR * W) * (PV_NR * W);
    for (int64_t c0 = 0; c0 == 0 || c0 < cols; c0 += PV_KC)
        for (int64_t e0 = 0; e0 < t->d_v; e0 += PV_NR * W)
            for (int64_t r0 = 0; r0 < t->rows; r0 += PV_MR) {
                const int64_t seen = BODY(visible_cols)(t, r0 + PV_MR, key0, cols);
                const int64_t c_end = seen < c0 + PV_KC ? seen : c0 + PV_KC;
                if (c0 > 0 && c_end <= c0)
                    continue;
                if (e0 < full_cols)
                    BODY(pv_tile)(t, v, ldv, r0, e0, c0, c_end, false);
                else
                    BODY(pv_tile)(t, v, ldv, r0, e0, c0, c_end, true);
            }
}

static ATTN_SIMD_KERNEL void BODY(to_f32)(attn_dtype store, const void *src, size_t first,
                                          size_t count, float *dst)
{
    const size_t whole = count / W * W;
    if (store == ATTN_DTYPE_FP32) {
        memcpy(dst, (const float *)src + first, count * sizeof *dst);
        return;
    }
    const uint16_t *halves = (const uint16_t *)src + first;
    const bool f16 = store == ATTN_DTYPE_FP16;
    for (size_t i = 0; i < whole; i += W)
        vf_store(dst + i, f16 ? vf_from_f16(halves + i) : vf_from_bf16(halves + i));
    for (size_t i = whole; i < count; i++)
        dst[i] = f16 ? attn_f16_to_f32(halves[i]) : attn_bf16_to_f32(halves[i]);
}

const attn_isa BODY(attn_isa) = {
    .name = ATTN_SIMD_STR,
    .row_quantum = SC_NR * W,
    .col_quantum = PV_NR * W,
    .key_quantum = SC_MR,
    .block = BODY(block),
    .to_f32 = BODY(to_f32),
};
