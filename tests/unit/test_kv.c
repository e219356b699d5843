/* test_kv.c — KV-cache sizes of real models against values derived by hand.
 *
 * Every expected number is written as the product that gives it, from the model's
 * config.json fields, so a reader can check the derivation line by line.
 */
#include "test_util.h"

static uint64_t bf16_bytes_per_token(const char *preset)
{
    attn_model m = load_preset(preset);
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    uint64_t bytes = attn_plan_kv_bytes_per_token(plan);
    attn_plan_free(plan);
    attn_model_free(&m);
    return bytes;
}

static void per_token_bf16_matches_hand_derivation(void **state)
{
    (void)state;
    /* layers x KV heads x (d_k + d_v) x 2 bytes */
    assert_int_equal(bf16_bytes_per_token("llama-3-8b"), 32ull * 8 * (128 + 128) * 2);  /* 131072 */
    assert_int_equal(bf16_bytes_per_token("llama-3-70b"), 80ull * 8 * (128 + 128) * 2); /* 327680 */
    assert_int_equal(bf16_bytes_per_token("llama-3.1-405b"), 126ull * 8 * 256 * 2);     /* 516096 */
    /* Gemma-2-9B: head_dim 256 from the config, not hidden 3584 / 16 heads = 224 */
    assert_int_equal(bf16_bytes_per_token("gemma-2-9b"), 42ull * 8 * (256 + 256) * 2);  /* 344064 */
    /* MLA: layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2, not 128 KV heads */
    assert_int_equal(bf16_bytes_per_token("deepseek-v3"), 61ull * (512 + 64) * 2);      /* 70272 */
    assert_int_equal(bf16_bytes_per_token("deepseek-v2"), 60ull * (512 + 64) * 2);      /* 69120 */
}

static void llama70b_batch8_1000_tokens_gqa_and_mha(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-70b");
    attn_plan *gqa = plan_for(&m, NULL, ATTN_DTYPE_FP16, 1);
    attn_plan *mha = plan_for(&m, "mha", ATTN_DTYPE_FP16, 1);
    /* 8 seqs x 1000 tokens x 80 layers x 8 KV heads x 256 x 2 B */
    assert_int_equal(kv_total(gqa, 8, 1000), 2621440000ull);
    assert_int_equal(kv_total(gqa, 8, 1000), 8ull * 1000 * 80 * 8 * 256 * 2);
    /* as if MHA: 64 KV heads, 8x more: the "20.97 GB" figure */
    assert_int_equal(kv_total(mha, 8, 1000), 20971520000ull);
    assert_int_equal(kv_total(mha, 8, 1000), 8ull * 1000 * 80 * 64 * 256 * 2);
    attn_plan_free(gqa);
    attn_plan_free(mha);
    attn_model_free(&m);
}

