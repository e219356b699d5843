/* test_dram_walk.c — the pass walk behind the cache-aware traffic (dram_walk.h) against hand
 * derivations, in elements.
 *
 * A standard-attention head is Q read (100, a new one each head), then S (1000, one buffer for
 * every head) stored, updated and read. When S fits, only its first store misses and it is
 * written back once at the end; when it does not, every pass misses and every pass after a
 * store first writes the dirty S back. Blocks sweeping key tiles (an inner loop) re-read their
 * rows on every key tile when the tile's working set outgrows the cache.
 */
#include "dram_walk.h"
#include "test_util.h"

static attn_walk two_heads(void)
{
    attn_walk w = {0};
    int q = attn_walk_buffer_add(&w, 100, 1, false);
    int s = attn_walk_buffer_add(&w, 1000, 0, false);
    attn_walk_loop(&w, 2);
    attn_walk_pass_add(&w, q, ATTN_PASS_READ, 1, 1);
    attn_walk_pass_add(&w, s, ATTN_PASS_WRITE, 1, 1);
    attn_walk_pass_add(&w, s, ATTN_PASS_UPDATE, 1, 1);
    attn_walk_pass_add(&w, s, ATTN_PASS_READ, 1, 1);
    return w;
}

static void scores_fit(void **state)
{
    (void)state;
    attn_walk w = two_heads();
    /* 2 Q + S's fill (write-allocate) + S's write-back at the end */
    assert_float_equal((double)attn_walk_dram(&w, 5000, true), 2 * 100 + 1000 + 1000, 1e-9);
    /* a GPU's L2 does not fill a line its store overwrites */
    assert_float_equal((double)attn_walk_dram(&w, 5000, false), 2 * 100 + 1000, 1e-9);
}

static void scores_spill(void **state)
{
    (void)state;
    attn_walk w = two_heads();
    /* per head: Q; store fills S; update writes back + fills; read writes back + fills */
    assert_float_equal((double)attn_walk_dram(&w, 500, true), 2 * (100 + 5 * 1000), 1e-9);
    /* no write-allocate: the first store's fill goes */
    assert_float_equal((double)attn_walk_dram(&w, 500, false), 2 * (100 + 4 * 1000), 1e-9);
}

/* A GQA group of 2 heads shares its K (period 2): 4 heads read 2 Ks when K stays, 4 when the
 * cache cannot hold one K. */
static void groups_share(void **state)
{
    (void)state;
    attn_walk w = {0};
    int k = attn_walk_buffer_add(&w, 300, 2, false);
    attn_walk_loop(&w, 4);
    attn_walk_pass_add(&w, k, ATTN_PASS_READ, 1, 1);
    assert_float_equal((double)attn_walk_dram(&w, 1000, true), 2 * 300, 1e-9);
    assert_float_equal((double)attn_walk_dram(&w, 200, true), 4 * 300, 1e-9);
}

/* Sweeps read back to back hit when the part and the tiles fit, else each misses. */
static void sweeps(void **state)
{
    (void)state;
    attn_walk w = {0};
    int k = attn_walk_buffer_add(&w, 300, 0, false);
    int t = attn_walk_buffer_add(&w, 50, 0, true);
    attn_walk_loop(&w, 1);
    attn_walk_pass_add(&w, t, ATTN_PASS_UPDATE, 1, 1);
    attn_walk_pass_add(&w, k, ATTN_PASS_READ, 1, 5);
    /* tile: fill + write-back; K once */
    assert_float_equal((double)attn_walk_dram(&w, 1000, true), 2 * 50 + 300, 1e-9);
    /* 300 + 50 > 320: every sweep misses */
    assert_float_equal((double)attn_walk_dram(&w, 320, true), 2 * 50 + 5 * 300, 1e-9);
}

/* A loop of a million iterations is replayed for two and extrapolated: each new Q is read
 * once, the shared tile filled and written back once. */
static void long_loops(void **state)
{
    (void)state;
    attn_walk w = {0};
    int q = attn_walk_buffer_add(&w, 10, 1, false);
    int t = attn_walk_buffer_add(&w, 7, 0, true);
    attn_walk_loop(&w, 1e6);
    attn_walk_pass_add(&w, t, ATTN_PASS_UPDATE, 1, 1);
    attn_walk_pass_add(&w, q, ATTN_PASS_READ, 1, 1);
    assert_float_equal((double)attn_walk_dram(&w, 100, true), 1e6 * 10 + 2 * 7, 1e-6);
}

/* Two blocks, each half of Q (400), sweep key tiles of K (1000) from K's start through a
 * tile T (100), re-reading the block's Q rows (200) on every key tile; the tiles of a block
 * cover `reach` of K (a causal block sees a prefix). */
