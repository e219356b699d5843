/* test_exact.c — standard, flash and decode against the double reference on awkward shapes:
 * lengths that are not tile multiples (1, 7, 129, 300), d = 64, 80, 128, GQA groups 1, 4, 8,
 * causal and not, chunked prefill (n_q < n_kv), fully masked rows (n_q > n_kv, n_kv = 0),
 * scores near 1e3 that overflow expf without the max subtraction, and fp16/bf16 caches.
 *
 * Tolerances: |got - ref| <= 1e-5 + 1e-4·|ref| for inputs in [-1, 1]; 1e-3 + 1e-3·|ref| when
 * queries are scaled by 1e3 (scores of a few hundred, whose fp32 rounding, ~1e-4 absolute, moves
 * the weights by as much relative). Quantised caches compare with the reference on the rounded
 * cache.
 */
#include <stdio.h>

#include "kernel_test_util.h"

#define ATOL 1e-5
#define RTOL 1e-4
#define LARGE_SCALE 1e3f
#define LARGE_ATOL 1e-3
#define LARGE_RTOL 1e-3
#define SMALL_SRAM (16 * 1024) /* tiles of 16 rows at d = 64: many partial tiles */

static const attn_dims prefill_shapes[] = {
    {.batch = 1, .heads = 1, .kv_heads = 1, .n_q = 1, .n_kv = 1, .d_qk = 64, .d_v = 64},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n_q = 7, .n_kv = 7, .d_qk = 80, .d_v = 80, .causal = true},
    {.batch = 2, .heads = 8, .kv_heads = 1, .n_q = 129, .n_kv = 129, .d_qk = 64, .d_v = 64, .causal = true},
    {.batch = 1, .heads = 8, .kv_heads = 2, .n_q = 300, .n_kv = 300, .d_qk = 128, .d_v = 128},
    {.batch = 1, .heads = 4, .kv_heads = 4, .n_q = 300, .n_kv = 300, .d_qk = 80, .d_v = 80, .causal = true},
    {.batch = 2, .heads = 2, .kv_heads = 2, .n_q = 129, .n_kv = 129, .d_qk = 128, .d_v = 128},
    {.batch = 1, .heads = 8, .kv_heads = 8, .n_q = 7, .n_kv = 7, .d_qk = 128, .d_v = 128, .causal = true},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n_q = 129, .n_kv = 129, .d_qk = 80, .d_v = 64},
    {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 7, .n_kv = 129, .d_qk = 64, .d_v = 64, .causal = true},
    {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 10, .n_kv = 4, .d_qk = 64, .d_v = 64, .causal = true},
    {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 3, .n_kv = 0, .d_qk = 64, .d_v = 64},
};
#define PREFILL_SHAPES (sizeof prefill_shapes / sizeof *prefill_shapes)

static void describe(const attn_dims *d, const char *kernel, char *text, size_t len)
{
    snprintf(text, len, "%s b=%lld h=%lld kv=%lld n_q=%lld n_kv=%lld d=%lld/%lld%s", kernel,
             (long long)d->batch, (long long)d->heads, (long long)d->kv_heads,
             (long long)d->n_q, (long long)d->n_kv, (long long)d->d_qk, (long long)d->d_v,
             d->causal ? " causal" : "");
}

typedef int (*prefill_kernel)(const attn_problem *p);

static int run_standard(const attn_problem *p)
{
    return attn_cpu_standard(&p->dims, p->q, p->k, p->v, p->o, NULL);
}

static int run_flash_small_tiles(const attn_problem *p)
{
    return attn_cpu_flash(&p->dims, SMALL_SRAM, p->q, p->k, p->v, p->o, NULL);
}

static int run_flash_cache_tiles(const attn_problem *p)
{
    return attn_cpu_flash(&p->dims, 0, p->q, p->k, p->v, p->o, NULL);
}

static void check_prefill(prefill_kernel kernel, const char *name, float q_scale, double atol,
                          double rtol)
{
    for (size_t s = 0; s < PREFILL_SHAPES; s++) {
        attn_problem p = problem_init(prefill_shapes[s], 100 + s, q_scale);
        char what[160];
        describe(&p.dims, name, what, sizeof what);
        assert_int_equal(attn_ref_attention(&p.dims, p.q, p.k, p.v, p.ref), ATTN_OK);
        assert_int_equal(kernel(&p), ATTN_OK);
        assert_close(p.o, p.ref, p.o_elems, atol, rtol, what);
        problem_free(&p);
    }
}

static void test_standard_matches_reference(void **state)
{
    (void)state;
    check_prefill(run_standard, "standard", 1.0f, ATOL, RTOL);
}

static void test_flash_matches_reference(void **state)
{
    (void)state;
    check_prefill(run_flash_small_tiles, "flash 16 KiB", 1.0f, ATOL, RTOL);
    check_prefill(run_flash_cache_tiles, "flash L2", 1.0f, ATOL, RTOL);
}

static void test_large_scores_do_not_overflow(void **state)
{
    (void)state;
    check_prefill(run_standard, "standard x1e3", LARGE_SCALE, LARGE_ATOL, LARGE_RTOL);
    check_prefill(run_flash_small_tiles, "flash x1e3", LARGE_SCALE, LARGE_ATOL, LARGE_RTOL);
}

