/* decode_lanes_body.h — decode with W query heads in the vector lanes, written once over
 * simd.h (the contract is decode_isa.h's lanes_chunk). Included by decode_body.h, whose 8-bit
 * conversions it uses, after tile_body.h, whose lane-wise online softmax it shares.
 *
 * The lanes hold one GQA group (8 heads under AVX2) or the groups of `parts` neighbouring KV
 * heads, and the cache is read in place: no fp32 tile is written and read back. A key row is
 * converted vector by vector as it loads, each vector multiplied into the accumulators of the
 * heads that share it (one per head), whose sums are gathered into one vector, the key's row
 * of S^T, so the online softmax runs along the lanes (tile_body.h's). Under AVX2, P·V keeps
 * acc[head][e] for two vectors of d_v and half the heads at a time (lanes_pv2), so each
 * broadcast weight serves two V vectors: 6 loads per 8 FMAs at GQA 8 instead of 9, at the
 * price of converting each V vector once per half; under AVX-512 it does so only for groups of
 * one or two heads (pv_in_pairs). W accumulators cover the FMA latency in both loops (two FMAs
 * a cycle, four cycles each). The same blocking of the scores (two keys, half the heads) was
 * measured 7% slower at GQA 8 under AVX2 and not kept (single thread, cache in L3); three keys
 * (12 accumulators, each Q vector from memory so that GCC does not spill one) 3% slower
 * (bench/decode_cycles): the lane sums it adds cost what its loads save. Under AVX-512 two keys
 * (2 x 8 accumulators of 32 registers) were within 1%, and not kept either.
 */

/* What dec_load leaves out of a stored value: e4m3 comes out / 256 (binary16 bits with no
 * rescale), which the scores and the weights put back once per key instead of once per
 * vector loaded. */
ATTN_SIMD_FN float BODY(dec_unit)(attn_dtype store)
{
    return store == ATTN_DTYPE_FP8 ? 256.0f : 1.0f;
}

/* W elements of a store-typed row from element `at`, / dec_unit (int8 unscaled). */
ATTN_SIMD_FN vf BODY(dec_load)(attn_dtype store, const void *row, size_t at)
{
    switch (store) {
    case ATTN_DTYPE_FP16:
        return vf_from_f16((const uint16_t *)row + at);
    case ATTN_DTYPE_BF16:
        return vf_from_bf16((const uint16_t *)row + at);
    case ATTN_DTYPE_FP8:
        return BODY(from_e4m3_over256)((const uint8_t *)row + at);
    case ATTN_DTYPE_FP8_E5M2:
        return BODY(from_e5m2)((const uint8_t *)row + at);
    case ATTN_DTYPE_INT8:
        return BODY(from_i8)((const uint8_t *)row + at);
    default:
        return vf_load((const float *)row + at);
    }
}

/* attn_dtype_size, inlined so that a constant store folds it */
ATTN_SIMD_FN size_t BODY(dec_size)(attn_dtype store)
{
    return store == ATTN_DTYPE_FP32 ? 4
           : store == ATTN_DTYPE_FP16 || store == ATTN_DTYPE_BF16 ? 2 : 1;
}

/* Elements [at, at + n) of a row, n < W, zero beyond, / dec_unit as dec_load's: a row's tail
 * never reads past it. */
ATTN_SIMD_FN vf BODY(dec_load_tail)(attn_dtype store, const void *row, size_t at, size_t n)
{
    float part[W];
    memset(part, 0, sizeof part);
    attn_dtype_to_f32(store, row, at, n, part);
    return vf_mul(vf_load(part), vf_set1(1.0f / BODY(dec_unit)(store)));
}

#if ATTN_SIMD_LANES >= 8
/* Lane h of the result = the sum of x[h]'s lanes, as a transpose that adds as it goes: pairs
 * interleaved and added, then quadruples, each within a 128-bit lane, then the 128-bit lanes
 * folded together. Under AVX2, 14 shuffles and 7 adds: six vhaddps (three rounds of pairwise
 * adds) were 1-9% slower per key at GQA 8, 5% in the median (fp16, one core,
 * bench/decode_cycles fp16 1, 13 alternating runs): llvm-mca -mcpu=znver3 puts the vhaddps
 * tree's 12 cycles on one FP pipe, these shuffles on two. Under AVX-512, 30 shuffles and 15
 * adds for 16 heads, where 16 separate reductions took about 8 operations each plus a trip
 * through memory (decode_peers.md, ninth pass). */
