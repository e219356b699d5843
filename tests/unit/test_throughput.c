/* test_throughput.c — the serving throughput model (analyzer/throughput.h) against hand
 * derivations: a dense model's capacity and decode step, MoE experts touched, and the
 * DeepSeek-V2 vs DeepSeek 67B ratio the published claim is checked with. Parameter counts
 * come from attn_params_count (held against the model cards in test_params). */
#include <math.h>
#include <stdlib.h>

#include "claims.h"
#include "test_util.h"
#include "throughput.h"

static attn_serve serve_of(const attn_model *m, const attn_device *dev, int64_t tp,
                           int64_t context, attn_dtype weights, attn_dtype kv, double bits)
{
    attn_serve_request req = {.model = m, .device = dev, .tp = tp, .context = context,
                              .weights_dtype = weights, .kv_dtype = kv, .kv_bits = bits,
                              .mem_util = 0.9};
    attn_serve s;
    attn_diag diag = {{0}};
    if (attn_serve_init(&s, &req, &diag))
        fail_msg("serve %s: %s", m->name, diag.msg);
    return s;
}

static attn_device device(const char *name)
{
    attn_device dev;
    attn_diag diag = {{0}};
    if (attn_device_load(name, &dev, &diag))
        fail_msg("%s", diag.msg);
    return dev;
}

/* Llama 3 8B on one H100 SXM (80 GiB, 3.35 TB/s), bf16, 4096 tokens per sequence:
 *   weights 8,030,261,248 x 2 B = 16,060,522,496; usable floor(80 GiB x 0.9) = 77,309,411,328
 *   free 61,248,888,832; KV per sequence 32 x 8 x (128 + 128) x 2 B x 4096 = 536,870,912
 *   largest batch floor(61,248,888,832 / 536,870,912) = 114
 *   a step at 114 reads the weights except the input embedding (128,256 x 4096 rows are
 *   looked up, not read whole): 7,504,924,672 x 2 B = 15,009,849,344, plus 114 caches
 *   61,203,283,968 = 76,213,133,312 B: 22.75 ms at 3.35 TB/s. It multiplies 2 x 7.5e9 x 114
 *   = 1.71 TFLOP plus attention 2 x 4096 x 32 x 256 x 32 x 114 = 0.245 TFLOP: 2 ms at
 *   989 TFLOP/s, so memory-bound: 114 / 22.75 ms = 5011 tokens/s. Batch 1: 1 / 4.64 ms. */
static void dense_decode_on_the_roofline(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_device h100 = device("h100-sxm");
    attn_serve s = serve_of(&m, &h100, 1, 4096, ATTN_DTYPE_BF16, ATTN_DTYPE_BF16, 0);
    assert_true(s.weights_rank_bytes == UINT64_C(16060522496));
    assert_true(s.free_bytes == UINT64_C(61248888832));
    assert_true(s.kv_seq_bytes == UINT64_C(536870912));
    assert_int_equal(s.max_batch, 114);
    attn_serve_point p;
    attn_diag diag = {{0}};
    assert_int_equal(attn_serve_decode(&s, 114, &p, &diag), ATTN_OK);
    long double bytes = 15009849344.0L + 114 * 536870912.0L;
    assert_true(p.memory_bound);
    assert_true(fabsl(p.step_s - bytes / 3.35e12L) < 1e-12L);
    assert_true(fabsl(p.tokens_per_s - 114 / (bytes / 3.35e12L)) < 1e-6L);
    assert_true(p.tokens_per_s > 5010 && p.tokens_per_s < 5012);
    assert_int_equal(attn_serve_decode(&s, 1, &p, &diag), ATTN_OK);
    assert_true(fabsl(p.tokens_per_s - 3.35e12L / (15009849344.0L + 536870912.0L)) < 1e-6L);
    attn_serve_free(&s);
    attn_model_free(&m);
}

/* DeepSeek-V2: 160 routed experts, 6 per token. B tokens touch 160 (1 - (154/160)^B) of them:
 * 6 at B = 1, 11.775 at B = 2, all 160 for a large batch. */
