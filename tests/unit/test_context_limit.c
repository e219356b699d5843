/* test_context_limit.c — rope_scaling read from configs, and the context limit it implies
 * (vLLM's max_model_len rule, models/rope_scaling.c), each against a value worked by hand. */
#include "test_util.h"

#define BASE "\"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"hidden_size\": 512"

static int64_t limit_of(const char *json, char *why, size_t len)
{
    attn_model m = parse_config(json);
    int64_t limit = attn_model_context_limit(&m, why, len);
    attn_model_free(&m);
    return limit;
}

static void no_scaling_is_max_position_embeddings(void **state)
{
    (void)state;
    char why[192];
    assert_int_equal(limit_of("{" BASE ", \"max_position_embeddings\": 8192}", why, sizeof why), 8192);
    assert_string_equal(why, "max_position_embeddings 8192, no rope_scaling");
    assert_int_equal(limit_of("{" BASE ", \"max_position_embeddings\": 8192, \"rope_scaling\": null}",
                              NULL, 0), 8192);
    assert_int_equal(limit_of("{" BASE "}", why, sizeof why), 0); /* the config says nothing */
}

static void llama3_and_longrope_are_already_counted(void **state)
{
    (void)state;
    /* Llama-3.1: 131072 already includes factor 8 over the original 8192. */
    attn_model m = parse_config("{" BASE ", \"max_position_embeddings\": 131072, \"rope_scaling\":"
                                " {\"rope_type\": \"llama3\", \"factor\": 8.0,"
                                " \"original_max_position_embeddings\": 8192}}");
    assert_string_equal(m.rope_type, "llama3");
    assert_true(m.rope_factor == 8.0);
    assert_int_equal(m.rope_original_context, 8192);
    assert_int_equal(attn_model_context_limit(&m, NULL, 0), 131072);
    attn_model_free(&m);
    assert_int_equal(limit_of("{" BASE ", \"max_position_embeddings\": 131072, \"rope_scaling\":"
                              " {\"type\": \"longrope\", \"factor\": 32}}", NULL, 0), 131072);
}

static void yarn_linear_dynamic_multiply(void **state)
{
    (void)state;
    char why[192];
    /* yarn: original 4096 x 40 = 163840, whatever max_position_embeddings says. */
    assert_int_equal(limit_of("{" BASE ", \"max_position_embeddings\": 2048, \"rope_scaling\":"
                              " {\"type\": \"yarn\", \"factor\": 40,"
                              " \"original_max_position_embeddings\": 4096}}", why, sizeof why),
                     163840);
    assert_string_equal(why, "original_max_position_embeddings 4096 x yarn factor 40 = 163840 "
                             "(vLLM's max_model_len rule)");
    /* linear 4096 x 4 = 16384; dynamic 4096 x 2.5 = 10240. */
    assert_int_equal(limit_of("{" BASE ", \"max_position_embeddings\": 4096, \"rope_scaling\":"
                              " {\"type\": \"linear\", \"factor\": 4}}", NULL, 0), 16384);
    assert_int_equal(limit_of("{" BASE ", \"max_position_embeddings\": 4096, \"rope_scaling\":"
                              " {\"rope_type\": \"dynamic\", \"factor\": 2.5}}", NULL, 0), 10240);
    /* Gemma-3: its 131072 already includes the linear factor 8 (newer vLLM skips it). */
    assert_int_equal(limit_of("{\"model_type\": \"gemma3_text\", " BASE ", \"max_position_embeddings\":"
                              " 131072, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 8}}",
                              NULL, 0), 131072);
}

static void bad_rope_scaling_is_one_line(void **state)
{
    (void)state;
    char msg[640];
    assert_int_equal(parse_status("{" BASE ", \"rope_scaling\": [8]}", msg, sizeof msg),
                     ATTN_ERR_FIELD);
    assert_non_null(strstr(msg, "field 'rope_scaling' = [8]: expected an object"));
    assert_int_equal(parse_status("{" BASE ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 0.5}}",
                                  msg, sizeof msg), ATTN_ERR_RANGE);
    assert_non_null(strstr(msg, "field 'rope_scaling.factor' = 0.5"));
    assert_int_equal(parse_status("{" BASE ", \"rope_scaling\": {\"type\": 3}}", msg, sizeof msg),
                     ATTN_ERR_FIELD);
    assert_non_null(strstr(msg, "field 'rope_scaling.type' = 3: expected a string"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_scaling_is_max_position_embeddings),
        cmocka_unit_test(llama3_and_longrope_are_already_counted),
        cmocka_unit_test(yarn_linear_dynamic_multiply),
        cmocka_unit_test(bad_rope_scaling_is_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
