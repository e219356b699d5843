/* decode_body.h — decode's chunk kernel and 8/16-bit cache conversion, written once over
 * simd.h (see decode_isa.h for the contract). Included by isa_*.c after tile_body.h, whose
 * vector exp it uses.
 *
 * Scores: 4 keys x 2 heads of accumulators, each key vector loaded once for both heads, each
 * query vector once for the 4 keys (a lone head, as in MHA, runs 4 keys x 1). A group of 8
 * heads thus reads each key row from L1 four times per chunk, never from memory twice.
 */
#include "decode_isa.h"

/* scores: DEC_TJ keys x DEC_GB heads; P·V: DEC_GB heads x DEC_NE vectors of d_v (AVX2's 16
 * registers hold 2 x 4 accumulators beside the operands; AVX-512's 32 hold 2 x 8) */
enum { DEC_TJ = 4, DEC_GB = 2, DEC_NE = W == 16 ? 8 : 4 };

#if ATTN_SIMD_LANES == 16
ATTN_SIMD_FN float BODY(hsum)(vf x) { return _mm512_reduce_add_ps(x); }
ATTN_SIMD_FN vf BODY(from_i8)(const uint8_t *p)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p)));
}
ATTN_SIMD_FN vf BODY(from_e5m2)(const uint8_t *p)
{
    __m256i wide = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)p));
    return _mm512_cvtph_ps(_mm256_slli_epi16(wide, 8));
}
/* e4m3 bits s.eeee.mmm moved to binary16's s.0eeee.mmm0000000 are the same value / 256,
 * subnormals included (OFP8 e4m3 bias 7, binary16 bias 15): the byte, sign-extended to 16
 * bits, moves up by 7, which leaves copies of the sign in the two top bits, and the lower copy
 * (the exponent's top bit) is cleared. Four operations where a zero extension, two shifts and
 * the mask took five. The NaN code would read 480; the encoder writes it only for a NaN
 * input. */
ATTN_SIMD_FN vf BODY(from_e4m3_over256)(const uint8_t *p)
{
    __m256i up = _mm256_slli_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p)), 7);
    return _mm512_cvtph_ps(_mm256_and_si256(up, _mm256_set1_epi16((short)0xbfff)));
}
#elif ATTN_SIMD_LANES == 8
ATTN_SIMD_FN float BODY(hsum)(vf x)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
ATTN_SIMD_FN vf BODY(from_i8)(const uint8_t *p)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}
ATTN_SIMD_FN vf BODY(from_e5m2)(const uint8_t *p)
{
    __m128i wide = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)p));
    return _mm256_cvtph_ps(_mm_slli_epi16(wide, 8));
}
ATTN_SIMD_FN vf BODY(from_e4m3_over256)(const uint8_t *p)
{
    __m128i up = _mm_slli_epi16(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)), 7);
    return _mm256_cvtph_ps(_mm_and_si128(up, _mm_set1_epi16((short)0xbfff)));
}
#else
ATTN_SIMD_FN float BODY(hsum)(vf x) { return x; }
ATTN_SIMD_FN vf BODY(from_i8)(const uint8_t *p) { return (float)(int8_t)*p; }
ATTN_SIMD_FN vf BODY(from_e5m2)(const uint8_t *p) { return attn_e5m2_to_f32(*p); }
ATTN_SIMD_FN vf BODY(from_e4m3_over256)(const uint8_t *p)
{
    return attn_e4m3_to_f32(*p) / 256.0f;
}
#endif

ATTN_SIMD_FN vf BODY(from_e4m3)(const uint8_t *p)
{
    return vf_mul(BODY(from_e4m3_over256)(p), vf_set1(256.0f));
}

/* x, pinned in a register: GCC otherwise folds one load into each of the FMAs that share it,
 * and the load ports, not the FMA pipes, bound the chunk kernel (2 loads per FMA). */
ATTN_SIMD_FN vf BODY(in_reg)(vf x)
{
#if ATTN_SIMD_LANES > 1 && defined(__x86_64__)
    __asm__("" : "+v"(x));
#endif
    return x;
}

/* s[g][j] = k_j · q_g (x k_scale[j]) for keys j0 .. j0 + 3 and heads g0 .. g0 + gb - 1; keys
 * past count repeat the last one and are not stored. */