ATTN_SIMD_FN vf BODY(sum_four)(const vf *x)
{
#if ATTN_SIMD_LANES == 16
#define LANES_OP(op) _mm512_##op
#else
#define LANES_OP(op) _mm256_##op
#endif
    const vf ab = LANES_OP(add_ps)(LANES_OP(unpacklo_ps)(x[0], x[1]),
                                   LANES_OP(unpackhi_ps)(x[0], x[1]));
    const vf cd = LANES_OP(add_ps)(LANES_OP(unpacklo_ps)(x[2], x[3]),
                                   LANES_OP(unpackhi_ps)(x[2], x[3]));
    /* each 128-bit lane: heads 0-3 of x, their sums over that 128-bit lane */
    return LANES_OP(add_ps)(LANES_OP(shuffle_ps)(ab, cd, 0x44),
                            LANES_OP(shuffle_ps)(ab, cd, 0xee));
#undef LANES_OP
}

#if ATTN_SIMD_LANES == 16
/* 128-bit lanes [a0 + a1, a2 + a3, b0 + b1, b2 + b3] */
ATTN_SIMD_FN vf BODY(fold_lanes)(vf a, vf b)
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x88), _mm512_shuffle_f32x4(a, b, 0xdd));
}

ATTN_SIMD_FN vf BODY(sum_lanes)(const vf *x)
{
    const vf ab = BODY(fold_lanes)(BODY(sum_four)(x), BODY(sum_four)(x + 4));
    const vf cd = BODY(fold_lanes)(BODY(sum_four)(x + 8), BODY(sum_four)(x + 12));
    return BODY(fold_lanes)(ab, cd);
}
#else
ATTN_SIMD_FN vf BODY(sum_lanes)(const vf *x)
{
    const __m256 lo = BODY(sum_four)(x), hi = BODY(sum_four)(x + 4);
    return _mm256_add_ps(_mm256_permute2f128_ps(lo, hi, 0x20),
                         _mm256_permute2f128_ps(lo, hi, 0x31));
}
#endif
#else
ATTN_SIMD_FN vf BODY(sum_lanes)(const vf *x)
{
    float sums[W];
    for (int h = 0; h < W; h++)
        sums[h] = BODY(hsum)(x[h]);
    return vf_load(sums);
}
#endif

/* Part p's lines of row j's look-ahead K and V rows that start within bytes [from, to). */
ATTN_SIMD_FN void BODY(lanes_prefetch)(const attn_drows *rows, int64_t j, int p, size_t from,
                                       size_t to)
{
    for (size_t at = (from + 63) / 64 * 64; at < to; at += 64) {
        __builtin_prefetch((const char *)rows->k_ahead[j] + p * rows->k_part + at, 0, 1);
        __builtin_prefetch((const char *)rows->v_ahead[j] + p * rows->v_part + at, 0, 1);
    }
}

/* Row j's look-ahead, K and V rows of `bytes` for each of `parts` KV heads: issued now in one
 * burst when it is 8 lines or fewer (false returned), else left to be spread over the row as
 * its columns load (true). */
ATTN_SIMD_FN bool BODY(lanes_ahead)(const attn_drows *rows, int64_t j, const int parts,
                                    size_t bytes)
{
    if (rows->k_ahead[j] == NULL)
        return false;
    if (2 * (size_t)parts * ((bytes + 63) / 64) > 8)
        return true;
    for (int p = 0; p < parts; p++)
        BODY(lanes_prefetch)(rows, j, p, 0, bytes);
    return false;
}

