/* test_gpu_kernels.c — the flash kernels through one backend (BACKEND, "opencl" or "cuda", set
 * at build time): every kernel against the CPU double reference on awkward shapes (n = 1, 7,
 * 129, not tile multiples; GQA groups 1 and 4; causal and not; fp32/fp16/bf16 caches), and the
 * counted traffic against the formula for the tiling as implemented, written out here from the
 * definitions (kernels.h, ops_gpu_exact.c) rather than taken from the job builder.
 *
 * A backend that cannot run here (no PoCL, no NVIDIA driver) skips every test, visibly, with
 * its one-line reason, and the program exits 77 so that meson reports SKIP (gpu_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpu_check.h"

#define SMALL_SRAM (4 * 1024) /* tiles of 4 key rows at d = 64: many partial tiles */

static const attn_problem prefill_shapes[] = {
    {.batch = 1, .heads = 1, .kv_heads = 1, .n = 1, .d_qk = 64, .d_v = 64},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n = 7, .d_qk = 80, .d_v = 80, .causal = true},
    {.batch = 2, .heads = 4, .kv_heads = 1, .n = 129, .d_qk = 64, .d_v = 64, .causal = true},
    {.batch = 1, .heads = 4, .kv_heads = 4, .n = 129, .d_qk = 64, .d_v = 64},
    {.batch = 1, .heads = 8, .kv_heads = 2, .n = 129, .d_qk = 128, .d_v = 128, .causal = true},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n = 129, .d_qk = 80, .d_v = 64},
    {.batch = 1, .heads = 2, .kv_heads = 2, .n = 7, .d_qk = 64, .d_v = 64,
     .sram_bytes = SMALL_SRAM},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n = 129, .d_qk = 64, .d_v = 64, .causal = true,
     .sram_bytes = SMALL_SRAM},
};

static void test_flash_prefill(void **state)
{
    (void)state;
    gpu_require_backend();
    for (size_t s = 0; s < sizeof prefill_shapes / sizeof *prefill_shapes; s++) {
        attn_problem p = prefill_shapes[s];
        p.phase = ATTN_PHASE_PREFILL;
        p.seed = 40 + s;
        char what[200];
        gpu_describe(&p, what, sizeof what);
        attn_flash_tiles tiles;
        assert_int_equal(attn_gpu_flash_tiles(&gpu_device, &p, &tiles), ATTN_OK);
        attn_kernel_stats st = gpu_run_and_check(&attn_gpu_ops_flash, &p, NULL, what);
        const uint64_t heads = (uint64_t)(p.batch * p.heads), n = (uint64_t)p.n;
        const uint64_t kv_rows = gpu_flash_kv_rows(p.n, p.causal, tiles.block_rows,
                                               tiles.block_cols);
        assert_int_equal(st.bytes_read,
                         4 * heads * (n * (uint64_t)p.d_qk + kv_rows * (uint64_t)(p.d_qk + p.d_v)));
        assert_int_equal(st.bytes_written, 4 * heads * n * (uint64_t)p.d_v);
    }
}

static const attn_problem decode_shapes[] = {
    {.batch = 1, .heads = 1, .kv_heads = 1, .n = 1, .d_qk = 64, .d_v = 64},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n = 7, .d_qk = 64, .d_v = 64},
    {.batch = 2, .heads = 8, .kv_heads = 2, .n = 129, .d_qk = 128, .d_v = 128},
    {.batch = 1, .heads = 4, .kv_heads = 4, .n = 1000, .d_qk = 80, .d_v = 64},
    {.batch = 1, .heads = 2, .kv_heads = 1, .n = 0, .d_qk = 64, .d_v = 64},
};

static void check_decode(attn_dtype store)
{
    gpu_require_backend();
    for (size_t s = 0; s < sizeof decode_shapes / sizeof *decode_shapes; s++) {
        attn_problem p = decode_shapes[s];
        p.phase = ATTN_PHASE_DECODE;
        p.store = store;
        p.seed = 70 + s;
        char what[200];
        gpu_describe(&p, what, sizeof what);
        attn_gpu_decode_plan plan;
        assert_int_equal(attn_gpu_decode_plan_for(&gpu_device, &p, &plan), ATTN_OK);
        assert_true(plan.splits * plan.split_len >= p.n);
        attn_kernel_stats st = gpu_run_and_check(&attn_gpu_ops_flash, &p, NULL, what);
        const uint64_t heads = (uint64_t)(p.batch * p.heads);
        /* each KV head's cache once, each split's group of queries, O once */
        const uint64_t cache = (uint64_t)(p.batch * p.kv_heads * p.n * (p.d_qk + p.d_v));
        assert_int_equal(st.bytes_read, cache * attn_dtype_size(store) +
                                            4 * (uint64_t)plan.splits * heads * (uint64_t)p.d_qk);
        assert_int_equal(st.bytes_written, 4 * heads * (uint64_t)p.d_v);
        assert_int_equal(st.flops, 2 * heads * (uint64_t)p.n * (uint64_t)(p.d_qk + p.d_v));
    }
}

static void test_decode_fp32(void **state)
{
    (void)state;
    check_decode(ATTN_DTYPE_FP32);
}

static void test_decode_fp16(void **state)
{
    (void)state;
    check_decode(ATTN_DTYPE_FP16);
}

static void test_decode_bf16(void **state)
{
    (void)state;
    check_decode(ATTN_DTYPE_BF16);
}

/* The same problem twice gives the same output (no race between work-items). */
static void test_repeatable(void **state)
{
    (void)state;
    gpu_require_backend();
    attn_problem p = prefill_shapes[4];
    p.seed = 44;
    void *ctx = NULL;
    size_t elems = 0;
    attn_kernel_stats stats;
    double seconds;
    assert_int_equal(gpu_backend->alloc(&ctx, &attn_gpu_ops_flash, &p, &elems), ATTN_OK);
    float *first = calloc(elems, sizeof *first), *second = calloc(elems, sizeof *second);
    assert_non_null(first);
    assert_non_null(second);
    assert_int_equal(gpu_backend->run(ctx, &stats, &seconds), ATTN_OK);
    assert_int_equal(gpu_backend->download(ctx, first), ATTN_OK);
    assert_int_equal(gpu_backend->run(ctx, &stats, &seconds), ATTN_OK);
    assert_int_equal(gpu_backend->download(ctx, second), ATTN_OK);
    assert_memory_equal(first, second, elems * sizeof *first);
    free(first);
    free(second);
    gpu_backend->free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_prefill),
        cmocka_unit_test(test_decode_fp32),
        cmocka_unit_test(test_decode_fp16),
        cmocka_unit_test(test_decode_bf16),
        cmocka_unit_test(test_repeatable),
    };
    return gpu_exit_status(cmocka_run_group_tests_name(BACKEND, tests, gpu_find_backend, NULL));
}
