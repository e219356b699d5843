/* test_dram_walk.c — the pass walk behind the cache-aware traffic (dram_walk.h) against hand
 * derivations, in elements.
 *
 * A standard-attention head is Q read (100, a new one each head), then S (1000, one buffer for
 * every head) stored, updated and read. When S fits, only its first store misses and it is
 * written back once at the end; when it does not, every pass misses and every pass after a
 * store first writes the dirty S back.
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
        cmocka_unit_test(overflow_answers_minus_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