/* S^T row j (x the scale of each lane's KV head), also returned: key j against the W heads'
 * Q rows of d elements. The lanes hold `parts` KV heads' groups of W / parts heads, each
 * against its own KV head's row (k_part bytes after the previous one's), converted as it
 * loads. Row j's look-ahead rows are prefetched line by line as the same columns of row j
 * load, not all before the row: issued in one burst, 16 to 64 prefetches to memory per row
 * outran the core's miss buffers over a paged pool, whose lines the hardware prefetcher does
 * not fetch, and stalled the loop behind them (perf: the hottest instruction of a paged call
 * was the one after the burst's first prefetch). 32/4 paged, t 65536 (fp32 32768), one core:
 * fp16 14.3-14.6 -> 13.2 ms, bf16 14.7-17.7 -> 13.5, fp32 10.8-11.1 -> 8.7-9.5; contiguous,
 * which the hardware prefetcher feeds too, the same. A look-ahead of 8 lines or fewer per row
 * keeps the burst: spread, 32/4 fp8 under AVX-512 (2 parts of 2 lines) ran 2-7% slower (one
 * core, L3 and DRAM), int8 paged no faster, and fp16 under AVX2 (1 part of 4 lines) 1.1x slower
 * paged (decode_peers.md, eleventh pass). */
ATTN_SIMD_FN vf BODY(lanes_score)(const attn_qtile *t, attn_dtype store,
                                  const attn_drows *rows, int64_t j, const float *k_scale,
                                  const int parts, const int64_t d)
{
    const int group = W / parts;
    const int64_t ldq = (d + W - 1) / W * W;
    const size_t size = BODY(dec_size)(store);
    const char *row = rows->k[j];
    const bool spread = BODY(lanes_ahead)(rows, j, parts, (size_t)d * size);
    vf acc[W];
#pragma GCC unroll 16
    for (int h = 0; h < W; h++)
        acc[h] = vf_set1(0.0f);
    const int64_t whole = d / W * W;
    for (int64_t e = 0; e < whole; e += W)
#pragma GCC unroll 16
        for (int p = 0; p < parts; p++) {
            if (spread)
                BODY(lanes_prefetch)(rows, j, p, (size_t)e * size, (size_t)(e + W) * size);
            const vf key = BODY(dec_load)(store, row + p * rows->k_part, (size_t)e);
#pragma GCC unroll 16
            for (int g = 0; g < group; g++)
                acc[p * group + g] =
                    vf_fma(key, vf_load(t->qt + (p * group + g) * ldq + e), acc[p * group + g]);
        }
    if (whole < d)
        for (int p = 0; p < parts; p++) {
            if (spread)
                BODY(lanes_prefetch)(rows, j, p, (size_t)whole * size, (size_t)d * size);
            const vf key = BODY(dec_load_tail)(store, row + p * rows->k_part, (size_t)whole,
                                               (size_t)(d - whole));
            for (int g = 0; g < group; g++)
                acc[p * group + g] = vf_fma(key, vf_load(t->qt + (p * group + g) * ldq + whole),
                                            acc[p * group + g]);
        }
    vf scores = BODY(sum_lanes)(acc);
    if (BODY(dec_unit)(store) != 1.0f)
        scores = vf_mul(scores, vf_set1(BODY(dec_unit)(store)));
    if (k_scale)
        scores = vf_mul(scores, vf_spread(k_scale + j * W, group));
    vf_store(t->st + j * W, scores);
    return scores;
}

#if ATTN_SIMD_LANES == 16
#include "decode_paired_body.h"
#endif

/* S^T rows 0 .. count - 1 for keys of d elements, then the online softmax over them, its
 * largest score gathered as the rows are written instead of in a pass of its own. Padding
 * lanes (zero Q rows) score 0 and enter that max; the softmax still gives their masked keys
 * weight 0, and their outputs are never read. */
