/* isa.h — the fast tile kernels of flash prefill, one table per instruction set.
 *
 * A query tile holds up to rows_pad query rows *transposed*: Q^T [d_qk][rows_pad], so a score
 * tile S^T [key][row] has the query rows along the vector lanes. The online softmax is then
 * lane-wise (no horizontal reductions), and both products are register-blocked broadcasts
 * from row-major K, V and S^T (tile_body.h). rows_pad is a multiple of the table's
 * row_quantum, the accumulator's row length d_v_pad a multiple of col_quantum, and a score
 * tile has room for cols rounded up to key_quantum keys. Padded rows see no key.
 *
 * isa.c picks the table once: AVX-512 when the CPU has it, else AVX2 (+ FMA, F16C), else
 * plain C; ATTNSCOPE_CPU_ISA=avx512|avx2|scalar asks for a lower one (tests run every path).
 */
#ifndef ATTN_ISA_H
#define ATTN_ISA_H

#include "cpu_internal.h"

typedef struct attn_qtile {
    int64_t rows, rows_pad;  /* real query rows, and rows_pad >= rows lanes in the buffers */
    int64_t d_qk, d_v, d_v_pad;
    float *qt;               /* [d_qk][rows_pad], already scaled by 1/sqrt(d_qk) */
    int32_t *limit;          /* [rows_pad] row r sees keys < limit[r] (absolute); 0 for padding */
    float *st;               /* [round_up(cols, key_quantum)][rows_pad] scores, then weights */
    float *m, *l, *corr;     /* [rows_pad] running max, running sum, this block's rescale */
    float *acc;              /* [rows_pad][d_v_pad] unnormalised output */
} attn_qtile;

typedef struct attn_isa {
    const char *name;
    int64_t row_quantum, col_quantum, key_quantum;
    /* One key block: keys key0 .. key0 + cols - 1, k [cols][ldk], v [cols][ldv] in fp32.
     * Scores, online softmax (updates m, l; rescales acc) and acc += P V, skipping the
     * micro-tiles that the causal limits mask entirely. */
    void (*block)(const attn_qtile *tile, const float *k, int64_t ldk, const float *v,
                  int64_t ldv, int64_t key0, int64_t cols);
    /* dst[i] = element first + i of the store-typed array src. */
    void (*to_f32)(attn_dtype store, const void *src, size_t first, size_t count, float *dst);
} attn_isa;

/* The table for prefill: the widest available. */
const attn_isa *attn_isa_best(void);

/* Empty query tile: m = -inf, l = 0, acc = 0. */
void attn_qtile_reset(const attn_qtile *tile);
/* out row r (r < rows, stride ld_out) = acc row r / l[r], zeros when the row saw no key. */
void attn_qtile_finish(const attn_qtile *tile, float *out, int64_t ld_out);

static inline int64_t attn_round_up(int64_t a, int64_t quantum)
{
    return attn_ceil_div(a, quantum) * quantum;
}

#endif
