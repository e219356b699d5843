/* test_backend_supports.c — backends say which problems they take (supports), and the callers
 * (bench, the report's measured sweep, check --measure) ask before they prepare anything: a
 * refused case is named with the backend's reason, never run and never a failure. */
#include "test_util.h"
#include "bench_case.h"
#include "variant.h"

static const attn_problem causal_prefill = {
    .phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 4, .kv_heads = 2, .n = 64, .d_qk = 32,
    .d_v = 32, .rank = 16, .causal = true, .seed = 1};

static void cpu_takes_exact_and_refuses_lowrank_causal(void **state)
{
    (void)state;
    const attn_backend *cpu = attn_backend_find("cpu");
    assert_non_null(cpu);
    assert_null(cpu->supports(&attn_cpu_ops_flash, &causal_prefill));
    const char *why = cpu->supports(&attn_cpu_ops_lowrank, &causal_prefill);
    assert_non_null(why);
    assert_non_null(strstr(why, "no causal prefill"));
    attn_problem noncausal = causal_prefill;
    noncausal.causal = false;
    assert_null(cpu->supports(&attn_cpu_ops_lowrank, &noncausal));
    /* a variant with no kernel of the backend's kind (analytic only) */
    assert_non_null(strstr(cpu->supports(NULL, &noncausal), "analytic only"));
}

/* The kernels take the one public precision type and hold every cache but int4. */
static void kernels_refuse_an_int4_cache(void **state)
{
    (void)state;
    const attn_backend *cpu = attn_backend_find("cpu");
    attn_problem decode = causal_prefill;
    decode.phase = ATTN_PHASE_DECODE;
    decode.causal = false;
    decode.store = ATTN_DTYPE_FP8_E5M2;
    assert_null(cpu->supports(&attn_cpu_ops_flash, &decode));
    decode.store = ATTN_DTYPE_INT4;
    assert_non_null(strstr(cpu->supports(&attn_cpu_ops_flash, &decode), "int4"));
    assert_int_equal(attn_dtype_size(ATTN_DTYPE_INT4), 0);
    assert_int_equal(attn_dtype_size(ATTN_DTYPE_FP8_E5M2), 1);
    attn_dims dims = {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 1, .n_kv = 8, .d_qk = 16,
                      .d_v = 16};
    float kv[2 * 8 * 16] = {0};
    attn_kv_owned cache;
    assert_int_equal(attn_kv_cache_build(&dims, ATTN_DTYPE_INT4, ATTN_KV_CONTIGUOUS, 0, 1, NULL,
                                         kv, kv, &cache),
                     ATTN_ERR_UNSUPPORTED);
}

/* Every backend answers, built or not; one that is not built or has no device refuses all. */
static void every_backend_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < attn_backend_count(); i++) {
        const attn_backend *b = attn_backend_at(i);
        char why[200] = "";
        assert_non_null(b->supports);
        if (b->probe(why, sizeof why))
            assert_non_null(b->supports(&attn_gpu_ops_flash, &causal_prefill));
    }
}

static attn_bench_case bench_case(const attn_model *m, const char *variant)
{
    attn_bench_case c = {
        .model = m, .variant = variant, .phase = ATTN_PHASE_PREFILL, .seq = 64, .batch = 1,
        .causal = true, .seed = 1, .threads = 1, .backend = attn_backend_find("cpu"),
        .options = {0, 1, 0, 0}, .whatif = {.rank = 16}};
    return c;
}

static void bench_case_asks_the_backend(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_diag diag = {{0}};
    attn_bench_case c = bench_case(&m, "lowrank");
    assert_int_equal(attn_bench_supported(&c, &diag), ATTN_ERR_UNSUPPORTED);
    assert_non_null(strstr(diag.msg, "on cpu: "));
    assert_non_null(strstr(diag.msg, "no causal prefill"));
    attn_result_row row;
    assert_int_equal(attn_bench_run(&c, &row, &diag), ATTN_ERR_UNSUPPORTED);
    c.causal = false;
    assert_int_equal(attn_bench_supported(&c, &diag), ATTN_OK);
    c = bench_case(&m, "flash");
    assert_int_equal(attn_bench_supported(&c, &diag), ATTN_OK);
    /* the case itself wrong is not a refusal */
    c = bench_case(&m, "no-such-variant");
    assert_int_not_equal(attn_bench_supported(&c, &diag), ATTN_OK);
    assert_int_not_equal(attn_bench_supported(&c, &diag), ATTN_ERR_UNSUPPORTED);
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpu_takes_exact_and_refuses_lowrank_causal),
        cmocka_unit_test(kernels_refuse_an_int4_cache),
        cmocka_unit_test(every_backend_answers),
        cmocka_unit_test(bench_case_asks_the_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
