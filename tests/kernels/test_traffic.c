/* test_traffic.c — counted traffic equals the exact formula of each algorithm as implemented,
 * and the measured workspace has the shape the algorithms promise: standard holds the n_q×n_kv
 * scores, flash a fixed set of tiles whatever n is.
 *
 * The formulas are written out here from the papers' definitions (FlashAttention Algorithm 0;
 * FlashAttention-2's loop order with B_c = ceil(M/4d), B_r = min(B_c, d); one read of each KV
 * head's cache in decode), not taken from the kernels, so a kernel that moves more or less
 * than it should fails.
 */
#include "kernel_test_util.h"

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

static attn_kernel_stats run(const attn_problem *p, int kernel, size_t sram)
{
    attn_kernel_stats stats;
    int rc = kernel == 0 ? attn_cpu_standard(&p->dims, p->q, p->k, p->v, p->o, &stats)
                         : attn_cpu_flash(&p->dims, sram, p->q, p->k, p->v, p->o, &stats);
    assert_int_equal(rc, ATTN_OK);
    return stats;
}

static const attn_dims traffic_shapes[] = {
    {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 256, .n_kv = 256, .d_qk = 64, .d_v = 64},
    {.batch = 2, .heads = 4, .kv_heads = 1, .n_q = 300, .n_kv = 300, .d_qk = 80, .d_v = 80, .causal = true},
    {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 129, .n_kv = 129, .d_qk = 128, .d_v = 64},
    {.batch = 1, .heads = 1, .kv_heads = 1, .n_q = 7, .n_kv = 200, .d_qk = 64, .d_v = 64, .causal = true},
    {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 100, .n_kv = 40, .d_qk = 64, .d_v = 64, .causal = true},
};
#define TRAFFIC_SHAPES (sizeof traffic_shapes / sizeof *traffic_shapes)

static void test_standard_counts_algorithm_0(void **state)
{
    (void)state;
    for (size_t s = 0; s < TRAFFIC_SHAPES; s++) {
        attn_problem p = problem_init(traffic_shapes[s], 11, 1.0f);
        const attn_dims *d = &p.dims;
        const uint64_t heads = (uint64_t)(d->batch * d->heads);
        const uint64_t n_q = (uint64_t)d->n_q, n_kv = (uint64_t)d->n_kv;
        attn_kernel_stats st = run(&p, 0, 0);
        /* read Q, K; write S; read S, write P; read P, V; write O */
        uint64_t read = n_q * d->d_qk + n_kv * d->d_qk + n_q * n_kv + n_q * n_kv + n_kv * d->d_v;
        uint64_t written = n_q * n_kv + n_q * n_kv + n_q * d->d_v;
        assert_int_equal(st.bytes_read, 4 * heads * read);
        assert_int_equal(st.bytes_written, 4 * heads * written);
        assert_int_equal(st.flops, 2 * heads * n_q * n_kv * (uint64_t)(d->d_qk + d->d_v));
        if (n_q == n_kv) /* the paper's 2N·d_qk + 2N·d_v + 4N² */
            assert_int_equal(st.bytes_read + st.bytes_written,
                             4 * heads * (2 * n_q * d->d_qk + 2 * n_q * d->d_v + 4 * n_q * n_q));
        assert_int_equal(st.peak_bytes, 4 * n_q * n_kv);
        problem_free(&p);
    }
}

/* Key rows a FlashAttention-2 pass reads for one head, written from the definition. */
static uint64_t flash_kv_rows(const attn_dims *d, uint64_t block_rows, uint64_t block_cols)
{
    uint64_t rows = 0;
    for (int64_t i0 = 0; i0 < d->n_q; i0 += (int64_t)block_rows) {
        int64_t last = i0 + (int64_t)block_rows < d->n_q ? i0 + (int64_t)block_rows : d->n_q;
        int64_t seen = d->causal ? d->n_kv - d->n_q + last : d->n_kv;
        seen = seen < 0 ? 0 : seen;
        uint64_t whole_blocks = ceil_div((uint64_t)seen, block_cols) * block_cols;
        rows += whole_blocks < (uint64_t)d->n_kv ? whole_blocks : (uint64_t)d->n_kv;
    }
    return rows;
}

static void test_flash_counts_its_loop(void **state)
{
    (void)state;
    const size_t srams[] = {16 * 1024, 64 * 1024, 1024 * 1024};
    for (size_t s = 0; s < TRAFFIC_SHAPES; s++)
        for (size_t m = 0; m < 3; m++) {
            attn_problem p = problem_init(traffic_shapes[s], 12, 1.0f);
            const attn_dims *d = &p.dims;
            const uint64_t dmax = (uint64_t)(d->d_qk > d->d_v ? d->d_qk : d->d_v);
            const uint64_t bc = ceil_div(srams[m] / 4, 4 * dmax);
            const uint64_t br = bc < dmax ? bc : dmax;
            attn_flash_tiles tiles = attn_flash_tiles_for(srams[m], (int64_t)dmax);
            assert_int_equal(tiles.block_cols, bc);
            assert_int_equal(tiles.block_rows, br);
            const uint64_t heads = (uint64_t)(d->batch * d->heads);
            const uint64_t kv_rows = flash_kv_rows(d, br, bc);
            attn_kernel_stats st = run(&p, 1, srams[m]);
            assert_int_equal(st.bytes_read, 4 * heads * ((uint64_t)(d->n_q * d->d_qk)
                                                         + kv_rows * (uint64_t)(d->d_qk + d->d_v)));
            assert_int_equal(st.bytes_written, 4 * heads * (uint64_t)(d->n_q * d->d_v));
            if (!d->causal) { /* per head: n_q·d_qk + T_r·n_kv·(d_qk + d_v) + n_q·d_v */
                const uint64_t t_r = ceil_div((uint64_t)d->n_q, br);
                assert_int_equal(kv_rows, t_r * (uint64_t)d->n_kv);
                assert_int_equal(st.flops, 2 * heads * (uint64_t)(d->n_q * d->n_kv)
                                               * (uint64_t)(d->d_qk + d->d_v));
            }
            problem_free(&p);
        }
}