/* Rows that see no key are exactly zero in every kernel (the reference says so too). */
static void test_masked_rows_are_zero(void **state)
{
    (void)state;
    const attn_dims dims = {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 10, .n_kv = 4,
                            .d_qk = 64, .d_v = 64, .causal = true};
    const prefill_kernel kernels[] = {run_standard, run_flash_small_tiles};
    for (size_t i = 0; i < 2; i++) {
        attn_problem p = problem_init(dims, 7, 1.0f);
        assert_int_equal(kernels[i](&p), ATTN_OK);
        for (int64_t h = 0; h < dims.heads; h++)
            for (int64_t e = 0; e < (dims.n_q - dims.n_kv) * dims.d_v; e++)
                assert_true(p.o[h * dims.n_q * dims.d_v + e] == 0.0f);
        problem_free(&p);
    }
}

static const attn_dims decode_shapes[] = {
    {.batch = 1, .heads = 4, .kv_heads = 1, .n_q = 1, .n_kv = 0, .d_qk = 64, .d_v = 64},
    {.batch = 1, .heads = 1, .kv_heads = 1, .n_q = 1, .n_kv = 1, .d_qk = 64, .d_v = 64},
    {.batch = 3, .heads = 8, .kv_heads = 1, .n_q = 1, .n_kv = 7, .d_qk = 80, .d_v = 80},
    {.batch = 1, .heads = 8, .kv_heads = 2, .n_q = 1, .n_kv = 129, .d_qk = 128, .d_v = 128},
    {.batch = 2, .heads = 4, .kv_heads = 4, .n_q = 1, .n_kv = 300, .d_qk = 64, .d_v = 64},
    {.batch = 1, .heads = 8, .kv_heads = 8, .n_q = 1, .n_kv = 1000, .d_qk = 80, .d_v = 64},
    {.batch = 1, .heads = 16, .kv_heads = 2, .n_q = 1, .n_kv = 4099, .d_qk = 128, .d_v = 128},
};
#define DECODE_SHAPES (sizeof decode_shapes / sizeof *decode_shapes)

static void check_decode(attn_dtype store, const char *name, float q_scale, double atol,
                         double rtol)
{
    for (size_t s = 0; s < DECODE_SHAPES; s++) {
        attn_problem p = problem_init(decode_shapes[s], 300 + s, q_scale);
        const size_t size = attn_dtype_size(store);
        void *k_cache = test_alloc(p.k_elems * size), *v_cache = test_alloc(p.v_elems * size);
        attn_dtype_from_f32(store, p.k, p.k_elems, k_cache);
        attn_dtype_from_f32(store, p.v, p.v_elems, v_cache);
        char what[160];
        describe(&p.dims, name, what, sizeof what);
        assert_int_equal(attn_ref_decode(&p.dims, store, p.q, k_cache, v_cache, p.ref), ATTN_OK);
        assert_int_equal(attn_cpu_decode(&p.dims, store, p.q, k_cache, v_cache, p.o, NULL),
                         ATTN_OK);
        assert_close(p.o, p.ref, p.o_elems, atol, rtol, what);
        free(k_cache);
        free(v_cache);
        problem_free(&p);
    }
}

static void test_decode_matches_reference(void **state)
{
    (void)state;
    check_decode(ATTN_DTYPE_FP32, "decode fp32", 1.0f, ATOL, RTOL);
    check_decode(ATTN_DTYPE_FP16, "decode fp16", 1.0f, ATOL, RTOL);
    check_decode(ATTN_DTYPE_BF16, "decode bf16", 1.0f, ATOL, RTOL);
    check_decode(ATTN_DTYPE_FP32, "decode fp32 x1e3", LARGE_SCALE, LARGE_ATOL, LARGE_RTOL);
    check_decode(ATTN_DTYPE_BF16, "decode bf16 x1e3", LARGE_SCALE, LARGE_ATOL, LARGE_RTOL);
}

static void test_bad_dims_are_refused(void **state)
{
    (void)state;
    float x[64] = {0};
    attn_dims bad_group = {.batch = 1, .heads = 6, .kv_heads = 4, .n_q = 1, .n_kv = 1,
                           .d_qk = 8, .d_v = 8};
    attn_dims zero_dim = {.batch = 1, .heads = 1, .kv_heads = 1, .n_q = 1, .n_kv = 1,
                          .d_qk = 0, .d_v = 8};
    attn_dims prefill = {.batch = 1, .heads = 1, .kv_heads = 1, .n_q = 2, .n_kv = 2,
                         .d_qk = 8, .d_v = 8};
    assert_int_equal(attn_cpu_standard(&bad_group, x, x, x, x, NULL), ATTN_ERR_RANGE);
    assert_int_equal(attn_cpu_flash(&zero_dim, 0, x, x, x, x, NULL), ATTN_ERR_RANGE);
    assert_int_equal(attn_cpu_decode(&prefill, ATTN_DTYPE_FP32, x, x, x, x, NULL),
                     ATTN_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_matches_reference),
        cmocka_unit_test(test_flash_matches_reference),
        cmocka_unit_test(test_large_scores_do_not_overflow),
        cmocka_unit_test(test_masked_rows_are_zero),
        cmocka_unit_test(test_decode_matches_reference),
        cmocka_unit_test(test_bad_dims_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