static attn_walk blocks_over_tiles(long double tiles, long double reach)
{
    attn_walk w = {0};
    int q = attn_walk_buffer_add(&w, 400, 0, false);
    int t = attn_walk_buffer_add(&w, 100, 0, true);
    int k = attn_walk_buffer_add(&w, 1000, 0, false);
    attn_walk_loop(&w, 2);
    attn_walk_pass_add(&w, q, ATTN_PASS_READ, 0.5, 1);
    attn_walk_inner(&w, tiles);
    attn_walk_prefix_add(&w, k, reach / tiles);
    attn_walk_pass_add(&w, t, ATTN_PASS_UPDATE, 1, 1);
    attn_walk_again_add(&w, q, ATTN_PASS_READ, 0.5);
    attn_walk_inner_end(&w);
    return w;
}

static void tiles_fit_or_miss_per_key_tile(void **state)
{
    (void)state;
    attn_walk w = blocks_over_tiles(5, 1);
    /* everything fits: Q once (2 x 200), K once (the second block's tiles hit), T filled and
     * written back once */
    assert_float_equal((double)attn_walk_dram(&w, 10000, true), 400 + 1000 + 2 * 100, 1e-9);
    /* a key tile's K (200) + T (100) + the block's Q (200) = 500 fit 600, Q whole (400) with
     * them would not: the Q rows hit, K (1000) misses every tile. Block 1: Q 200, tile 1 K 200
     * + T 100 (cold), tiles 2-5 K 200. Block 2: Q 200 (new rows), tile 1 K 200 + T 200 (since
     * T's last pass came both blocks' Q rows and a K tile, 700: written back and filled),
     * tiles 2-5 K 200. At the end T's 100 dirty. */
    assert_float_equal((double)attn_walk_dram(&w, 600, true),
                       (200 + 300 + 4 * 200) + (200 + 400 + 4 * 200) + 100, 1e-9);
    /* 500 > 450: every key tile misses all three; T is dirty, so each miss after its first
     * writes it back too. Block 1: Q 200, tile 1 K 200 + T 100 + Q 200, tiles 2-5 200 +
     * 2 x 100 + 200. Block 2: Q 200 (right after Q's last read: a hit taking its 200 new
     * rows), then 5 tiles of 600. At the end T's 100 dirty. */
    assert_float_equal((double)attn_walk_dram(&w, 450, true),
                       (200 + 500 + 4 * 600) + (200 + 5 * 600) + 100, 1e-9);
    /* blocks that see K's first half: both read the same 500, once */
    attn_walk half = blocks_over_tiles(5, 0.5);
    assert_float_equal((double)attn_walk_dram(&half, 10000, true), 400 + 500 + 2 * 100, 1e-9);
    /* no inner loop closed: the walk refuses */
    attn_walk open = {0};
    attn_walk_loop(&open, 1);
    attn_walk_inner(&open, 2);
    assert_true(attn_walk_dram(&open, 100, true) < 0);
}

/* Blocks of 100000 key tiles are replayed for two and extrapolated: the compulsory traffic is
 * still K's part once, the second block (from K's start again) reads nothing new, and a later
 * pass over all of K finds it all reached. */
static void long_inner_loops(void **state)
{
    (void)state;
    attn_walk w = blocks_over_tiles(1e5, 1);
    attn_walk_loop(&w, 1);
    attn_walk_pass_add(&w, 2, ATTN_PASS_READ, 1, 1);
    assert_float_equal((double)attn_walk_dram(&w, 10000, true), 400 + 1000 + 2 * 100, 1e-6);
    attn_walk half = blocks_over_tiles(1e5, 0.5);
    assert_float_equal((double)attn_walk_dram(&half, 10000, true), 400 + 500 + 2 * 100, 1e-6);
}

/* Two blocks each sweep K and V (300 each) in 3 key tiles. The second block re-reads a tile
 * one block's sweep after the first did, so what decides is the whole sweep (600), not what
 * came since K's previous tile: 600 > 500, every tile misses again; 600 <= 700, all hit. */
static void sweeps_come_round_once_a_block(void **state)
{
    (void)state;
    attn_walk w = {0};
    int k = attn_walk_buffer_add(&w, 300, 0, false);
    int v = attn_walk_buffer_add(&w, 300, 0, false);
    attn_walk_loop(&w, 2);
    attn_walk_inner(&w, 3);
    attn_walk_prefix_add(&w, k, 1.0L / 3);
    attn_walk_prefix_add(&w, v, 1.0L / 3);
    attn_walk_inner_end(&w);
    assert_float_equal((double)attn_walk_dram(&w, 500, true), 2 * 600, 1e-9);
    assert_float_equal((double)attn_walk_dram(&w, 700, true), 600, 1e-9);
}

static void overflow_answers_minus_one(void **state)
{
    (void)state;
    attn_walk w = {0};
    for (int i = 0; i <= ATTN_WALK_BUFFERS; i++)
        attn_walk_buffer_add(&w, 1, 0, false);
    assert_true(attn_walk_dram(&w, 100, true) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scores_fit),
        cmocka_unit_test(scores_spill),
        cmocka_unit_test(groups_share),
        cmocka_unit_test(sweeps),
        cmocka_unit_test(long_loops),
        cmocka_unit_test(tiles_fit_or_miss_per_key_tile),
        cmocka_unit_test(long_inner_loops),
        cmocka_unit_test(sweeps_come_round_once_a_block),
        cmocka_unit_test(overflow_answers_minus_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
