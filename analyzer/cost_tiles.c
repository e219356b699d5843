/* cost_tiles.c — pair counts and the HBM traffic of tiled (flash) attention.
 *
 * Causal and windowed prefill visit only the blocks that hold unmasked scores; the counts
 * below walk the blocks (O(T) per layer), so they are exact for block-skipping kernels.
 */
#include <math.h>

#include "cost.h"

#define MAX_BLOCK 0x1p40L /* tokens; see attn_flash_tiles */

long double attn_pairs(const attn_cost_point *p)
{
    long double n = (long double)p->n, w = (long double)p->window;
    if (p->phase == ATTN_PHASE_DECODE)
        return (long double)attn_tokens_held(p);
    if (!p->causal)
        return n * n;
    if (!p->window || p->window >= p->n)
        return n * (n + 1) / 2;
    return w * (w + 1) / 2 + (n - w) * w; /* rows past the window see w keys each */
}

int64_t attn_tokens_held(const attn_cost_point *p)
{
    return p->window && p->window < p->n ? p->window : p->n;
}

void attn_tile_sizes(long double sram, int64_t d, int64_t *block_cols, int64_t *block_rows)
{
    long double bc = ceill(sram / (4.0L * (long double)d));
    /* Fix (fuzzing): a huge M (sram 2^64 B of int4, d = 1) gave bc = 2^63, and converting
     * that to int64_t is undefined. A block of 2^40 already holds any real sequence whole,
     * so clamping there changes no count and keeps index sums far from overflow. */
    if (bc > MAX_BLOCK)
        bc = MAX_BLOCK;
    *block_cols = bc < 1 ? 1 : (int64_t)bc;
    *block_rows = *block_cols < d ? *block_cols : d;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Rows of the Q blocks that see any key in [c0, c1), block-aligned (causal). */
static int64_t rows_seeing(const attn_cost_point *p, int64_t c0, int64_t c1, int64_t br)
{
    int64_t first = c0 / br * br; /* causal: rows >= c0 */
    int64_t last = p->n;
    if (p->window) {              /* rows < c1 - 1 + window */
        int64_t end = c1 - 1 + p->window;
        last = min64(p->n, (end + br - 1) / br * br);
    }
    return max64(0, last - first);
}

/* Columns of the K blocks that rows [r0, r1) see, block-aligned (causal). */
static int64_t cols_seen(const attn_cost_point *p, int64_t r0, int64_t r1, int64_t bc)
{
    int64_t lo = p->window ? max64(0, r0 - p->window + 1) : 0;
    int64_t first = lo / bc * bc;
    int64_t last = min64(p->n, (r1 + bc - 1) / bc * bc);
    return max64(0, last - first);
}

attn_traffic attn_flash1_traffic(const attn_cost_point *p, int64_t d_qk, int64_t d_v)
{
    int64_t bc, br;
    attn_tile_sizes(p->sram, d_qk > d_v ? d_qk : d_v, &bc, &br);
    long double n = (long double)p->n;
    attn_traffic t = {n * (long double)(d_qk + d_v), 0};
    long double rows = 0;
    if (!p->causal)
        rows = ceill(n / (long double)bc) * n; /* T_c blocks, each visiting every row */
    for (int64_t c0 = 0; p->causal && c0 < p->n; c0 += bc)
        rows += (long double)rows_seeing(p, c0, min64(p->n, c0 + bc), br);
    t.read += rows * (long double)(d_qk + d_v + 2); /* Q_i, O_i, l_i, m_i */
    t.write += rows * (long double)(d_v + 2);       /* O_i, l_i, m_i */
    return t;
}

attn_traffic attn_flash2_traffic(const attn_cost_point *p, int64_t d_qk, int64_t d_v)
{
    int64_t bc, br;
    attn_tile_sizes(p->sram, d_qk > d_v ? d_qk : d_v, &bc, &br);
    long double n = (long double)p->n;
    attn_traffic t = {n * (long double)d_qk, n * (long double)(d_v + 1)}; /* Q; O and L */
    long double cols = 0;
    if (!p->causal)
        cols = ceill(n / (long double)br) * n; /* T_r blocks, each reading every key */
    for (int64_t r0 = 0; p->causal && r0 < p->n; r0 += br)
        cols += (long double)cols_seen(p, r0, min64(p->n, r0 + br), bc);
    t.read += cols * (long double)(d_qk + d_v);
    return t;
}
