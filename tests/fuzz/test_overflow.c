/* test_overflow.c — sizes that do not fit in 64 bits are ATTN_ERR_OVERFLOW, never wrapped,
 * and cost totals (long double) stay finite however absurd a legal shape is (suite 'fuzz').
 *
 * The KV cases sit on the boundary: 2^20 sequences x 2^24 tokens x 128 layers is 2^51
 * token-layers, so 4096 B per token-layer is exactly 2^63 (fits) and 8192 B exactly 2^64
 * (does not).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "attnscope.h"

#define BATCH (INT64_C(1) << 20)
#define CONTEXT (INT64_C(1) << 24)

static attn_model parse(const char *json)
{
    attn_model m;
    attn_diag diag = {{0}};
    if (attn_model_parse(json, strlen(json), "overflow.json", &m, &diag))
        fail_msg("%s", diag.msg);
    return m;
}

/* 128 layers, 64 query heads, head_dim 128, fp16: kv_heads x 512 B per token-layer. */
static int kv_status(const char *kv_heads, uint64_t *bytes)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"num_hidden_layers\": 128, \"num_attention_heads\": 64, \"hidden_size\": 8192,"
             " \"num_key_value_heads\": %s, \"torch_dtype\": \"float16\"}", kv_heads);
    attn_model m = parse(json);
    attn_plan *plan = NULL;
    attn_request req = {.precision = attn_precision_default(ATTN_DTYPE_FP16)};
    assert_int_equal(attn_plan_init(&plan, &m, &req, NULL), ATTN_OK);
    int rc = attn_plan_kv_bytes(plan, BATCH, CONTEXT, bytes);
    attn_plan_free(plan);
    attn_model_free(&m);
    return rc;
}

static void kv_bytes_overflow_is_reported(void **state)
{
    (void)state;
    uint64_t bytes = 0;
    assert_int_equal(kv_status("8", &bytes), ATTN_OK);
    assert_true(bytes == UINT64_C(1) << 63);
    assert_int_equal(kv_status("16", &bytes), ATTN_ERR_OVERFLOW);
    assert_int_equal(kv_status("64", &bytes), ATTN_ERR_OVERFLOW);
}

/* Every field at the reader's upper bound: one token's cache alone exceeds 2^64 bytes. */
static void per_token_overflow_fails_the_plan(void **state)
{
    (void)state;
    attn_model m = parse("{\"num_hidden_layers\": 100000, \"num_attention_heads\": 1000000,"
                         " \"hidden_size\": 1, \"head_dim\": 67108864}");
    attn_plan *plan = NULL;
    attn_request req = {.precision = attn_precision_default(ATTN_DTYPE_FP32)};
    assert_int_equal(attn_plan_init(&plan, &m, &req, NULL), ATTN_ERR_OVERFLOW);
    assert_null(plan);
    attn_model_free(&m);
}

/* GPT-2 learns a position table: 2^40 positions x 2^26 wide is 2^66 weights. */
static void params_overflow_is_reported(void **state)
{
    (void)state;
    attn_model m = parse("{\"model_type\": \"gpt2\", \"n_layer\": 1, \"n_head\": 1,"
                         " \"n_embd\": 67108864, \"n_positions\": 1099511627776}");
    attn_params params;
    assert_int_equal(attn_params_count(&m, &params), ATTN_ERR_OVERFLOW);
    attn_model_free(&m);
}

static void check_finite(const attn_cost *c)
{
    assert_true(isfinite(c->flops) && isfinite(c->other_flops) && isfinite(c->read_bytes) &&
                isfinite(c->write_bytes) && isfinite(c->kv_bytes) && isfinite(c->extra_bytes));
}

/* 10^5 layers of 10^6 heads of width 2^26, 2^40 tokens, 2^40 sequences: totals near 2^180,
 * far past 64 bits, yet finite and ordered. */
static void cost_totals_stay_finite(void **state)
{
    (void)state;
    attn_model m = parse("{\"num_hidden_layers\": 100000, \"num_attention_heads\": 1000000,"
                         " \"num_key_value_heads\": 1, \"hidden_size\": 1,"
                         " \"head_dim\": 67108864, \"sliding_window\": 4096,"
                         " \"sliding_window_pattern\": 2}");
    const attn_cost_request shapes[] = {
        {ATTN_PHASE_PREFILL, INT64_C(1) << 40, INT64_C(1) << 40, false, 1, ATTN_DTYPE_FP32, .dropout = 0},
        {ATTN_PHASE_PREFILL, INT64_C(1) << 20, INT64_C(1) << 40, true, UINT64_MAX,
         ATTN_DTYPE_INT4, .dropout = 0},
        {ATTN_PHASE_DECODE, INT64_C(1) << 40, INT64_C(1) << 40, false, 1, ATTN_DTYPE_FP32, .dropout = 0},
    };
    for (size_t v = 0; v < attn_variant_count(); v++) {
        attn_request req = {.variant = attn_variant_name(v),
                            .precision = attn_precision_default(ATTN_DTYPE_FP8)};
        attn_plan *plan = NULL;
        attn_diag diag = {{0}};
        if (attn_plan_init(&plan, &m, &req, &diag) != ATTN_OK)
            fail_msg("%s: %s", req.variant, diag.msg);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            attn_cost cost;
            int rc = attn_plan_cost(plan, &shapes[s], &cost, &diag);
            assert_true(rc == ATTN_OK || rc == ATTN_ERR_UNSUPPORTED);
            check_finite(&cost);
            assert_true(rc || cost.flops > 0x1p64L);
        }
        attn_plan_free(plan);
    }
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_bytes_overflow_is_reported),
        cmocka_unit_test(per_token_overflow_fails_the_plan),
        cmocka_unit_test(params_overflow_is_reported),
        cmocka_unit_test(cost_totals_stay_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