static void mistral_sliding_window_holds_the_window(void **state)
{
    (void)state;
    attn_model m = load_preset("mistral-7b-v0.1");
    assert_int_equal(attn_model_windowed_layers(&m), 32);
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    /* 32 layers x min(32768, 4096) tokens x 8 KV heads x 256 x 2 B */
    assert_int_equal(kv_total(plan, 1, 32768), 32ull * 4096 * 8 * 256 * 2);
    /* below the window, every token counts */
    assert_int_equal(kv_total(plan, 1, 1000), 32ull * 1000 * 8 * 256 * 2);
    /* the full 32k would be 8x as much: make sure that is not what we say */
    assert_true(kv_total(plan, 1, 32768) * 8 == 32ull * 32768 * 8 * 256 * 2);
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void gemma2_alternating_layers_counted_layer_by_layer(void **state)
{
    (void)state;
    attn_model m = load_preset("gemma-2-9b");
    assert_int_equal(attn_model_windowed_layers(&m), 21);
    assert_int_equal(m.layer_window[0], 4096); /* even layers local */
    assert_int_equal(m.layer_window[1], 0);    /* odd layers global */
    assert_int_equal(m.layer_window[41], 0);
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    /* 8 KV heads x (256 + 256) x 2 B = 8192 B per token per layer;
     * 21 local layers hold 4096 tokens, 21 global layers hold 8192 */
    assert_int_equal(kv_total(plan, 1, 8192), 8192ull * (21 * 4096 + 21 * 8192));
    uint64_t sum = 0, layer_bytes = 0;
    for (int64_t i = 0; i < attn_plan_layers(plan); i++) {
        assert_int_equal(attn_kv_layer_bytes(attn_plan_layer(plan, i), 8192, &layer_bytes), 0);
        sum += layer_bytes;
    }
    assert_int_equal(sum, kv_total(plan, 1, 8192));
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void gemma3_pattern_and_text_config(void **state)
{
    (void)state;
    attn_model m = load_preset("gemma-3-27b");
    /* sliding_window_pattern 6: layers 5, 11, ..., 59 global -> 10 of 62 */
    assert_int_equal(m.layers, 62);
    assert_int_equal(attn_model_windowed_layers(&m), 52);
    assert_int_equal(m.layer_window[4], 1024);
    assert_int_equal(m.layer_window[5], 0);
    /* max_position_embeddings is a Gemma3TextConfig default, absent from the file */
    assert_int_equal(m.max_context, 131072);
    attn_model_free(&m);
}

static void qwen2_window_disabled(void **state)
{
    (void)state;
    attn_model m = load_preset("qwen2-7b");
    assert_int_equal(attn_model_windowed_layers(&m), 0); /* use_sliding_window: false */
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    /* 28 layers x 4 KV heads x 256 x 2 B x 131072 tokens */
    assert_int_equal(kv_total(plan, 1, 131072), 28ull * 4 * 256 * 2 * 131072);
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void tensor_parallel_splits_heads_but_replicates_latent(void **state)
{
    (void)state;
    attn_model llama = load_preset("llama-3-70b");
    attn_plan *tp4 = plan_for(&llama, NULL, ATTN_DTYPE_BF16, 4);
    /* 8 KV heads / 4 ranks = 2 per GPU: 80 x 2 x 256 x 2 B */
    assert_int_equal(attn_plan_kv_bytes_per_token(tp4), 80ull * 2 * 256 * 2);
    assert_false(attn_plan_kv_replicated(tp4));
    attn_plan *tp16 = plan_for(&llama, NULL, ATTN_DTYPE_BF16, 16);
    /* 16 ranks > 8 KV heads: each rank keeps one replicated head */
    assert_int_equal(attn_plan_kv_bytes_per_token(tp16), 80ull * 1 * 256 * 2);
    attn_plan_free(tp4);
    attn_plan_free(tp16);
    attn_model_free(&llama);

    attn_model v3 = load_preset("deepseek-v3");
    attn_plan *mla8 = plan_for(&v3, NULL, ATTN_DTYPE_BF16, 8);
    assert_int_equal(attn_plan_kv_bytes_per_token(mla8), 61ull * 576 * 2); /* whole latent */
    assert_true(attn_plan_kv_replicated(mla8));
    attn_plan *naive = plan_for(&v3, "mla-naive", ATTN_DTYPE_BF16, 8);
    /* decompressed: 128 / 8 heads x (128 + 64 + 128) x 2 B x 61 layers */
    assert_int_equal(attn_plan_kv_bytes_per_token(naive), 61ull * 16 * 320 * 2);
    attn_plan_free(mla8);
    attn_plan_free(naive);
    attn_model_free(&v3);
}

static void what_if_variants(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_plan *mqa = plan_for(&m, "mqa", ATTN_DTYPE_BF16, 1);
    assert_int_equal(attn_plan_kv_bytes_per_token(mqa), 32ull * 1 * 256 * 2);
    attn_plan *mla = plan_for(&m, "mla", ATTN_DTYPE_BF16, 1);
    /* default latent 4 x 128 = 512 and rope 128 / 2 = 64, as DeepSeek-V2 */
    assert_int_equal(attn_plan_kv_bytes_per_token(mla), 32ull * (512 + 64) * 2);
    attn_plan *performer = plan_for(&m, "performer", ATTN_DTYPE_BF16, 1);
    assert_int_equal(attn_plan_kv_bytes_per_token(performer), 0);
    /* state per sequence: 32 layers x 8 KV heads x m 256 x (d_v 128 + 1) x 2 B,
     * the same at 1 token and at 100k */
    assert_int_equal(kv_total(performer, 1, 1), 32ull * 8 * 256 * 129 * 2);
    assert_int_equal(kv_total(performer, 1, 100000), 32ull * 8 * 256 * 129 * 2);
    attn_plan *lowrank = plan_for(&m, "lowrank", ATTN_DTYPE_BF16, 1);
    /* 32 layers x 8 KV heads x k 256 x (128 + 128) x 2 B */
    assert_int_equal(kv_total(lowrank, 2, 5000), 2ull * 32 * 8 * 256 * 256 * 2);
    attn_plan *flash = plan_for(&m, "flash", ATTN_DTYPE_BF16, 1);
    assert_int_equal(attn_plan_kv_bytes_per_token(flash), 131072);
    attn_plan_free(mqa);
    attn_plan_free(mla);
    attn_plan_free(performer);
    attn_plan_free(lowrank);
    attn_plan_free(flash);
    attn_model_free(&m);
}

static void int4_counts_its_scales(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_INT4, 1);
    /* a row of 8 x 256 = 2048 values: 2048 x 4 bits = 1024 B, plus 2048 / 32 = 64 fp16
     * scales = 128 B; 1152 B per token per layer, 32 layers */
    assert_int_equal(attn_plan_kv_bytes_per_token(plan), 32ull * (1024 + 128));
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void errors_for_bad_requests_and_overflow(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3.1-405b");
    attn_plan *plan = NULL;
    attn_diag diag = {{0}};
    attn_request unknown = {.variant = "bogus", .precision = attn_precision_default(ATTN_DTYPE_BF16)};
    assert_int_equal(attn_plan_init(&plan, &m, &unknown, &diag), ATTN_ERR_UNKNOWN);
    assert_non_null(strstr(diag.msg, "bogus"));
    assert_null(plan);
    attn_request bad_tp = {.tp = 3, .precision = attn_precision_default(ATTN_DTYPE_BF16)};
    assert_int_equal(attn_plan_init(&plan, &m, &bad_tp, &diag), ATTN_ERR_FIELD);
    assert_non_null(strstr(diag.msg, "--tp 3"));

    plan = plan_for(&m, "mha", ATTN_DTYPE_FP32, 1);
    uint64_t bytes = 0;
    /* 2^20 sequences x 2^24 tokens x 126 layers x 128 heads x 256 x 4 B > 2^64 */
    assert_int_equal(attn_plan_kv_bytes(plan, INT64_C(1) << 20, INT64_C(1) << 24, &bytes),
                     ATTN_ERR_OVERFLOW);
    /* 1M context x batch 4096 x 128-layer-class model still fits: exact */
    assert_int_equal(attn_plan_kv_bytes(plan, 4096, INT64_C(1) << 20, &bytes), ATTN_OK);
    assert_int_equal(bytes, 4096ull * (1ull << 20) * 126 * 128 * 256 * 4);
    attn_plan_free(plan);
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_token_bf16_matches_hand_derivation),
        cmocka_unit_test(llama70b_batch8_1000_tokens_gqa_and_mha),
        cmocka_unit_test(mistral_sliding_window_holds_the_window),
        cmocka_unit_test(gemma2_alternating_layers_counted_layer_by_layer),
        cmocka_unit_test(gemma3_pattern_and_text_config),
        cmocka_unit_test(qwen2_window_disabled),
        cmocka_unit_test(tensor_parallel_splits_heads_but_replicates_latent),
        cmocka_unit_test(what_if_variants),
        cmocka_unit_test(int4_counts_its_scales),
        cmocka_unit_test(errors_for_bad_requests_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
