/* test_units.c — precisions, packed row bytes and size parsing (GB vs GiB never confused). */
#include "test_util.h"

static void dtype_names_and_aliases(void **state)
{
    (void)state;
    /* fp8 is e4m3 (vLLM's "fp8"); e5m2 is its own precision, the same byte */
    static const struct {
        const char *text;
        attn_dtype want;
    } spellings[] = {
        {"bfloat16", ATTN_DTYPE_BF16},      {"torch.float16", ATTN_DTYPE_FP16},
        {"float8_e4m3fn", ATTN_DTYPE_FP8},  {"fp8-e4m3", ATTN_DTYPE_FP8},
        {"float8_e5m2", ATTN_DTYPE_FP8_E5M2}, {"fp8-e5m2", ATTN_DTYPE_FP8_E5M2},
    };
    attn_dtype d;
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
        assert_int_equal(attn_dtype_parse(spellings[i].text, &d), ATTN_OK);
        assert_int_equal(d, spellings[i].want);
    }
    assert_string_equal(attn_dtype_name(ATTN_DTYPE_FP8_E5M2), "fp8-e5m2");
    assert_int_equal(attn_dtype_bits(ATTN_DTYPE_FP8_E5M2), 8);
    assert_int_equal(attn_dtype_parse("int3", &d), ATTN_ERR_UNKNOWN);
    assert_int_equal(attn_dtype_bits(ATTN_DTYPE_FP32), 32);
    assert_int_equal(attn_dtype_bits(ATTN_DTYPE_INT4), 4);
}

static void row_bytes(void **state)
{
    (void)state;
    uint64_t b = 0;
    assert_int_equal(attn_precision_row_bytes(attn_precision_default(ATTN_DTYPE_BF16), 576, &b), 0);
    assert_int_equal(b, 1152);
    /* int4: 100 values = 400 bits = 50 B, + ceil(100 / 32) = 4 scales x 2 B */
    assert_int_equal(attn_precision_row_bytes(attn_precision_default(ATTN_DTYPE_INT4), 100, &b), 0);
    assert_int_equal(b, 50 + 8);
    attn_precision bare = {ATTN_DTYPE_INT4, 0};
    assert_int_equal(attn_precision_row_bytes(bare, 3, &b), 0);
    assert_int_equal(b, 2); /* 12 bits round up to 2 bytes */
    assert_int_equal(attn_precision_row_bytes(attn_precision_default(ATTN_DTYPE_FP32), UINT64_MAX / 2, &b),
                     ATTN_ERR_OVERFLOW);
}

static void sizes_decimal_and_binary(void **state)
{
    (void)state;
    uint64_t b = 0;
    assert_int_equal(attn_size_parse("80GiB", &b), 0);
    assert_int_equal(b, 80ull << 30);
    assert_int_equal(attn_size_parse("141 GB", &b), 0);
    assert_int_equal(b, 141000000000ull);
    assert_int_equal(attn_size_parse("1.5TB", &b), 0);
    assert_int_equal(b, 1500000000000ull);
    assert_int_equal(attn_size_parse("4096", &b), 0);
    assert_int_equal(b, 4096);
    assert_int_equal(attn_size_parse("512MiB", &b), 0);
    assert_int_equal(b, 512ull << 20);
    assert_int_equal(attn_size_parse("-5GB", &b), ATTN_ERR_PARSE);
    assert_int_equal(attn_size_parse("80 parsecs", &b), ATTN_ERR_PARSE);
    assert_int_equal(attn_size_parse("", &b), ATTN_ERR_PARSE);
    assert_int_equal(attn_size_parse("nan", &b), ATTN_ERR_PARSE);
    assert_int_equal(attn_size_parse("0.5B", &b), ATTN_ERR_RANGE);
    assert_int_equal(attn_size_parse("17000000TiB", &b), ATTN_ERR_OVERFLOW);
}

static void capacity_of_llama3_8b_on_80gib(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    attn_capacity c;
    /* weights: 8,030,261,248 params x 2 B; usable floor(80 GiB x 0.9) */
    uint64_t weights = 8030261248ull * 2;
    assert_int_equal(attn_capacity_compute(plan, 80ull << 30, 0.9, weights, 8, 8192, &c), 0);
    assert_int_equal(c.usable_bytes, 77309411328ull);
    assert_int_equal(c.free_bytes, 77309411328ull - weights); /* 61,248,888,832 */
    /* one 8192-token sequence: 8192 x 131072 B = 1 GiB -> 57 fit in 57.04 GiB */
    assert_int_equal(c.max_batch, 57);
    assert_true(c.fits);
    /* batch 8: floor(61,248,888,832 / (8 x 131072)) = 58,411 tokens */
    assert_int_equal(c.max_context, 61248888832ull / (8 * 131072));
    assert_false(c.context_unbounded);
    assert_int_equal(attn_capacity_compute(plan, 80ull << 30, 0.9, weights, 64, 8192, &c), 0);
    assert_false(c.fits);
    assert_int_equal(attn_capacity_compute(plan, 80ull << 30, 1.5, weights, 1, 1, &c), ATTN_ERR_RANGE);
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void windowed_model_context_unbounded(void **state)
{
    (void)state;
    attn_model m = load_preset("mistral-7b-v0.1");
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    attn_capacity c;
    assert_int_equal(attn_capacity_compute(plan, 80ull << 30, 0.9, 14483464192ull, 1, 32768, &c), 0);
    assert_true(c.context_unbounded); /* every layer holds at most 4096 tokens */
    attn_plan_free(plan);
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dtype_names_and_aliases),
        cmocka_unit_test(row_bytes),
        cmocka_unit_test(sizes_decimal_and_binary),
        cmocka_unit_test(capacity_of_llama3_8b_on_80gib),
        cmocka_unit_test(windowed_model_context_unbounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