static void test_causal_flash_skips_masked_blocks(void **state)
{
    (void)state;
    attn_dims d = traffic_shapes[0];
    attn_problem full = problem_init(d, 13, 1.0f);
    d.causal = true;
    attn_problem causal = problem_init(d, 13, 1.0f);
    attn_kernel_stats a = run(&full, 1, 16 * 1024), b = run(&causal, 1, 16 * 1024);
    assert_true(b.bytes_read < a.bytes_read);
    assert_true(b.flops < a.flops * 6 / 10);
    problem_free(&full);
    problem_free(&causal);
}

static void test_flash_workspace_is_independent_of_n(void **state)
{
    (void)state;
    attn_dims d = {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 256, .n_kv = 256,
                   .d_qk = 64, .d_v = 64, .causal = true};
    attn_problem shorter = problem_init(d, 14, 1.0f);
    d.n_q = d.n_kv = 1024;
    attn_problem longer = problem_init(d, 14, 1.0f);
    attn_kernel_stats a = run(&shorter, 1, 64 * 1024), b = run(&longer, 1, 64 * 1024);
    assert_true(a.peak_bytes > 0);
    assert_int_equal(a.peak_bytes, b.peak_bytes);
    attn_kernel_stats standard = run(&longer, 0, 0);
    assert_int_equal(standard.peak_bytes, 1024u * 1024u * 4u);
    assert_true(b.peak_bytes < standard.peak_bytes / 4);
    problem_free(&shorter);
    problem_free(&longer);
}

static void test_decode_reads_each_cache_once(void **state)
{
    (void)state;
    const attn_dims shapes[] = {
        {.batch = 1, .heads = 8, .kv_heads = 1, .n_q = 1, .n_kv = 1000, .d_qk = 128, .d_v = 128},
        {.batch = 3, .heads = 8, .kv_heads = 2, .n_q = 1, .n_kv = 77, .d_qk = 64, .d_v = 80},
        {.batch = 2, .heads = 4, .kv_heads = 4, .n_q = 1, .n_kv = 0, .d_qk = 64, .d_v = 64},
    };
    for (size_t s = 0; s < 3; s++)
        for (attn_dtype store = ATTN_DTYPE_FP32; store <= ATTN_DTYPE_BF16; store++) {
            attn_problem p = problem_init(shapes[s], 15, 1.0f);
            const attn_dims *d = &p.dims;
            const uint64_t size = attn_dtype_size(store);
            void *k_cache = test_alloc(p.k_elems * size), *v_cache = test_alloc(p.v_elems * size);
            attn_dtype_from_f32(store, p.k, p.k_elems, k_cache);
            attn_dtype_from_f32(store, p.v, p.v_elems, v_cache);
            attn_kernel_stats st;
            assert_int_equal(attn_cpu_decode(d, store, p.q, k_cache, v_cache, p.o, &st), ATTN_OK);
            const uint64_t cache = (uint64_t)(d->batch * d->kv_heads * d->n_kv);
            assert_int_equal(st.bytes_read, cache * (uint64_t)(d->d_qk + d->d_v) * size
                                                + 4 * (uint64_t)(d->batch * d->heads * d->d_qk));
            assert_int_equal(st.bytes_written, 4 * (uint64_t)(d->batch * d->heads * d->d_v));
            assert_int_equal(st.flops, 2 * (uint64_t)(d->batch * d->heads * d->n_kv)
                                           * (uint64_t)(d->d_qk + d->d_v));
            free(k_cache);
            free(v_cache);
            problem_free(&p);
        }
}

static void test_allocator_counts_live_and_peak(void **state)
{
    (void)state;
    size_t base = attn_kalloc_mark();
    void *a = attn_kalloc(1000), *b = attn_kalloc(24);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(attn_kalloc_current(), base + 1024);
    attn_kfree(a);
    assert_int_equal(attn_kalloc_current(), base + 24);
    assert_int_equal(attn_kalloc_peak(), base + 1024);
    assert_int_equal((uintptr_t)b % 64, 0);
    attn_kfree(b);
    attn_kfree(NULL);
    assert_int_equal(attn_kalloc_current(), base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_counts_algorithm_0),
        cmocka_unit_test(test_flash_counts_its_loop),
        cmocka_unit_test(test_causal_flash_skips_masked_blocks),
        cmocka_unit_test(test_flash_workspace_is_independent_of_n),
        cmocka_unit_test(test_decode_reads_each_cache_once),
        cmocka_unit_test(test_allocator_counts_live_and_peak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
