/* decode_head_body.h — decode for a lone query head per KV head (MHA whose KV heads the
 * vector lanes cannot hold side by side), written once over simd.h (the contract is
 * decode_isa.h's head_chunk). Included by decode_body.h after decode_lanes_body.h, whose
 * in-place loads and lane sum it uses; it shares decode_body.h's per-head online softmax.
 *
 * The chunk kernel converts each row into fp32 tiles and reads them back. For one head that
 * round trip (a conversion and a 64-byte store per W elements, then the load) cost more than
 * the arithmetic: 43% of an 8/8 fp16 call with the cache in L3 (perf). Here the rows are read
 * in place with W keys in the lanes: key by key, each row is read whole into a vector
 * accumulator of its own, the W accumulators are summed into one vector of W scores
 * (sum_lanes), and P·V broadcasts each key's weight over DEC_NE vectors of d_v held in
 * registers. The order matters from DRAM: each K row whole, with its look-ahead row's prefetch
 * issued just before it, and each V row's in P·V. Reading the W rows a vector of each at a
 * time, with all the prefetches in P·V, ran 1.3x (one thread) to 1.5x (two) slower than the
 * chunk kernel from DRAM at fp16; in this order it takes about 0.9x its time (decode_peers.md,
 * tenth pass).
 */

/* s[j0 .. j0 + W) = (k_j · q) x dec_unit (x k_scale[j]) for keys j0 .. j0 + n - 1 of d
 * elements, rows k_row bytes apart, converted as loaded; n < W (`full` false) repeats the last
 * key in the lanes past it, whose scores dec_softmax then masks. Key by key, each row read
 * whole in turn, its look-ahead row prefetched (one line per line) just before. */
ATTN_SIMD_FN void BODY(head_scores)(const attn_dtile *t, attn_dtype store, const char *k,
                                    const float *k_scale, const char *k_ahead, int64_t j0,
                                    int64_t n, const bool full, const int64_t d)
{
    const size_t k_row = (size_t)d * BODY(dec_size)(store);
    const int64_t whole = d / W * W;
    vf acc[W];
#pragma GCC unroll 16
    for (int i = 0; i < W; i++) {
        const char *row = k + (size_t)(j0 + (full || i < n ? i : n - 1)) * k_row;
        for (size_t at = 0; k_ahead && i < n && at < k_row; at += 64)
            __builtin_prefetch(k_ahead + (size_t)(j0 + i) * k_row + at, 0, 1);
        acc[i] = vf_set1(0.0f);
#pragma GCC unroll 16
        for (int64_t e = 0; e < whole; e += W)
            acc[i] = vf_fma(BODY(dec_load)(store, row, (size_t)e), vf_load(t->q + e), acc[i]);
        if (whole < d)
            acc[i] = vf_fma(BODY(dec_load_tail)(store, row, (size_t)whole, (size_t)(d - whole)),
                            vf_load(t->q + whole), acc[i]);
    }
    vf scores = vf_mul(BODY(sum_lanes)(acc), vf_set1(BODY(dec_unit)(store)));
    if (k_scale)
        scores = vf_mul(scores, full ? vf_load(k_scale + j0) : vf_load_first(k_scale + j0, (int)n));
    vf_store(t->s + j0, scores);
}

/* acc[e0 .. e0 + ne·W) = acc · corr + Σ_j s[j] · V_j[e0 ..], V converted as loaded; `tail`: one
 * vector holding the row's last d_v - e0 elements. */
ATTN_SIMD_FN void BODY(head_pv)(const attn_dtile *t, attn_dtype store, const char *v,
                                int64_t count, int64_t e0, const int ne, const bool tail,
                                const char *v_ahead, const int64_t d_v)
{
    const size_t v_row = (size_t)d_v * BODY(dec_size)(store);
    const vf corr = vf_set1(t->corr[0]);
    vf acc[DEC_NE];
#pragma GCC unroll 8
    for (int i = 0; i < ne; i++)
        acc[i] = vf_mul(vf_load(t->acc + e0 + i * W), corr);
    for (int64_t j = 0; j < count; j++) {
        const char *row = v + (size_t)j * v_row;
        const vf weight = vf_set1(t->s[j]);
        for (size_t at = 0; v_ahead && at < v_row; at += 64)
            __builtin_prefetch(v_ahead + (size_t)j * v_row + at, 0, 1);
#pragma GCC unroll 8
        for (int i = 0; i < ne; i++) {
            const vf value =
                tail ? BODY(dec_load_tail)(store, row, (size_t)e0, (size_t)(d_v - e0))
                     : BODY(dec_load)(store, row, (size_t)(e0 + i * W));
            acc[i] = vf_fma(weight, value, acc[i]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < ne; i++)
        vf_store(t->acc + e0 + i * W, acc[i]);
}

/* One chunk for one store type and head dimension (constants once inlined). */
ATTN_SIMD_FN void BODY(head_typed)(const attn_dtile *t, attn_dtype store, const char *k,
                                   const char *v, const float *k_scale, const float *v_scale,
                                   int64_t count, const char *k_ahead, const char *v_ahead,
                                   const int64_t d, const int64_t d_v)
{
    for (int64_t j0 = 0; j0 < count; j0 += W) {
        if (count - j0 >= W)
            BODY(head_scores)(t, store, k, k_scale, k_ahead, j0, W, true, d);
        else
            BODY(head_scores)(t, store, k, k_scale, k_ahead, j0, count - j0, false, d);
    }
    BODY(dec_softmax)(t, 0, v_scale, count);
    /* the weights x dec_unit, as the V rows are loaded without it */
    for (int64_t j = 0; BODY(dec_unit)(store) != 1.0f && j < count; j++)
        t->s[j] *= BODY(dec_unit)(store);
    const int64_t whole = d_v / W * W;
    int64_t e0 = 0;
    /* the first pass over the keys prefetches their look-ahead rows */
    for (; e0 + DEC_NE * W <= whole; e0 += DEC_NE * W)
        BODY(head_pv)(t, store, v, count, e0, DEC_NE, false, e0 ? NULL : v_ahead, d_v);
    for (; e0 < whole; e0 += W)
        BODY(head_pv)(t, store, v, count, e0, 1, false, e0 ? NULL : v_ahead, d_v);
    if (whole < d_v)
        BODY(head_pv)(t, store, v, count, whole, 1, true, whole ? NULL : v_ahead, d_v);
}

ATTN_SIMD_FN void BODY(head_dims)(const attn_dtile *t, attn_dtype store, const char *k,
                                  const char *v, const float *k_scale, const float *v_scale,
                                  int64_t count, const char *k_ahead, const char *v_ahead)
{
    /* the common head dimension as a constant, so that the loops unroll */
    if (t->d_qk == 128 && t->d_v == 128)
        BODY(head_typed)(t, store, k, v, k_scale, v_scale, count, k_ahead, v_ahead, 128, 128);
    else
        BODY(head_typed)(t, store, k, v, k_scale, v_scale, count, k_ahead, v_ahead, t->d_qk,
                         t->d_v);
}

static ATTN_SIMD_KERNEL void BODY(head_chunk)(const attn_dtile *t, attn_dtype store,
                                              const void *k, const void *v,
                                              const float *k_scale, const float *v_scale,
                                              int64_t count, const void *k_ahead,
                                              const void *v_ahead)
{
#define HEAD(type) BODY(head_dims)(t, type, k, v, k_scale, v_scale, count, k_ahead, v_ahead)
    DEC_PER_STORE(store, HEAD);
#undef HEAD
}
