/* decode_isa.h — decode's chunk kernel and cache conversion, one table per instruction set.
 *
 * A decode task holds the `rows` query heads of one GQA group against one KV head: q
 * [rows][ldq] (scaled, zero-padded to ldq, a multiple of the vector width), the running max m,
 * sum l and unnormalised output acc [rows][ldo] of an online softmax, and a score scratch s
 * [rows][DECODE_CHUNK]. One call takes up to DECODE_CHUNK cache rows already in fp32 (k
 * [count][ldk], v [count][ldv], ldk == ldq, ldv == ldo, padding columns zero): every key row
 * is read once for all heads of the group (4 keys x 2 heads register-blocked dot products),
 * the softmax is vectorised over the chunk's keys, and P·V is register-blocked along d_v.
 * decode_body.h writes both once over simd.h; isa_*.c instantiate them.
 *
 * Groups that fill the vector lanes (one group of at least three quarters of them, or
 * lanes / group KV heads' groups side by side) run lanes_chunk instead (decode_lanes_body.h),
 * over cache rows read in place: the task's state is an attn_qtile with rows_pad == lanes
 * whose qt holds Q row-major [lanes][ldq] (scaled, zero-padded), with limit, S^T
 * [DECODE_LANES_KEYS][lanes], m, l, corr, acc [lanes][d_v_pad].
 *
 * A group of one query head that cannot join others in the lanes runs head_chunk
 * (decode_head_body.h) on the chunk kernel's state, over rows read in place, W keys in the
 * lanes.
 */
#ifndef ATTN_DECODE_ISA_H
#define ATTN_DECODE_ISA_H

#include <stddef.h>

#include "isa.h"

/* cache rows per tile: 16 x 128 fp32 K and V = 16 KiB, half of a 32 KiB L1d, so the tiles,
 * the query and the prefetched lines fit together (32 rows filled L1 and measured 7% slower
 * at GQA 8 and 19% at GQA 1, single thread, cache in L2/L3) */
enum { DECODE_CHUNK = 16 };

typedef struct attn_dtile {
    int64_t rows, ldq, ldo;
    int64_t d_qk, d_v; /* the rows' lengths (head_chunk reads them in place) */
    const float *q;
    float *m, *l, *corr, *acc, *s;
} attn_dtile;

/* A group in lanes reads up to this many cache rows per call. */
enum { DECODE_LANES_KEYS = 64 };

/* The rows of one lanes_chunk call: key j's K and V rows of the first KV head and the rows it
 * prefetches, or NULL (their lines are requested as key j's scores are computed); the next KV
 * head's rows lie k_part, v_part bytes further. */
typedef struct attn_drows {
    const void *k[DECODE_LANES_KEYS], *v[DECODE_LANES_KEYS];
    const void *k_ahead[DECODE_LANES_KEYS], *v_ahead[DECODE_LANES_KEYS];
    ptrdiff_t k_part, v_part;
} attn_drows;

typedef struct attn_decode_isa {
    const char *name;
    int64_t lanes;
    /* k_scale, v_scale: per-row factors (int8) or NULL. */
    void (*chunk)(const attn_dtile *t, const float *k, const float *v, const float *k_scale,
                  const float *v_scale, int64_t count);
    /* dst[i] = element i of the store-typed src (int8 unscaled), vectorised. ahead: NULL, or
     * count elements of the same store to prefetch, one cache line per line converted. */
    void (*to_f32)(attn_dtype store, const void *src, size_t count, float *dst,
                   const void *ahead);
    /* count (<= DECODE_LANES_KEYS) cache rows of `parts` KV heads (lanes / parts query heads
     * each), store-typed, read in place: scores (x k_scale), the lane-wise online softmax,
     * the weights x v_scale, then P·V. k_scale, v_scale [count][lanes]: each row's first
     * `parts` entries are its KV heads' scales, each spread over its heads' lanes. */
    void (*lanes_chunk)(const attn_qtile *t, const attn_drows *rows, attn_dtype store,
                        const float *k_scale, const float *v_scale, int64_t count, int parts);
    /* count (<= DECODE_CHUNK) consecutive cache rows of one KV head for a group of one query
     * head (t->rows == 1), store-typed, read in place from k and v, with their int8 scales
     * (k_scale[j], v_scale[j]) or NULL: scores, the online softmax, P·V. k_ahead, v_ahead: the
     * rows prefetched as these are read, one line per line, or NULL. */
    void (*head_chunk)(const attn_dtile *t, attn_dtype store, const void *k, const void *v,
                       const float *k_scale, const float *v_scale, int64_t count,
                       const void *k_ahead, const void *v_ahead);
} attn_decode_isa;

/* The widest table the CPU runs (the same choice and override as attn_isa_best). */
const attn_decode_isa *attn_decode_isa_best(void);

#endif