ATTN_SIMD_FN void BODY(dec_scores)(const attn_dtile *t, const float *k, const float *k_scale,
                                   int64_t count, int64_t j0, int64_t g0, const int gb)
{
    const float *key[DEC_TJ], *query[DEC_GB];
    for (int i = 0; i < DEC_TJ; i++)
        key[i] = k + (j0 + i < count ? j0 + i : count - 1) * t->ldq;
    for (int g = 0; g < gb; g++)
        query[g] = t->q + (g0 + g) * t->ldq;
    vf acc[DEC_TJ][DEC_GB];
    for (int i = 0; i < DEC_TJ; i++)
        for (int g = 0; g < gb; g++)
            acc[i][g] = vf_set1(0.0f);
    for (int64_t e = 0; e < t->ldq; e += W) {
        vf qv[DEC_GB];
#pragma GCC unroll 2
        for (int g = 0; g < gb; g++)
            qv[g] = vf_load(query[g] + e);
#pragma GCC unroll 4
        for (int i = 0; i < DEC_TJ; i++) {
            const vf kv = BODY(in_reg)(vf_load(key[i] + e));
#pragma GCC unroll 2
            for (int g = 0; g < gb; g++)
                acc[i][g] = vf_fma(kv, qv[g], acc[i][g]);
        }
    }
    for (int g = 0; g < gb; g++)
        for (int i = 0; i < DEC_TJ && j0 + i < count; i++) {
            float score = BODY(hsum)(acc[i][g]);
            t->s[(g0 + g) * DECODE_CHUNK + j0 + i] = k_scale ? score * k_scale[j0 + i] : score;
        }
}

/* Online softmax of head g over the chunk's count scores: they become weights (x v_scale),
 * corr[g] the factor that rescales acc. Scores past count are -inf, so weigh 0. */
ATTN_SIMD_FN void BODY(dec_softmax)(const attn_dtile *t, int64_t g, const float *v_scale,
                                    int64_t count)
{
    float *s = t->s + g * DECODE_CHUNK;
    float block_max = -INFINITY;
    for (int64_t j = 0; j < count; j++)
        block_max = s[j] > block_max ? s[j] : block_max;
    for (int64_t j = count; j < DECODE_CHUNK; j++)
        s[j] = -INFINITY;
    const float new_max = t->m[g] > block_max ? t->m[g] : block_max;
    const float shift = new_max == -INFINITY ? 0.0f : new_max;
    vf sum = vf_set1(0.0f);
    for (int64_t j = 0; j < DECODE_CHUNK; j += W) {
        vf p = BODY(v_exp)(vf_sub(vf_load(s + j), vf_set1(shift)));
        sum = vf_add(sum, p);
        vf_store(s + j, p);
    }
    if (v_scale)
        for (int64_t j = 0; j < count; j++)
            s[j] *= v_scale[j];
    const float corr = t->m[g] == -INFINITY ? 0.0f : expf(t->m[g] - shift);
    t->corr[g] = corr;
    t->l[g] = t->l[g] * corr + BODY(hsum)(sum);
    t->m[g] = new_max;
}

/* acc rows g0 .. g0 + gn - 1, columns [e0, e0 + ne·W): acc = acc · corr + Σ_j w[g][j] · v_j.
 * Two heads share each V vector load, so P·V needs fewer loads than FMAs. */
ATTN_SIMD_FN void BODY(dec_pv)(const attn_dtile *t, int64_t g0, const int gn, const float *v,
                               int64_t count, int64_t e0, const int ne)
{
    vf acc[DEC_GB][DEC_NE];
#pragma GCC unroll 2
    for (int g = 0; g < gn; g++) {
        const vf corr = vf_set1(t->corr[g0 + g]);
        const float *out = t->acc + (g0 + g) * t->ldo + e0;
#pragma GCC unroll 8
        for (int i = 0; i < ne; i++)
            acc[g][i] = vf_mul(vf_load(out + i * W), corr);
    }
    for (int64_t j = 0; j < count; j++) {
        const float *row = v + j * t->ldo + e0;
        vf weight[DEC_GB];
#pragma GCC unroll 2
        for (int g = 0; g < gn; g++)
            weight[g] = vf_set1(t->s[(g0 + g) * DECODE_CHUNK + j]);
#pragma GCC unroll 8
        for (int i = 0; i < ne; i++) {
            const vf value = BODY(in_reg)(vf_load(row + i * W));
#pragma GCC unroll 2
            for (int g = 0; g < gn; g++)
                acc[g][i] = vf_fma(weight[g], value, acc[g][i]);
        }
    }
#pragma GCC unroll 2
    for (int g = 0; g < gn; g++)
#pragma GCC unroll 8
        for (int i = 0; i < ne; i++)
            vf_store(t->acc + (g0 + g) * t->ldo + e0 + i * W, acc[g][i]);
}

/* P·V of heads g0 .. g0 + gn - 1 over every column block. */
ATTN_SIMD_FN void BODY(dec_pv_heads)(const attn_dtile *t, int64_t g0, const int gn,
                                     const float *v, int64_t count)
{
    int64_t e0 = 0;
    for (; e0 + DEC_NE * W <= t->ldo; e0 += DEC_NE * W)
        BODY(dec_pv)(t, g0, gn, v, count, e0, DEC_NE);
    for (; e0 < t->ldo; e0 += W)
        BODY(dec_pv)(t, g0, gn, v, count, e0, 1);
}

