/* decode_paired_body.h — the scores of two KV heads' groups of 8 in the 16 AVX-512 lanes
 * (GQA 8: 32 query heads on 4 KV heads), two query heads per vector. Included by
 * decode_lanes_body.h, whose lane sums and prefetches it uses, for AVX-512 only.
 *
 * lanes_score multiplies each K vector of 16 elements into 16 accumulators, one per head, and
 * gathers them with 24 in-lane shuffles, 6 across 128-bit lanes and 15 adds per key: 15% of
 * a GQA 8 call's samples, a third of its score loop's (perf annotate), and each FMA takes its
 * Q vector from memory, a 64-byte load per FMA. Here 8 elements of K are loaded twice over,
 * once in each 256-bit half, and each accumulator holds two heads of a KV head (h and h + 4,
 * 8 partial sums each), so a key's 16 heads sum from 8 accumulators: 12 in-lane shuffles, 2
 * across and 7 adds. Two keys are scored at once, each Q vector loaded into a register once
 * for both (16 accumulators). The same FMAs, half the lane sums and half the Q loads, for two
 * K conversions per 8 elements instead of one per 16: free beside the FMAs on Zen 4 (in a
 * loop of FMAs, 30 vcvtph2ps per 128 FMAs did not slow it; 30 shuffles across 128-bit lanes
 * cost 12 FMA slots). Only for the stores whose 8 elements are one broadcast load (fp32,
 * fp16, bf16); the 8-bit stores take several operations per vector converted, and doubling
 * those was not tried.
 *
 * One core, GQA 8 over 2 KV heads, 256 keys in L2 (bench/decode_cycles STORE 2 256, four
 * alternating runs), ns per key and KV head, lanes_score / paired: fp16 43.4-44.0 / 42.2-42.9,
 * bf16 43.7-44.5 / 42.1-42.8, fp32 43.3-44.8 / 41.2-43.0. With the block loop unrolled (the
 * Q offsets constants): fp16 lanes_score / paired / unrolled, six rounds on a slower host,
 * medians 48.6 / 47.9 / 45.2, the unrolled one fastest in every round. The lane sums now take
 * 4% of the samples; P·V's FMAs most of the rest.
 */

/* Head dims the paired layout of Q (on the stack: 16 heads x d floats) is built for. */
enum { PAIRED_MAX_D = 256 };

/* Whether a chunk's scores are paired: two KV heads of 8 query heads each in the lanes, rows
 * of whole 8-element blocks, and more than 16 keys to pay for laying Q out in pairs (at 16 the
 * paired call took 47.3-50.7 ns per key and KV head against 46.3-48.8, at 64 43.3-43.9
 * against 44.1-45.3: bench/decode_cycles fp16 2, one core, alternating). */
ATTN_SIMD_FN bool BODY(scores_paired)(attn_dtype store, const int parts, const int64_t d,
                                      int64_t count)
{
    return parts == 2 && count > 16 && d % 8 == 0 && d <= PAIRED_MAX_D
           && (store == ATTN_DTYPE_FP32 || store == ATTN_DTYPE_FP16 || store == ATTN_DTYPE_BF16);
}

/* qd, 16 x d floats: for KV head p, block b of 8 elements and i < 4, the vector
 * [Q_{8p+i}[8b .. 8b + 8), Q_{8p+i+4}[8b .. 8b + 8)] at ((p * d / 8 + b) * 4 + i) * 16. */
ATTN_SIMD_FN void BODY(paired_q)(const attn_qtile *t, const int64_t d, float *restrict qd)
{
    const int64_t ldq = (d + W - 1) / W * W;
    float *out = qd;
    for (int p = 0; p < 2; p++)
        for (int64_t b = 0; b < d / 8; b++)
            for (int i = 0; i < 4; i++, out += W) {
                const float *head = t->qt + (8 * p + i) * ldq + 8 * b;
                _mm256_storeu_ps(out, _mm256_loadu_ps(head));
                _mm256_storeu_ps(out + 8, _mm256_loadu_ps(head + 4 * ldq));
            }
}

