/* test_gpu_kernels.c — the GPU kernels through one backend (BACKEND, "opencl" or "cuda", set at
 * build time): every kernel against the CPU double reference on awkward shapes (n = 1, 7, 129,
 * not tile multiples; GQA groups 1 and 4; causal and not; fp32/fp16/bf16 caches), and the
 * counted traffic against the formula for the tiling as implemented, written out here from the
 * definitions (kernels.h, ops_gpu_exact.c) rather than taken from the job builder.
 *
 * A backend that cannot run here (no PoCL, no NVIDIA driver) skips every test, visibly, with
 * its one-line reason, and the program exits 77 so that meson reports SKIP.
 * Tolerance: |got - ref| <= 1e-5 + 1e-4·|ref| on inputs in [-1, 1].
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "backend.h"
#include "gpu_job.h"

#define ATOL 1e-5
#define RTOL 1e-4
#define SMALL_SRAM (4 * 1024) /* tiles of 4 key rows at d = 64: many partial tiles */

static const attn_backend *backend;
static attn_gpu_device device;
static char unavailable[200];

static int find_backend(void **state)
{
    (void)state;
    backend = attn_backend_find(BACKEND);
    if (!backend)
        snprintf(unavailable, sizeof unavailable, "no backend named %s", BACKEND);
    else if (backend->probe(unavailable, sizeof unavailable) == ATTN_OK) {
        attn_backend_device list[16];
        size_t count = backend->devices(list, 16);
        for (size_t i = 0; i < count && i < 16; i++)
            if (list[i].selected)
                device = (attn_gpu_device){list[i].compute_units, list[i].local_mem_bytes,
                                           list[i].max_group_size};
        unavailable[0] = '\0';
    }
    return 0;
}

static void require_backend(void)
{
    if (unavailable[0]) {
        print_message("skipped: %s backend unavailable: %s\n", BACKEND, unavailable);
        skip();
    }
}

/* Runs p on the backend, checks the output against the reference; returns the stats. */
static attn_kernel_stats run_and_check(const attn_problem *p, const char *what)
{
    void *ctx = NULL;
    size_t elems = 0;
    attn_kernel_stats stats = {0};
    double seconds = -1;
    assert_int_equal(backend->alloc(&ctx, &attn_gpu_ops_flash, p, &elems), ATTN_OK);
    assert_int_equal(backend->run(ctx, &stats, &seconds), ATTN_OK);
    assert_int_equal(backend->sync(ctx), ATTN_OK);
    assert_true(seconds >= 0);
    float *got = calloc(elems + 1, sizeof *got);
    double *ref = calloc(elems + 1, sizeof *ref);
    assert_non_null(got);
    assert_non_null(ref);
    assert_int_equal(backend->download(ctx, got), ATTN_OK);
    assert_int_equal(backend->reference(ctx, ref), ATTN_OK);
    for (size_t i = 0; i < elems; i++)
        if (!isfinite(got[i]) || fabs((double)got[i] - ref[i]) > ATOL + RTOL * fabs(ref[i]))
            fail_msg("%s: element %zu is %.9g, reference %.9g", what, i, (double)got[i],
                     ref[i]);
    free(got);
    free(ref);
    backend->free(ctx);
    return stats;
}

static void describe(const attn_problem *p, char *text, size_t len)
{
    static const char *const stores[] = {"fp32", "fp16", "bf16"};
    snprintf(text, len, "%s %s b=%lld h=%lld kv=%lld n=%lld d=%lld/%lld%s %s sram=%zu", BACKEND,
             p->phase == ATTN_PHASE_DECODE ? "decode" : "prefill", (long long)p->batch,
             (long long)p->heads, (long long)p->kv_heads, (long long)p->n, (long long)p->d_qk,
             (long long)p->d_v, p->causal ? " causal" : "", stores[p->store], p->sram_bytes);
}

/* Key rows one head's FlashAttention-2 pass loads: every query block of B_r rows loads the key
 * blocks of B_c rows up to the last key its last row sees (all of them when not causal). */
