/* test_cuda_hw.c — `hw` traffic on the CUDA backend (CUPTI's range profiler, cuda_cupti.c).
 *
 * Without a GPU (CI): CUPTI asked to measure with no context answers ATTN_ERR_UNSUPPORTED and
 * one line of reason, never a number or a crash. With a GPU: flash-decoding over a cache far
 * larger than any L2 (Llama-3-8B's shape, t = 32768, fp16: 32768 · 8 KV heads · 128 · 2 (K, V)
 * · 2 B = 134,217,728 B, against the H100's 50 MB L2) must read at least the cache once and at
 * most the counted bytes plus a quarter (the partials, the queries and DRAM's own granularity):
 * the counters agree with the count when nothing can hide in a cache. A device whose counters
 * cannot be read (ERR_NVGPUCTRPERM) skips with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backend.h"
#include "cuda_cupti.h"

static int never_called(void *arg)
{
    (void)arg;
    fail_msg("the work ran although CUPTI could not measure it");
    return 0;
}

static void test_without_context_answers_why(void **state)
{
    (void)state;
    uint64_t bytes = 1;
    char why[300] = "";
    const attn_backend *cuda = attn_backend_find("cuda");
    assert_non_null(cuda);
    if (cuda->probe(why, sizeof why) == ATTN_OK)
        skip(); /* a live driver: the measured test below covers it */
    assert_int_equal(attn_cupti_dram_bytes(NULL, 0, never_called, NULL, &bytes, why, sizeof why),
                     ATTN_ERR_UNSUPPORTED);
    assert_int_equal(bytes, 0);
    assert_true(why[0] != '\0');
    assert_null(strchr(why, '\n'));
    print_message("without a GPU: %s\n", why);
}

static void test_decode_reads_the_cache_once(void **state)
{
    (void)state;
    const attn_backend *cuda = attn_backend_find("cuda");
    char why[300] = "";
    if (cuda->probe(why, sizeof why) != ATTN_OK) {
        print_message("skipped: cuda backend unavailable: %s\n", why);
        skip();
    }
    const attn_problem p = {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 32, .kv_heads = 8,
                            .n = 32768, .d_qk = 128, .d_v = 128, .store = ATTN_DTYPE_FP16,
                            .seed = 7};
    const uint64_t cache_bytes = 32768ull * 8 * 128 * 2 * 2;
    void *ctx = NULL;
    size_t elems = 0;
    attn_kernel_stats stats;
    double seconds;
    uint64_t bytes = 0;
    assert_int_equal(cuda->alloc(&ctx, &attn_gpu_ops_flash, &p, &elems), ATTN_OK);
    assert_int_equal(cuda->run(ctx, &stats, &seconds), ATTN_OK);
    int rc = cuda->hw_traffic(ctx, &bytes, why, sizeof why);
    cuda->free(ctx);
    if (rc) {
        print_message("skipped: counters unreadable here: %s\n", why);
        skip();
    }
    print_message("hw %llu B, counted %llu B, cache %llu B\n", (unsigned long long)bytes,
                  (unsigned long long)(stats.bytes_read + stats.bytes_written),
                  (unsigned long long)cache_bytes);
    assert_true(bytes >= cache_bytes);
    assert_true(bytes <= (stats.bytes_read + stats.bytes_written) * 5 / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_context_answers_why),
        cmocka_unit_test(test_decode_reads_the_cache_once),
    };
    return cmocka_run_group_tests_name("cuda hw traffic", tests, NULL, NULL);
}