static ATTN_SIMD_KERNEL void BODY(dec_chunk)(const attn_dtile *t, const float *k,
                                             const float *v, const float *k_scale,
                                             const float *v_scale, int64_t count)
{
    for (int64_t g0 = 0; g0 < t->rows; g0 += DEC_GB)
        for (int64_t j0 = 0; j0 < count; j0 += DEC_TJ) {
            if (g0 + 1 < t->rows)
                BODY(dec_scores)(t, k, k_scale, count, j0, g0, 2);
            else
                BODY(dec_scores)(t, k, k_scale, count, j0, g0, 1);
        }
    for (int64_t g = 0; g < t->rows; g++)
        BODY(dec_softmax)(t, g, v_scale, count);
    int64_t g0 = 0;
    for (; g0 + 2 <= t->rows; g0 += 2)
        BODY(dec_pv_heads)(t, g0, 2, v, count);
    if (g0 < t->rows)
        BODY(dec_pv_heads)(t, g0, 1, v, count);
}

/* Elements [at, at + n) of src into dst, n a multiple of W. */
ATTN_SIMD_FN void BODY(dec_convert)(attn_dtype store, const void *src, size_t at, size_t n,
                                    float *dst)
{
    const uint16_t *halves = src;
    const uint8_t *bytes = src;
    switch (store) {
    case ATTN_DTYPE_FP16:
        for (size_t i = at; i < at + n; i += W)
            vf_store(dst + i, vf_from_f16(halves + i));
        break;
    case ATTN_DTYPE_BF16:
        for (size_t i = at; i < at + n; i += W)
            vf_store(dst + i, vf_from_bf16(halves + i));
        break;
    case ATTN_DTYPE_FP8:
        for (size_t i = at; i < at + n; i += W)
            vf_store(dst + i, BODY(from_e4m3)(bytes + i));
        break;
    case ATTN_DTYPE_FP8_E5M2:
        for (size_t i = at; i < at + n; i += W)
            vf_store(dst + i, BODY(from_e5m2)(bytes + i));
        break;
    case ATTN_DTYPE_INT8:
        for (size_t i = at; i < at + n; i += W)
            vf_store(dst + i, BODY(from_i8)(bytes + i));
        break;
    default:
        break;
    }
}

/* One 64-byte line at a time, each with its prefetch of the same line of `ahead`, so a
 * block's prefetches are spread over its conversion rather than issued in one burst. */
static ATTN_SIMD_KERNEL void BODY(dec_to_f32)(attn_dtype store, const void *src, size_t count,
                                              float *dst, const void *ahead)
{
    /* fp32 (a padded tile) is copied whole by attn_dtype_to_f32 below */
    const size_t whole = store == ATTN_DTYPE_FP32 ? 0 : count / W * W;
    const size_t size = attn_dtype_size(store);
    const size_t line = 64 / size; /* elements per line: 32 or 64, a multiple of W */
    for (size_t at = 0; at < whole; at += line) {
        if (ahead)
            __builtin_prefetch((const char *)ahead + at * size, 0, 1);
        BODY(dec_convert)(store, src, at, whole - at < line ? whole - at : line, dst);
    }
    attn_dtype_to_f32(store, src, whole, count - whole, dst + whole);
}

/* CALL(type) with `store` as a constant of its own in each case, so that every instance
 * folds the store's conversions: lanes_chunk's and head_chunk's dispatch. */
#define DEC_PER_STORE(store, CALL)                                                              \
    do {                                                                                        \
        switch (store) {                                                                        \
        case ATTN_DTYPE_FP16:                                                                   \
            CALL(ATTN_DTYPE_FP16);                                                              \
            break;                                                                              \
        case ATTN_DTYPE_BF16:                                                                   \
            CALL(ATTN_DTYPE_BF16);                                                              \
            break;                                                                              \
        case ATTN_DTYPE_FP8:                                                                    \
            CALL(ATTN_DTYPE_FP8);                                                               \
            break;                                                                              \
        case ATTN_DTYPE_FP8_E5M2:                                                               \
            CALL(ATTN_DTYPE_FP8_E5M2);                                                          \
            break;                                                                              \
        case ATTN_DTYPE_INT8:                                                                   \
            CALL(ATTN_DTYPE_INT8);                                                              \
            break;                                                                              \
        default:                                                                                \
            CALL(ATTN_DTYPE_FP32);                                                              \
            break;                                                                              \
        }                                                                                       \
    } while (0)

#include "decode_lanes_body.h"
#include "decode_head_body.h"
#undef DEC_PER_STORE

const attn_decode_isa BODY(attn_decode_isa) = {
    .name = ATTN_SIMD_STR,
    .lanes = W,
    .chunk = BODY(dec_chunk),
    .to_f32 = BODY(dec_to_f32),
    .lanes_chunk = BODY(lanes_chunk),
    .head_chunk = BODY(head_chunk),
};
