/* simd.h — the few vector operations the attention micro-kernels need, for one instruction set.
 *
 * The including file sets ATTN_SIMD_LANES (16: AVX-512, 8: AVX2 + FMA + F16C, 1: plain C)
 * and ATTN_SIMD_TARGET (the GCC/clang target string, empty for plain C) first. Every function
 * carries that target attribute, so one translation unit compiles for one instruction set
 * while the rest of the library stays baseline x86-64 and the choice is made at run time
 * (isa.c). tile_body.h writes the kernels once in terms of these operations.
 */
#ifndef ATTN_SIMD_H
#define ATTN_SIMD_H

#include <stdint.h>

#include "../kernels.h"

#if ATTN_SIMD_LANES > 1
#include <immintrin.h>
#define ATTN_SIMD_FN static inline __attribute__((target(ATTN_SIMD_TARGET), always_inline))
#define ATTN_SIMD_KERNEL __attribute__((target(ATTN_SIMD_TARGET)))
#else
#define ATTN_SIMD_FN static inline
#define ATTN_SIMD_KERNEL
#endif

#if ATTN_SIMD_LANES == 16
typedef __m512 vf;
typedef __m512i vi;
ATTN_SIMD_FN vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
ATTN_SIMD_FN void vf_store(float *p, vf x) { _mm512_storeu_ps(p, x); }
ATTN_SIMD_FN vf vf_set1(float x) { return _mm512_set1_ps(x); }
ATTN_SIMD_FN vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
ATTN_SIMD_FN vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
ATTN_SIMD_FN vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
ATTN_SIMD_FN vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
ATTN_SIMD_FN vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
ATTN_SIMD_FN vf vf_round(vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT); }
/* p · 2^n for integral n in [-126, 127]. */
ATTN_SIMD_FN vf vf_ldexp(vf p, vf n) { return _mm512_scalef_ps(p, n); }
/* Lanes where a < b take x, the others y. */
ATTN_SIMD_FN vf vf_select_lt(vf a, vf b, vf x, vf y)
{
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x);
}
/* The first n lanes of p (0 < n <= 16), zeros after them; nothing past them is read. */
ATTN_SIMD_FN vf vf_load_first(const float *p, int n)
{
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
}
ATTN_SIMD_FN vi vi_load(const int32_t *p) { return _mm512_loadu_si512(p); }
/* Lanes where key < limit keep x, the others take fill. */
ATTN_SIMD_FN vf vf_keep_below(vf x, int32_t key, vi limit, vf fill)
{
    return _mm512_mask_blend_ps(_mm512_cmpgt_epi32_mask(limit, _mm512_set1_epi32(key)), fill, x);
}
ATTN_SIMD_FN vf vf_from_f16(const uint16_t *p)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}
ATTN_SIMD_FN vf vf_from_bf16(const uint16_t *p)
{
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
/* Lane h = p[h / group], group a power of two that divides 16; p[0 .. 16 / group) read. */
ATTN_SIMD_FN vf vf_spread(const float *p, int group)
{
    const __m512i part = _mm512_srli_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        (unsigned)__builtin_ctz((unsigned)group));
    return _mm512_permutexvar_ps(part, vf_load_first(p, 16 / group));
}

#elif ATTN_SIMD_LANES == 8
typedef __m256 vf;
typedef __m256i vi;
ATTN_SIMD_FN vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
ATTN_SIMD_FN void vf_store(float *p, vf x) { _mm256_storeu_ps(p, x); }
ATTN_SIMD_FN vf vf_set1(float x) { return _mm256_set1_ps(x); }
ATTN_SIMD_FN vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
ATTN_SIMD_FN vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
ATTN_SIMD_FN vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
ATTN_SIMD_FN vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
ATTN_SIMD_FN vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
ATTN_SIMD_FN vf vf_round(vf x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
ATTN_SIMD_FN vf vf_ldexp(vf p, vf n)
{
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}
ATTN_SIMD_FN vf vf_select_lt(vf a, vf b, vf x, vf y)
{
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
}
ATTN_SIMD_FN vf vf_load_first(const float *p, int n)
{
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane));
}
ATTN_SIMD_FN vi vi_load(const int32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
ATTN_SIMD_FN vf vf_keep_below(vf x, int32_t key, vi limit, vf fill)
{
    __m256i keep = _mm256_cmpgt_epi32(limit, _mm256_set1_epi32(key));
    return _mm256_blendv_ps(fill, x, _mm256_castsi256_ps(keep));
}
ATTN_SIMD_FN vf vf_from_f16(const uint16_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}
ATTN_SIMD_FN vf vf_from_bf16(const uint16_t *p)
{
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
ATTN_SIMD_FN vf vf_spread(const float *p, int group)
{
    const __m256i part = _mm256_srli_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                           __builtin_ctz((unsigned)group));
    return _mm256_permutevar8x32_ps(vf_load_first(p, 8 / group), part);
}

#elif ATTN_SIMD_LANES == 1
#include <math.h>
typedef float vf;
typedef int32_t vi;
ATTN_SIMD_FN vf vf_load(const float *p) { return *p; }
ATTN_SIMD_FN void vf_store(float *p, vf x) { *p = x; }
ATTN_SIMD_FN vf vf_set1(float x) { return x; }
ATTN_SIMD_FN vf vf_fma(vf a, vf b, vf c) { return a * b + c; }
ATTN_SIMD_FN vf vf_add(vf a, vf b) { return a + b; }
ATTN_SIMD_FN vf vf_sub(vf a, vf b) { return a - b; }
ATTN_SIMD_FN vf vf_mul(vf a, vf b) { return a * b; }
ATTN_SIMD_FN vf vf_max(vf a, vf b) { return a > b ? a : b; }
ATTN_SIMD_FN vf vf_round(vf x) { return nearbyintf(x); }
ATTN_SIMD_FN vf vf_ldexp(vf p, vf n) { return ldexpf(p, (int)n); }
ATTN_SIMD_FN vf vf_select_lt(vf a, vf b, vf x, vf y) { return a < b ? x : y; }
ATTN_SIMD_FN vf vf_load_first(const float *p, int n) { return n > 0 ? *p : 0.0f; }
ATTN_SIMD_FN vi vi_load(const int32_t *p) { return *p; }
ATTN_SIMD_FN vf vf_keep_below(vf x, int32_t key, vi limit, vf fill) { return key < limit ? x : fill; }
ATTN_SIMD_FN vf vf_from_f16(const uint16_t *p) { return attn_f16_to_f32(*p); }
ATTN_SIMD_FN vf vf_from_bf16(const uint16_t *p) { return attn_bf16_to_f32(*p); }
ATTN_SIMD_FN vf vf_spread(const float *p, int group) { return (void)group, *p; }

#else
#error "ATTN_SIMD_LANES must be 16, 8 or 1"
#endif

#endif