/* Elements [at, at + 8) of a store-typed row (fp32, fp16 or bf16), in both 256-bit halves. */
ATTN_SIMD_FN vf BODY(dec_load_twice)(attn_dtype store, const void *row, size_t at)
{
    if (store == ATTN_DTYPE_FP32)
        return _mm512_castpd_ps(
            _mm512_broadcast_f64x4(_mm256_castps_pd(_mm256_loadu_ps((const float *)row + at))));
    const __m256i bits =
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + at)));
    if (store == ATTN_DTYPE_FP16)
        return _mm512_cvtph_ps(bits);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}

/* S^T rows j and j + 1 (only j when !two) x each lane's k_scale, from the paired Q qd; returns
 * their lane-wise max. Row j's look-ahead rows (and j + 1's) are prefetched as lanes_score
 * does it. k_scale is NULL for every store paired today (only int8 has scales); with the
 * parameter and its multiply taken out, GCC 12 laid this loop out with vectors spilled to
 * the stack (perf annotate: a quarter of the samples on vmovaps to and from it): 40.7 -> 52.7
 * ns per key and KV head (fp16, one core), so they stay. */
ATTN_SIMD_FN vf BODY(paired_scores)(const attn_qtile *t, attn_dtype store,
                                    const attn_drows *rows, int64_t j, bool two, const float *qd,
                                    const float *k_scale, const int64_t d)
{
    const size_t size = BODY(dec_size)(store);
    const int64_t next = two ? j + 1 : j;
    const bool spread = BODY(lanes_ahead)(rows, j, 2, (size_t)d * size);
    const bool spread_next = two && BODY(lanes_ahead)(rows, next, 2, (size_t)d * size);
    vf sums[2][2];
#pragma GCC unroll 2
    for (int p = 0; p < 2; p++) {
        const char *row = (const char *)rows->k[j] + p * rows->k_part;
        const char *row_next = (const char *)rows->k[next] + p * rows->k_part;
        const float *q = qd + p * d / 8 * 4 * W;
        vf acc[8];
#pragma GCC unroll 8
        for (int h = 0; h < 8; h++)
            acc[h] = vf_set1(0.0f);
#pragma GCC unroll 16
        for (int64_t b = 0; b < d / 8; b++) {
            const size_t from = (size_t)(8 * b) * size, to = (size_t)(8 * b + 8) * size;
            if (spread)
                BODY(lanes_prefetch)(rows, j, p, from, to);
            if (spread_next)
                BODY(lanes_prefetch)(rows, next, p, from, to);
            const vf key = BODY(dec_load_twice)(store, row, (size_t)(8 * b));
            const vf key_next = BODY(dec_load_twice)(store, row_next, (size_t)(8 * b));
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                vf q_pair = vf_load(q + (b * 4 + i) * W);
                /* in a register for both keys: GCC otherwise folds the load into each FMA,
                 * loading it twice */
                __asm__("" : "+v"(q_pair));
                acc[i] = vf_fma(key, q_pair, acc[i]);
                acc[4 + i] = vf_fma(key_next, q_pair, acc[4 + i]);
            }
        }
        /* each 128-bit lane of sums[k][p]: KV head p's heads i (lanes 0-1) or i + 4 (2-3) */
        sums[0][p] = BODY(sum_four)(acc);
        sums[1][p] = BODY(sum_four)(acc + 4);
    }
    vf block_max = vf_set1(-INFINITY);
    for (int k = 0; k < 1 + two; k++) {
        vf scores = BODY(fold_lanes)(sums[k][0], sums[k][1]);
        if (k_scale)
            scores = vf_mul(scores, vf_spread(k_scale + (j + k) * W, 8));
        vf_store(t->st + (j + k) * W, scores);
        block_max = vf_max(block_max, scores);
    }
    return block_max;
}

/* S^T rows 0 .. count - 1 of a paired chunk (scores_paired), their lane-wise max returned. */
ATTN_SIMD_FN vf BODY(paired_chunk_scores)(const attn_qtile *t, attn_dtype store,
                                          const attn_drows *rows, const float *k_scale,
                                          int64_t count, const int64_t d)
{
    float qd[16 * PAIRED_MAX_D];
    BODY(paired_q)(t, d, qd);
    vf block_max = vf_set1(-INFINITY);
    for (int64_t j = 0; j < count; j += 2)
        block_max = vf_max(block_max, BODY(paired_scores)(t, store, rows, j, j + 1 < count, qd,
                                                          k_scale, d));
    return block_max;
}