ATTN_SIMD_FN void BODY(lanes_softmax_scores)(const attn_qtile *t, attn_dtype store,
                                             const attn_drows *rows, const float *k_scale,
                                             int64_t count, const int parts, const int64_t d)
{
    vf block_max = vf_set1(-INFINITY);
#if ATTN_SIMD_LANES == 16
    if (BODY(scores_paired)(store, parts, d, count))
        block_max = BODY(paired_chunk_scores)(t, store, rows, k_scale, count, d);
    else
#endif
        for (int64_t j = 0; j < count; j++)
            block_max = vf_max(block_max,
                               BODY(lanes_score)(t, store, rows, j, k_scale, parts, d));
    BODY(softmax_lanes_given)(t, 0, 0, count, block_max);
}

/* acc[h][e0 .. e0 + W) = acc · corr[h] + Σ_j P[j][h] · V_j[e0 ..] of h's KV head, converted as
 * loaded; n < W: the row's last n elements. */
ATTN_SIMD_FN void BODY(lanes_pv)(const attn_qtile *t, const attn_drows *rows, attn_dtype store,
                                 int64_t count, int64_t e0, int64_t n, const int parts)
{
    const int group = W / parts;
    float *const out = t->acc + e0;
    const int64_t ld = t->d_v_pad;
    vf acc[W];
#pragma GCC unroll 16
    for (int h = 0; h < W; h++)
        acc[h] = vf_mul(vf_load(out + h * ld), vf_set1(t->corr[h]));
    for (int64_t j = 0; j < count; j++) {
        const float *weight = t->st + j * W;
#pragma GCC unroll 16
        for (int p = 0; p < parts; p++) {
            const char *row = (const char *)rows->v[j] + p * rows->v_part;
            const vf value = n == W ? BODY(dec_load)(store, row, (size_t)e0)
                                    : BODY(dec_load_tail)(store, row, (size_t)e0, (size_t)n);
#pragma GCC unroll 16
            for (int g = 0; g < group; g++)
                acc[p * group + g] = vf_fma(vf_set1(weight[p * group + g]), value,
                                            acc[p * group + g]);
        }
    }
#pragma GCC unroll 16
    for (int h = 0; h < W; h++)
        vf_store(out + h * ld, acc[h]);
}

#if W >= 2
/* lanes_pv for two whole vectors of d_v, e0 and e0 + W, and half the heads, h0 .. h0 + W / 2:
 * each weight broadcast serves both vectors, so a key costs 2 V conversions (per KV head of
 * the half) and W / 2 broadcasts per W FMAs, where lanes_pv costs 1 and W per W. */
ATTN_SIMD_FN void BODY(lanes_pv2)(const attn_qtile *t, const attn_drows *rows, attn_dtype store,
                                  int64_t count, int64_t e0, const int h0, const int parts)
{
    enum { H = W / 2 };
    const int group = W / parts;
    float *const out = t->acc + e0;
    const int64_t ld = t->d_v_pad;
    vf lo[H], hi[H];
#pragma GCC unroll 16
    for (int h = 0; h < H; h++) {
        const vf corr = vf_set1(t->corr[h0 + h]);
        lo[h] = vf_mul(vf_load(out + (h0 + h) * ld), corr);
        hi[h] = vf_mul(vf_load(out + (h0 + h) * ld + W), corr);
    }
    for (int64_t j = 0; j < count; j++) {
        const float *weight = t->st + j * W + h0;
        vf v_lo = vf_set1(0.0f), v_hi = v_lo;
#pragma GCC unroll 16
        for (int h = 0; h < H; h++) {
            const int part = (h0 + h) / group;
            if (h == 0 || part != (h0 + h - 1) / group) {
                const char *row = (const char *)rows->v[j] + part * rows->v_part;
                v_lo = BODY(dec_load)(store, row, (size_t)e0);
                v_hi = BODY(dec_load)(store, row, (size_t)(e0 + W));
            }
            const vf w = vf_set1(weight[h]);
            lo[h] = vf_fma(w, v_lo, lo[h]);
            hi[h] = vf_fma(w, v_hi, hi[h]);
        }
    }
#pragma GCC unroll 16
    for (int h = 0; h < H; h++) {
        vf_store(out + (h0 + h) * ld, lo[h]);
        vf_store(out + (h0 + h) * ld + W, hi[h]);
    }
}
#endif