static void moe_experts_touched_grow_with_batch(void **state)
{
    (void)state;
    attn_model m = load_preset("deepseek-v2");
    attn_device h800 = device("h800");
    attn_serve s = serve_of(&m, &h800, 8, 2048, ATTN_DTYPE_FP8, ATTN_DTYPE_BF16, 6);
    attn_serve_point p1, p2, big;
    attn_diag diag = {{0}};
    assert_int_equal(attn_serve_decode(&s, 1, &p1, &diag), ATTN_OK);
    assert_int_equal(attn_serve_decode(&s, 2, &p2, &diag), ATTN_OK);
    assert_int_equal(attn_serve_decode(&s, 4096, &big, &diag), ATTN_OK);
    assert_true(fabsl(p1.experts_touched - 6) < 1e-12L);
    assert_true(fabsl(p2.experts_touched - 160 * (1 - (154.0L / 160) * (154.0L / 160))) < 1e-12L);
    assert_true(big.experts_touched > 159.999L);
    assert_true(p2.weight_bytes > p1.weight_bytes && big.weight_bytes > p2.weight_bytes);
    attn_serve_free(&s);
    attn_model_free(&m);
}

/* The published DeepSeek-V2 claim (5.76x DeepSeek 67B's maximum generation throughput on 8
 * H800, FP8 weights, ~6-bit KV; context 2048 assumed), derived by hand:
 *   V2 per GPU: weights total x 1 B / 8; the MLA latent (512 + 64) per token per layer is
 *   held whole by every rank: 60 x 576 x 2048 x 6/8 B = 53,084,160 B per sequence;
 *   batch = floor((floor(80 GiB x 0.9) - weights) / 53,084,160); at that batch all 160
 *   experts are touched, so a step reads (total - input embedding) / 8 B of weights plus
 *   batch x 53,084,160 B of cache.
 *   67B per GPU: weights total x 2 B / 8; 95 layers x 1 KV head x 256 x 2 B x 2048 =
 *   99,614,720 B per sequence; a step reads (total - input embedding) x 2 / 8 + batch x that.
 *   Both steps are memory-bound (checked), so tokens/s = batch x 3.35e12 / bytes. */
static long double by_hand(const char *name, long double weight_bytes, long double kv_seq)
{
    attn_model m = load_preset(name);
    attn_params p;
    assert_int_equal(attn_params_count(&m, &p), ATTN_OK);
    uint64_t weights = (uint64_t)((long double)p.total * weight_bytes) / 8;
    uint64_t usable = (uint64_t)floorl(85899345920.0L * 0.9L);
    long double batch = floorl((long double)(usable - weights) / kv_seq);
    long double lookup = (long double)m.vocab * (long double)m.hidden;
    long double bytes = ((long double)p.total - lookup) * weight_bytes / 8 + batch * kv_seq;
    attn_model_free(&m);
    return batch * 3.35e12L / bytes;
}

static void deepseek_v2_throughput_claim(void **state)
{
    (void)state;
    long double v2 = by_hand("deepseek-v2", 1, 60 * 576 * 2048 * 0.75L);
    long double v67 = by_hand("deepseek-67b", 2, 95 * 256 * 2 * 2048.0L);
    char path[1024];
    snprintf(path, sizeof path, "%s/../../claims/published.csv", getenv("ATTNSCOPE_TEST_DATA"));
    attn_claim_result *r = NULL;
    size_t n = 0;
    attn_diag diag = {{0}};
    attn_claims_options o = {0};
    if (attn_claims_check(path, &o, &r, &n, &diag))
        fail_msg("%s", diag.msg);
    const attn_claim_result *claim = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].id, "deepseek-v2-throughput-5.76") == 0)
            claim = &r[i];
    assert_non_null(claim);
    /* experts_touched at ~900 sequences is 160 to within 1e-14: the hand value is exact */
    if (fabsl(claim->computed - v2 / v67) > 1e-6L * (v2 / v67))
        fail_msg("computed %.9Lg, by hand %.9Lg / %.9Lg = %.9Lg", claim->computed, v2, v67, v2 / v67);
    assert_int_equal(claim->verdict, ATTN_CLAIM_FAILS); /* 1.48x under tensor parallelism */
    assert_non_null(strstr(claim->explanation, "assumed: 8 x h800 (tp 8), context 2048"));
    assert_non_null(strstr(claim->explanation, "6-bit KV"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dense_decode_on_the_roofline),
        cmocka_unit_test(moe_experts_touched_grow_with_batch),
        cmocka_unit_test(deepseek_v2_throughput_claim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
