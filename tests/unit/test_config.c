/* test_config.c — the config.json reading rules, and the one-line errors for bad configs. */
#include "test_util.h"

#define BASE "\"num_hidden_layers\": 4, \"num_attention_heads\": 16, \"hidden_size\": 3584"

static void head_dim_wins_over_hidden_over_heads(void **state)
{
    (void)state;
    attn_model m = parse_config("{" BASE ", \"head_dim\": 256}");
    assert_int_equal(m.head_dim, 256); /* not 3584 / 16 = 224 */
    attn_model_free(&m);
    m = parse_config("{" BASE "}");
    assert_int_equal(m.head_dim, 224);
    assert_int_equal(m.kv_heads, 16); /* default: MHA */
    assert_int_equal(m.dtype, ATTN_DTYPE_FP32); /* default torch_dtype */
    attn_model_free(&m);
}

static void mla_fields_win_over_kv_heads(void **state)
{
    (void)state;
    attn_model m = parse_config(
        "{\"num_hidden_layers\": 2, \"num_attention_heads\": 128, \"num_key_value_heads\": 128,"
        " \"hidden_size\": 7168, \"kv_lora_rank\": 512, \"qk_rope_head_dim\": 64,"
        " \"qk_nope_head_dim\": 128, \"v_head_dim\": 128, \"torch_dtype\": \"bfloat16\"}");
    assert_true(m.mla);
    assert_int_equal(m.head_dim, 192);
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    assert_string_equal(attn_plan_variant(plan), "mla");
    assert_int_equal(attn_plan_kv_bytes_per_token(plan), 2 * 576 * 2);
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void sliding_window_rules(void **state)
{
    (void)state;
    attn_model m = parse_config("{" BASE ", \"sliding_window\": 100, \"use_sliding_window\": false}");
    assert_int_equal(attn_model_windowed_layers(&m), 0);
    attn_model_free(&m);
    m = parse_config("{" BASE ", \"sliding_window\": 100}");
    assert_int_equal(attn_model_windowed_layers(&m), 4);
    attn_model_free(&m);
    m = parse_config("{" BASE ", \"sliding_window\": null}");
    assert_int_equal(attn_model_windowed_layers(&m), 0);
    attn_model_free(&m);
    m = parse_config("{" BASE ", \"sliding_window\": 100, \"layer_types\": [\"full_attention\","
                     " \"sliding_attention\", \"sliding_attention\", \"full_attention\"]}");
    assert_int_equal(m.layer_window[0], 0);
    assert_int_equal(m.layer_window[1], 100);
    assert_int_equal(m.layer_window[3], 0);
    attn_model_free(&m);
    m = parse_config("{" BASE ", \"sliding_window\": 100, \"sliding_window_pattern\": 2}");
    assert_int_equal(m.layer_window[0], 100);
    assert_int_equal(m.layer_window[1], 0);
    attn_model_free(&m);
    /* Qwen2 with windows on: layers at or above max_window_layers slide */
    m = parse_config("{" BASE ", \"model_type\": \"qwen2\", \"sliding_window\": 100,"
                     " \"use_sliding_window\": true, \"max_window_layers\": 3}");
    assert_int_equal(m.layer_window[2], 0);
    assert_int_equal(m.layer_window[3], 100);
    attn_model_free(&m);
}

static void nested_text_config_and_gpt2_names(void **state)
{
    (void)state;
    attn_model m = parse_config("{\"torch_dtype\": \"bfloat16\", \"text_config\": {" BASE
                                ", \"num_key_value_heads\": 8}, \"vision_config\": {}}");
    assert_int_equal(m.layers, 4);
    assert_int_equal(m.kv_heads, 8);
    assert_int_equal(m.dtype, ATTN_DTYPE_BF16); /* from the outer config */
    attn_model_free(&m);
    m = parse_config("{\"model_type\": \"gpt2\", \"n_layer\": 12, \"n_head\": 12, \"n_embd\": 768,"
                     " \"n_positions\": 1024, \"vocab_size\": 50257}");
    assert_int_equal(m.layers, 12);
    assert_int_equal(m.heads, 12);
    assert_int_equal(m.head_dim, 64);
    assert_int_equal(m.max_context, 1024);
    assert_int_equal(m.intermediate, 4 * 768); /* n_inner default */
    attn_model_free(&m);
}

static void expect_error(const char *json, int status, const char *needle)
{
    char msg[700];
    int rc = parse_status(json, msg, sizeof msg);
    if (rc != status || !strstr(msg, needle))
        fail_msg("expected status %d with '%s', got %d: '%s'", status, needle, rc, msg);
    assert_non_null(strstr(msg, "bad.json")); /* names the file */
    assert_null(strchr(msg, '\n'));           /* one line */
}

static void bad_configs_give_one_clear_line(void **state)
{
    (void)state;
    expect_error("{\"num_hidden_layers\": 4,", ATTN_ERR_PARSE, "bad.json:1:");
    expect_error("[1, 2]", ATTN_ERR_PARSE, "JSON object");
    expect_error("{\"num_attention_heads\": 16, \"hidden_size\": 3584}", ATTN_ERR_FIELD,
                 "'num_hidden_layers' is missing");
    expect_error("{\"num_hidden_layers\": 0, \"num_attention_heads\": 16, \"hidden_size\": 3584}",
                 ATTN_ERR_RANGE, "'num_hidden_layers' = 0");
    expect_error("{\"num_hidden_layers\": -3, \"num_attention_heads\": 16, \"hidden_size\": 3584}",
                 ATTN_ERR_RANGE, "= -3");
    expect_error("{\"num_hidden_layers\": \"32\", \"num_attention_heads\": 16, \"hidden_size\": 4096}",
                 ATTN_ERR_FIELD, "'num_hidden_layers' = \"32\": expected an integer");
    expect_error("{" BASE ", \"num_key_value_heads\": 5}", ATTN_ERR_FIELD,
                 "'num_key_value_heads' = 5 does not divide num_attention_heads = 16");
    expect_error("{\"num_hidden_layers\": 4, \"num_attention_heads\": 7, \"hidden_size\": 100}",
                 ATTN_ERR_FIELD, "not divisible");
    expect_error("{\"num_hidden_layers\": 99999999999, \"num_attention_heads\": 16, \"hidden_size\": 3584}",
                 ATTN_ERR_RANGE, "sane range");
    expect_error("{" BASE ", \"torch_dtype\": \"float13\"}", ATTN_ERR_UNKNOWN, "float13");
    expect_error("{" BASE ", \"sliding_window\": 10, \"layer_types\": [\"full_attention\"]}",
                 ATTN_ERR_FIELD, "array of 4");
    expect_error("{" BASE ", \"num_hidden_layers\": 4}", ATTN_ERR_PARSE, "duplicate");
    expect_error("{" BASE ", \"kv_lora_rank\": 512}", ATTN_ERR_FIELD, "qk_rope_head_dim");
    expect_error("{" BASE ", \"num_local_experts\": 8, \"num_experts_per_tok\": 9}",
                 ATTN_ERR_FIELD, "exceeds");
}

static void missing_and_directory_inputs(void **state)
{
    (void)state;
    attn_model m;
    attn_diag diag = {{0}};
    assert_int_equal(attn_model_load("no-such-model-xyz", &m, &diag), ATTN_ERR_UNKNOWN);
    assert_non_null(strstr(diag.msg, "no-such-model-xyz"));
    assert_int_equal(attn_model_load("/", &m, &diag), ATTN_ERR_IO);
    assert_non_null(strstr(diag.msg, "no config.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(head_dim_wins_over_hidden_over_heads),
        cmocka_unit_test(mla_fields_win_over_kv_heads),
        cmocka_unit_test(sliding_window_rules),
        cmocka_unit_test(nested_text_config_and_gpt2_names),
        cmocka_unit_test(bad_configs_give_one_clear_line),
        cmocka_unit_test(missing_and_directory_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