/* Whether P·V runs lanes_pv2 (two vectors of d_v, half the heads) rather than lanes_pv (one
 * vector, all heads). Under AVX2 always: at GQA 4 and MHA lanes_pv took 1.08-1.30x the time,
 * at GQA 8 the same. Under AVX-512 (Zen 4, which runs a 512-bit FMA as two 256-bit halves)
 * only when a part holds at most two heads: lanes_pv took 0.91-0.97x the time at GQA 16, 8
 * and 4, 0.98-0.99x at GQA 2 and 1.4x at MHA (bench/decode_cycles fp16, one core, alternating;
 * decode_peers.md, ninth pass). */
ATTN_SIMD_FN bool BODY(pv_in_pairs)(const int parts)
{
    return W == 8 || W / parts <= 2;
}

/* One chunk for one store type and one number of parts (constants once inlined, so no loop
 * branches on them). */
ATTN_SIMD_FN void BODY(lanes_typed)(const attn_qtile *t, const attn_drows *rows,
                                    attn_dtype store, const float *k_scale,
                                    const float *v_scale, int64_t count, const int parts)
{
    /* the common head dimension as a constant, so that its loops unroll (32 heads on 4 KV
     * heads, fp16, t 4096, one thread: 0.99 -> 0.94 ms) */
    if (t->d_qk == 128)
        BODY(lanes_softmax_scores)(t, store, rows, k_scale, count, parts, 128);
    else
        BODY(lanes_softmax_scores)(t, store, rows, k_scale, count, parts, t->d_qk);
    /* the weights x v_scale and x dec_unit, as the V rows are loaded without them */
    const vf unit = vf_set1(BODY(dec_unit)(store));
    for (int64_t j = 0; (v_scale || BODY(dec_unit)(store) != 1.0f) && j < count; j++) {
        const vf weight = vf_mul(vf_load(t->st + j * W), unit);
        vf_store(t->st + j * W,
                 v_scale ? vf_mul(weight, vf_spread(v_scale + j * W, W / parts)) : weight);
    }
    const int64_t whole = t->d_v / W * W;
    int64_t e0 = 0;
#if W >= 2
    for (; BODY(pv_in_pairs)(parts) && e0 + 2 * W <= whole; e0 += 2 * W) {
        BODY(lanes_pv2)(t, rows, store, count, e0, 0, parts);
        BODY(lanes_pv2)(t, rows, store, count, e0, W / 2, parts);
    }
#endif
    for (; e0 < whole; e0 += W)
        BODY(lanes_pv)(t, rows, store, count, e0, W, parts);
    if (whole < t->d_v)
        BODY(lanes_pv)(t, rows, store, count, whole, t->d_v - whole, parts);
}

ATTN_SIMD_FN void BODY(lanes_parts)(const attn_qtile *t, const attn_drows *rows,
                                    attn_dtype store, const float *k_scale,
                                    const float *v_scale, int64_t count, int parts)
{
    switch (parts) {
#if W >= 2
    case 2:
        BODY(lanes_typed)(t, rows, store, k_scale, v_scale, count, 2);
        break;
#endif
#if W >= 4
    case 4:
        BODY(lanes_typed)(t, rows, store, k_scale, v_scale, count, 4);
        break;
#endif
#if W >= 8
    case 8:
        BODY(lanes_typed)(t, rows, store, k_scale, v_scale, count, 8);
        break;
#endif
#if W >= 16
    case 16:
        BODY(lanes_typed)(t, rows, store, k_scale, v_scale, count, 16);
        break;
#endif
    default:
        BODY(lanes_typed)(t, rows, store, k_scale, v_scale, count, 1);
        break;
    }
}

static ATTN_SIMD_KERNEL void BODY(lanes_chunk)(const attn_qtile *t, const attn_drows *rows,
                                               attn_dtype store, const float *k_scale,
                                               const float *v_scale, int64_t count, int parts)
{
#define LANES(type) BODY(lanes_parts)(t, rows, type, k_scale, v_scale, count, parts)
    DEC_PER_STORE(store, LANES);
#undef LANES
}
