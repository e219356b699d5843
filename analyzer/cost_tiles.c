/* cost_tiles.c — pair counts and the HBM traffic of tiled (flash) attention.
 *
 * Causal and windowed prefill visit only the blocks that hold unmasked scores. The number
 * of keys a query block sees (and of rows a key block is seen by) is a clamped staircase
 * m * floor((p i + q) / m) of the block index i, so its sum over all blocks is a floor sum,
 * computed by Euclid-like reduction in O(log n) (floor_sum below). Any n up to 2^40 with any
 * tile size answers at once, and the counts stay exact for block-skipping kernels.
 */
#include <math.h>

#include "cost.h"

#define MAX_BLOCK 0x1p40L /* tokens; see attn_flash_tiles */

typedef unsigned __int128 u128;

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

/* The kernel's tiles when the point names them, else Algorithm 1's from M. */
void attn_point_tiles(const attn_cost_point *p, int64_t d, int64_t *bc, int64_t *br)
{
    if (p->tile_rows > 0 && p->tile_cols > 0) {
        *br = p->tile_rows;
        *bc = p->tile_cols;
        return;
    }
    attn_tile_sizes(p->sram, d, bc, br);
}

/* sum_{i=0}^{count-1} floor((a i + b) / m) for a, b >= 0, m > 0 (the AtCoder Library's
 * floor_sum recurrence: peel off the whole parts of a / m and b / m, then swap the roles of
 * a and m). 128-bit, since a i + b reaches 2^80 for n = 2^40. */
static u128 floor_sum(u128 count, u128 m, u128 a, u128 b)
{
    u128 sum = 0;
    while (count) {
        if (a >= m) {
            sum += count * (count - 1) / 2 * (a / m);
            a %= m;
        }
        if (b >= m) {
            sum += count * (b / m);
            b %= m;
        }
        u128 y_max = a * count + b;
        if (y_max < m)
            break;
        count = y_max / m;
        b = y_max % m;
        u128 t = m;
        m = a;
        a = t;
    }
    return sum;
}

/* One staircase step m floor((p i + q) / m), q of either sign. */
static long double step_at(int64_t i, int64_t p, int64_t q, int64_t m)
{
    __int128 x = (__int128)p * i + q, f = x / m;
    if (x % m != 0 && x < 0)
        f--;
    return (long double)(f * m);
}