static uint64_t flash_kv_rows(int64_t n, bool causal, int64_t block_rows, int64_t block_cols)
{
    uint64_t rows = 0;
    for (int64_t i0 = 0; i0 < n; i0 += block_rows) {
        int64_t last = i0 + block_rows < n ? i0 + block_rows : n;
        int64_t seen = causal ? last : n;
        int64_t loaded = (seen + block_cols - 1) / block_cols * block_cols;
        rows += (uint64_t)(loaded < n ? loaded : n);
    }
    return rows;
}

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
    require_backend();
    for (size_t s = 0; s < sizeof prefill_shapes / sizeof *prefill_shapes; s++) {
        attn_problem p = prefill_shapes[s];
        p.phase = ATTN_PHASE_PREFILL;
        p.seed = 40 + s;
        char what[200];
        describe(&p, what, sizeof what);
        attn_flash_tiles tiles;
        assert_int_equal(attn_gpu_flash_tiles(&device, &p, &tiles), ATTN_OK);
        attn_kernel_stats st = run_and_check(&p, what);
        const uint64_t heads = (uint64_t)(p.batch * p.heads), n = (uint64_t)p.n;
        const uint64_t kv_rows = flash_kv_rows(p.n, p.causal, tiles.block_rows,
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

static void check_decode(attn_store store)
{
    require_backend();
    for (size_t s = 0; s < sizeof decode_shapes / sizeof *decode_shapes; s++) {
        attn_problem p = decode_shapes[s];
        p.phase = ATTN_PHASE_DECODE;
        p.store = store;
        p.seed = 70 + s;
        char what[200];
        describe(&p, what, sizeof what);
        attn_gpu_decode_plan plan;
        assert_int_equal(attn_gpu_decode_plan_for(&device, &p, &plan), ATTN_OK);
        assert_true(plan.splits * plan.split_len >= p.n);
        attn_kernel_stats st = run_and_check(&p, what);
        const uint64_t heads = (uint64_t)(p.batch * p.heads);
        /* each KV head's cache once, each split's group of queries, O once */
        const uint64_t cache = (uint64_t)(p.batch * p.kv_heads * p.n * (p.d_qk + p.d_v));
        assert_int_equal(st.bytes_read, cache * attn_store_size(store) +
                                            4 * (uint64_t)plan.splits * heads * (uint64_t)p.d_qk);
        assert_int_equal(st.bytes_written, 4 * heads * (uint64_t)p.d_v);
        assert_int_equal(st.flops, 2 * heads * (uint64_t)p.n * (uint64_t)(p.d_qk + p.d_v));
    }
}

static void test_decode_fp32(void **state)
{
    (void)state;
    check_decode(ATTN_STORE_FP32);
}

static void test_decode_fp16(void **state)
{
    (void)state;
    check_decode(ATTN_STORE_FP16);
}

static void test_decode_bf16(void **state)
{
    (void)state;
    check_decode(ATTN_STORE_BF16);
}

/* The same problem twice gives the same output (no race between work-items). */
static void test_repeatable(void **state)
{
    (void)state;
    require_backend();
    attn_problem p = prefill_shapes[4];
    p.seed = 44;
    void *ctx = NULL;
    size_t elems = 0;
    attn_kernel_stats stats;
    double seconds;
    assert_int_equal(backend->alloc(&ctx, &attn_gpu_ops_flash, &p, &elems), ATTN_OK);
    float *first = calloc(elems, sizeof *first), *second = calloc(elems, sizeof *second);
    assert_non_null(first);
    assert_non_null(second);
    assert_int_equal(backend->run(ctx, &stats, &seconds), ATTN_OK);
    assert_int_equal(backend->download(ctx, first), ATTN_OK);
    assert_int_equal(backend->run(ctx, &stats, &seconds), ATTN_OK);
    assert_int_equal(backend->download(ctx, second), ATTN_OK);
    assert_memory_equal(first, second, elems * sizeof *first);
    free(first);
    free(second);
    backend->free(ctx);
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
    int failed = cmocka_run_group_tests_name(BACKEND, tests, find_backend, NULL);
    return failed ? failed : unavailable[0] ? 77 : 0; /* 77: meson's "skipped" */
}
