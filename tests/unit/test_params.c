/* test_params.c — parameter counts against published totals, derived by hand from the
 * config fields (dense, MoE total/active, MLA projections, tied and untied embeddings). */
#include "test_util.h"

static attn_params count(const char *preset)
{
    attn_model m = load_preset(preset);
    attn_params p;
    assert_int_equal(attn_params_count(&m, &p), ATTN_OK);
    attn_model_free(&m);
    return p;
}

static void gpt2_124m(void **state)
{
    (void)state;
    /* tied wte 50257x768, wpe 1024x768; per layer: ln_1, ln_2 (2 x 2 x 768), c_attn 768x2304
     * + 2304, c_proj 768x768 + 768, c_fc 768x3072 + 3072, mlp c_proj 3072x768 + 768; ln_f */
    uint64_t layer = 2 * 2 * 768 + (768 * 2304 + 2304) + (768 * 768 + 768) +
                     (768 * 3072 + 3072) + (3072 * 768 + 768);
    uint64_t expected = 50257ull * 768 + 1024 * 768 + 12 * layer + 2 * 768;
    assert_int_equal(expected, 124439808ull); /* the published GPT-2 small count */
    assert_int_equal(count("gpt2").total, expected);
}

static void llama3_8b(void **state)
{
    (void)state;
    /* untied 128256x4096 twice; per layer q 4096x4096, k and v 4096x1024, o 4096x4096,
     * SwiGLU 3 x 4096 x 14336, two RMSNorms; final norm */
    uint64_t layer = 4096ull * 4096 * 2 + 4096ull * 1024 * 2 + 3ull * 4096 * 14336 + 2 * 4096;
    uint64_t expected = 2ull * 128256 * 4096 + 32 * layer + 4096;
    assert_int_equal(expected, 8030261248ull);
    attn_params p = count("llama-3-8b");
    assert_int_equal(p.total, expected);
    assert_int_equal(p.active, expected); /* dense */
}

static void qwen2_7b_has_qkv_biases(void **state)
{
    (void)state;
    /* 28 heads x 128 = 3584, 4 KV heads x 128 = 512; biases on q, k, v */
    uint64_t attn = 3584ull * 3584 * 2 + 3584ull * 512 * 2 + (3584 + 512 + 512);
    uint64_t layer = attn + 3ull * 3584 * 18944 + 2 * 3584;
    assert_int_equal(count("qwen2-7b").total, 2ull * 152064 * 3584 + 28 * layer + 3584);
}

static void gemma2_9b_tied_with_four_norms(void **state)
{
    (void)state;
    /* 16 heads x 256 = 4096 wide q and o, 8 x 256 = 2048 wide k and v; 4 norms per layer */
    uint64_t layer = 3584ull * 4096 * 2 + 3584ull * 2048 * 2 + 3ull * 3584 * 14336 + 4 * 3584;
    uint64_t expected = 256000ull * 3584 + 42 * layer + 3584;
    assert_int_equal(expected, 9241705984ull);
    assert_int_equal(count("gemma-2-9b").total, expected);
}

static void mixtral_total_and_active(void **state)
{
    (void)state;
    uint64_t attn = 4096ull * 4096 * 2 + 4096ull * 1024 * 2;
    uint64_t expert = 3ull * 4096 * 14336, router = 4096ull * 8, norms = 2 * 4096;
    uint64_t fixed = 2ull * 32000 * 4096 + 4096;
    attn_params p = count("mixtral-8x7b");
    assert_int_equal(p.total, fixed + 32 * (attn + 8 * expert + router + norms));
    assert_int_equal(p.active, fixed + 32 * (attn + 2 * expert + router + norms)); /* top-2 */
    assert_int_equal(p.total, 46702792704ull);
}

static void deepseek_v3_mla_and_moe(void **state)
{
    (void)state;
    /* MLA: q_a 7168x1536 (+ norm 1536), q_b 1536 x 128 x (128 + 64), kv_a 7168 x (512 + 64)
     * (+ norm 512), kv_b 512 x 128 x (128 + 128), o 128 x 128 x 7168 */
    uint64_t attn = 7168ull * 1536 + 1536 + 1536ull * 128 * 192 + 7168ull * 576 + 512 +
                    512ull * 128 * 256 + 128ull * 128 * 7168;
    uint64_t expert = 3ull * 7168 * 2048, router = 7168ull * 256;
    uint64_t common = 2ull * 129280 * 7168 + 61 * (attn + 2 * 7168) + 7168 +
                      3 * (3ull * 7168 * 18432); /* first_k_dense_replace = 3 dense layers */
    attn_params p = count("deepseek-v3");
    /* 58 MoE layers: 256 routed + 1 shared expert; active: 8 routed + 1 shared */
    assert_int_equal(p.total, common + 58 * (257 * expert + router));
    assert_int_equal(p.active, common + 58 * (9 * expert + router));
    assert_true(p.total / 1000000000ull == 671); /* DeepSeek-V3 paper: 671B total */
    assert_true(p.active / 1000000000ull == 37); /* 37B activated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gpt2_124m),
        cmocka_unit_test(llama3_8b),
        cmocka_unit_test(qwen2_7b_has_qkv_biases),
        cmocka_unit_test(gemma2_9b_tied_with_four_norms),
        cmocka_unit_test(mixtral_total_and_active),
        cmocka_unit_test(deepseek_v3_mla_and_moe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
