/* cost_executed.c — the tiles a block-skipping kernel really computes.
 *
 * Useful FLOPs count scored pairs (n(n+1)/2 when causal); a tiled kernel computes whole tiles,
 * so its executed count is larger on the diagonal. The walk below follows the kernels' own
 * loop (CPU flash: attn_cpu_flash; MLA: attn_cpu_mla_absorbed): a block of query rows
 * [r0, r1) loads key tiles from the first visible key up to the tile that holds the block's
 * last visible key, clipped at n. Causal counts come in closed form, as attn_flash2_traffic's.
 */
#include "cost.h"

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Key rows [lo, hi) that rows [r0, r1) load, tile-aligned. */
static int64_t keys_loaded(const attn_cost_point *p, int64_t r0, int64_t r1, int64_t bc)
{
    int64_t lo = p->window && r0 - p->window + 1 > 0 ? r0 - p->window + 1 : 0;
    int64_t hi = min64(p->n, (r1 + bc - 1) / bc * bc);
    lo = lo / bc * bc;
    return hi > lo ? hi - lo : 0;
}

attn_tiled_visit attn_tiled_visit_count(const attn_cost_point *p, int64_t block_rows,
                                        int64_t block_cols)
{
    attn_tiled_visit v = {0, 0};
    if (block_rows < 1 || block_cols < 1)
        return v;
    if (p->phase == ATTN_PHASE_DECODE) {
        v.pairs = (long double)attn_tokens_held(p);
        v.key_rows = v.pairs;
        return v;
    }
    if (!p->causal) {
        long double n = (long double)p->n;
        v.pairs = n * n;
        v.key_rows = (long double)((p->n + block_rows - 1) / block_rows) * n;
        return v;
    }
    if (!p->window && block_cols % block_rows == 0) {
        /* Query blocks nest in key tiles: the rows of key tile j (full tiles j < T) load
         * (j + 1) B_c keys, the ragged rows after them all n. */
        long double bc = (long double)block_cols, n = (long double)p->n;
        long double tiles = (long double)(p->n / block_cols), rem = (long double)(p->n % block_cols);
        long double steps = tiles * (tiles + 1) / 2 * bc;
        v.pairs = bc * steps + rem * n;
        v.key_rows = (long double)(block_cols / block_rows) * steps +
                     (long double)((p->n % block_cols + block_rows - 1) / block_rows) * n;
        return v;
    }
    /* Windows or tiles that do not nest: the keys of every query block summed in closed form
     * (cost_tiles.c's floor sums, O(log n)); each block has block_rows rows but the last,
     * which is short by blocks x block_rows - n. */
    int64_t blocks = (p->n + block_rows - 1) / block_rows;
    long double last_keys = (long double)keys_loaded(p, (blocks - 1) * block_rows, p->n,
                                                     block_cols);
    v.key_rows = attn_causal_cols(p, block_cols, block_rows);
    v.pairs = (long double)block_rows * v.key_rows -
              (long double)(blocks * block_rows - p->n) * last_keys;
    return v;
}