/* First i in [0, count) whose step is >= bound (count when none): steps never fall. */
static int64_t first_at_least(int64_t count, int64_t p, int64_t q, int64_t m, long double bound)
{
    int64_t lo = 0, hi = count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (step_at(mid, p, q, m) >= bound)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* sum_{i=from}^{to-1} m floor((p i + q) / m), the steps all >= 0 there. */
static long double step_sum(int64_t from, int64_t to, int64_t p, int64_t q, int64_t m)
{
    if (to <= from)
        return 0;
    /* shift i to start at 0: p (from + j) + q = p j + (p from + q) >= 0 on this range
     * except for a negative part below m, which floors to -1 and is clamped by callers */
    __int128 b = (__int128)p * from + q;
    long double shift = 0;
    if (b < 0) { /* make b non-negative by whole multiples of m, taken off again below */
        __int128 k = (-b + m - 1) / m;
        b += k * m;
        shift = (long double)k * (long double)(to - from);
    }
    u128 s = floor_sum((u128)(to - from), (u128)m, (u128)p, (u128)b);
    return ((long double)s - shift) * (long double)m;
}

/* sum_{i=0}^{count-1} min(hi, max(lo, m floor((p i + q) / m))) in O(log count). */
static long double clamped_step_sum(int64_t count, int64_t p, int64_t q, int64_t m,
                                    long double lo, long double hi)
{
    int64_t a = first_at_least(count, p, q, m, lo);
    int64_t b = first_at_least(count, p, q, m, hi);
    return lo * (long double)a + step_sum(a, b, p, q, m) + hi * (long double)(count - b);
}

/* Keys all FA-2 query blocks see together, block-aligned (causal): block i covers rows
 * [i br, (i + 1) br) and sees keys [bc floor(lo_i / bc), min(n, bc ceil(r1 / bc))), with
 * lo_i = max(0, i br - window + 1). The last block's rows stop at n, which only changes a
 * value that is clamped to n anyway. */
long double attn_causal_cols(const attn_cost_point *p, int64_t bc, int64_t br)
{
    int64_t blocks = (p->n + br - 1) / br;
    long double n = (long double)p->n;
    long double last = clamped_step_sum(blocks, br, br + bc - 1, bc, 0, n);
    long double first = 0;
    if (p->window)
        first = clamped_step_sum(blocks, br, 1 - p->window, bc, 0, n);
    return last - first;
}

/* Rows all Algorithm-1 key blocks are seen by, block-aligned (causal): key block j covers
 * [j bc, (j + 1) bc) and is seen by rows [br floor(j bc / br), last_j), last_j = n, or with a
 * window min(n, br ceil(((j + 1) bc - 1 + window) / br)). */
long double attn_causal_rows(const attn_cost_point *p, int64_t bc, int64_t br)
{
    int64_t blocks = (p->n + bc - 1) / bc;
    long double n = (long double)p->n;
    long double first = clamped_step_sum(blocks, bc, 0, br, 0, n);
    long double last = n * (long double)blocks;
    if (p->window)
        last = clamped_step_sum(blocks, bc, bc - 1 + p->window + br - 1, br, 0, n);
    return last - first;
}

/* Keys the FA-2 query blocks whose sweep is longer than `longer_than` keys read, causal
 * without a window (sweeps grow with the block index); with a window every sweep is about
 * window + a block long, so all count or none do. */
long double attn_causal_cols_beyond(const attn_cost_point *p, int64_t bc, int64_t br,
                                    long double longer_than)
{
    int64_t blocks = (p->n + br - 1) / br;
    long double n = (long double)p->n;
    if (p->window)
        return (long double)(p->window + br + bc) > longer_than ? attn_causal_cols(p, bc, br)
                                                                 : 0;
    long double bound = floorl(longer_than) + 1;
    if (bound > n) /* no sweep reads more than n keys */
        return 0;
    int64_t from = first_at_least(blocks, br, br + bc - 1, bc, bound);
    if (from >= blocks)
        return 0;
    return clamped_step_sum(blocks, br, br + bc - 1, bc, 0, n)
           - clamped_step_sum(from, br, br + bc - 1, bc, 0, n);
}

attn_traffic attn_flash1_traffic(const attn_cost_point *p, int64_t d_qk, int64_t d_v)
{
    int64_t bc, br;
    attn_tile_sizes(p->sram, d_qk > d_v ? d_qk : d_v, &bc, &br);
    long double n = (long double)p->n;
    attn_traffic t = {n * (long double)(d_qk + d_v), 0};
    long double rows = p->causal ? attn_causal_rows(p, bc, br)
                                 : ceill(n / (long double)bc) * n; /* T_c blocks x every row */
    t.read += rows * (long double)(d_qk + d_v + 2); /* Q_i, O_i, l_i, m_i */
    t.write += rows * (long double)(d_v + 2);       /* O_i, l_i, m_i */
    return t;
}

attn_traffic attn_flash2_traffic(const attn_cost_point *p, int64_t d_qk, int64_t d_v)
{
    int64_t bc, br;
    attn_point_tiles(p, d_qk > d_v ? d_qk : d_v, &bc, &br);
    long double n = (long double)p->n;
    attn_traffic t = {n * (long double)d_qk, n * (long double)(d_v + 1)}; /* Q; O and L */
    long double cols = p->causal ? attn_causal_cols(p, bc, br)
                                 : ceill(n / (long double)br) * n; /* T_r blocks x every key */
    t.read += cols * (long double)(d_qk + d_v);
    return t;
}
