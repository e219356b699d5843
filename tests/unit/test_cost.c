/* test_cost.c — the analytic cost model against hand derivations and scaling properties.
 *
 * Point values are derived in the comments from DESIGN.md's formulas; property tests walk
 * sweeps (n, M) rather than single points, so a wrong exponent cannot hide.
 */
#include <math.h>

#include "test_util.h"

/* GPT-2 medium as in the FlashAttention paper (Fig. 2): 24 layers, 16 heads, d = 64. */
#define GPT2_MEDIUM                                                                        \
    "{\"model_type\": \"gpt2\", \"n_layer\": 24, \"n_head\": 16, \"n_embd\": 1024,"       \
    " \"n_positions\": 1024, \"vocab_size\": 50257, \"torch_dtype\": \"float16\"}"

static attn_cost cost_of(const attn_model *m, const char *variant, attn_phase phase,
                         int64_t seq, int64_t batch, bool causal, uint64_t sram, bool one_layer)
{
    attn_plan *plan = plan_for(m, variant, m->dtype, 1);
    attn_cost_request req = {phase, seq, batch, causal, sram, m->dtype, .dropout = 0};
    attn_cost c;
    attn_diag diag = {{0}};
    int rc = one_layer ? attn_plan_cost_layer(plan, &req, 0, &c, &diag)
                       : attn_plan_cost(plan, &req, &c, &diag);
    if (rc)
        fail_msg("cost of %s: %s", variant, diag.msg);
    attn_plan_free(plan);
    return c;
}

static long double hbm(const attn_cost *c)
{
    return c->read_bytes + c->write_bytes;
}

static void flashattention_paper_gpt2_medium(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    uint64_t sram = 100 * 1024; /* M = 100 KiB of fp16 = 51,200 elements */
    attn_cost standard = cost_of(&m, "standard", ATTN_PHASE_PREFILL, 1024, 64, false, sram, true);
    attn_cost flash = cost_of(&m, "flash1", ATTN_PHASE_PREFILL, 1024, 64, false, sram, true);
    /* Standard, per head: 2Nd + 2Nd + 4N^2 = 4 x 1024 x 64 + 4 x 1024^2 = 4,456,448
     * elements x 2 B, x 16 heads x batch 64 = 9,126,805,504 B per layer. */
    assert_true(hbm(&standard) == 9126805504.0L);
    /* Flash (Algorithm 1): B_c = ceil(51200 / (4 x 64)) = 200, B_r = min(200, 64) = 64,
     * T_c = ceil(1024 / 200) = 6; per head 2Nd + T_c (3Nd + 4N)
     * = 131,072 + 6 x (196,608 + 4,096) = 1,335,296 elements; x 2 B x 16 x 64 = 2,734,686,208. */
    assert_true(hbm(&flash) == 2734686208.0L);
    /* ratio 4,456,448 / 1,335,296 = 3.3374 */
    assert_true(fabsl(hbm(&standard) / hbm(&flash) - 4456448.0L / 1335296.0L) < 1e-12L);
    /* FLOPs are the same exact attention: 2 N^2 h (d + d) x batch = 2 x 1024^2 x 16 x 128 x 64 */
    assert_true(standard.flops == flash.flops);
    assert_true(flash.flops == 2.0L * 1024 * 1024 * 16 * 128 * 64);
    attn_model_free(&m);
}

static void flash_traffic_falls_as_one_over_m_and_grows_as_n_squared(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    for (int64_t n = 4096; n <= 65536; n *= 2) {
        for (uint64_t sram = 64 * 1024; sram <= 512 * 1024; sram *= 2) {
            attn_cost a = cost_of(&m, "flash1", ATTN_PHASE_PREFILL, n, 1, false, sram, true);
            attn_cost b = cost_of(&m, "flash1", ATTN_PHASE_PREFILL, n, 1, false, 2 * sram, true);
            /* remove the M-independent 2Nd reads of K and V (16 heads x 2 B) */
            long double fixed = 16.0L * 2 * (2.0L * n * 64);
            long double ratio = (hbm(&a) - fixed) / (hbm(&b) - fixed);
            if (ratio < 1.9L || ratio > 2.1L)
                fail_msg("n=%lld M=%llu: doubling M changed traffic by %Lg, not ~2",
                         (long long)n, (unsigned long long)sram, ratio);
        }
        attn_cost small = cost_of(&m, "flash", ATTN_PHASE_PREFILL, n, 1, false, 128 * 1024, true);
        attn_cost big = cost_of(&m, "flash", ATTN_PHASE_PREFILL, 2 * n, 1, false, 128 * 1024, true);
        long double growth = hbm(&big) / hbm(&small);
        if (growth < 3.9L || growth > 4.1L)
            fail_msg("n=%lld: doubling n grew flash traffic by %Lg, not ~4", (long long)n, growth);
    }
    attn_model_free(&m);
}

static void standard_traffic_is_n_squared_plus_n_d(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    for (int64_t n = 1; n <= 1 << 16; n = n * 3 + 1) {
        attn_cost c = cost_of(&m, "standard", ATTN_PHASE_PREFILL, n, 1, false, 1 << 16, true);
        /* 16 heads x (4 n d + 4 n^2) elements x 2 B */
        long double expected = 16.0L * 2 * (4.0L * n * 64 + 4.0L * n * n);
        if (hbm(&c) != expected)
            fail_msg("n=%lld: standard traffic %Lg, expected %Lg", (long long)n, hbm(&c), expected);
    }
    attn_model_free(&m);
}

static void causal_prefill_counts_n_n_plus_1_over_2(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    for (int64_t n = 1; n <= 100000; n = n * 7 + 3) {
        attn_cost c = cost_of(&m, "flash", ATTN_PHASE_PREFILL, n, 1, true, 1 << 17, true);
        /* 2 x n(n+1)/2 pairs x 16 heads x (64 + 64) */
        long double expected = 2.0L * ((long double)n * (n + 1) / 2) * 16 * 128;
        if (c.flops != expected)
            fail_msg("n=%lld: causal flops %Lg, expected %Lg", (long long)n, c.flops, expected);
        attn_cost full = cost_of(&m, "flash", ATTN_PHASE_PREFILL, n, 1, false, 1 << 17, true);
        assert_true(hbm(&c) <= hbm(&full)); /* skipped blocks are not read */
    }
    attn_model_free(&m);
}

static void linear_variants_scale_linearly(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    /* from n = k = 256 up: below it low-rank's projection is the identity (k = min(256, n)) */
    for (int64_t n = 256; n <= 1 << 20; n *= 2) {
        attn_cost p1 = cost_of(&m, "performer", ATTN_PHASE_PREFILL, n, 1, false, 1 << 17, false);
        attn_cost p2 = cost_of(&m, "performer", ATTN_PHASE_PREFILL, 2 * n, 1, false, 1 << 17, false);
        assert_true(p2.flops == 2 * p1.flops);
        attn_cost l1 = cost_of(&m, "lowrank", ATTN_PHASE_PREFILL, n, 1, false, 1 << 17, false);
        attn_cost l2 = cost_of(&m, "lowrank", ATTN_PHASE_PREFILL, 2 * n, 1, false, 1 << 17, false);
        assert_true(l2.flops == 2 * l1.flops);
    }
    /* one layer, MHA-equivalent check of DESIGN's Performer formula with h_kv = h:
     * 2nmh d 2 + 2nmh d_v 2 + 4nmh, here h = 32 (--variant mha), m = 256, d = 128 */
    attn_plan *plan = NULL;
    attn_request req = {.variant = "performer", .kv_heads = 32, .precision = attn_precision_default(ATTN_DTYPE_BF16)};
    assert_int_equal(attn_plan_init(&plan, &m, &req, NULL), ATTN_OK);
    attn_cost_request creq = {ATTN_PHASE_PREFILL, 1000, 1, false, 1 << 17, ATTN_DTYPE_BF16, .dropout = 0};
    attn_cost c;
    assert_int_equal(attn_plan_cost_layer(plan, &creq, 0, &c, NULL), ATTN_OK);
    long double n = 1000, mm = 256, h = 32;
    assert_true(c.flops == 2 * n * mm * h * 128 * 2 + 2 * n * mm * h * 128 * 2 + 4 * n * mm * h);
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void mla_absorbed_decode_reads_latent_once(void **state)
{
    (void)state;
    attn_model m = load_preset("deepseek-v3");
    for (int64_t t = 1; t <= 1 << 17; t = t * 5 + 1) {
        attn_cost a = cost_of(&m, "mla", ATTN_PHASE_DECODE, t, 1, false, 1 << 17, true);
        attn_cost b = cost_of(&m, "mla", ATTN_PHASE_DECODE, t + 1, 1, false, 1 << 17, true);
        /* one more cached token: (d_c 512 + d_r 64) x 2 B, once, not x 128 heads */
        assert_true(b.read_bytes - a.read_bytes == 576.0L * 2);
    }
    attn_model_free(&m);
}

static void llama70b_decode_8k_on_h100_is_memory_bound(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-70b");
    attn_device dev;
    assert_int_equal(attn_device_load("h100-sxm", &dev, NULL), ATTN_OK);
    for (int64_t batch = 1; batch <= 256; batch *= 4) {
        attn_cost c = cost_of(&m, "flash", ATTN_PHASE_DECODE, 8192, batch, false,
                              dev.shared_mem_per_sm_bytes, false);
        attn_roofline r;
        attn_roofline_compute(&c, dev.peak_flops_fp16, dev.bandwidth_bytes_per_s, &r);
        /* intensity = 2 t h (d_k + d_v) / (2 B t h_kv (d_k + d_v)) ~ h / h_kv = 8 FLOP/B,
         * far below the H100 ridge 989.4e12 / 3.35e12 = 295 FLOP/B */
        assert_true(r.memory_bound);
        assert_true(r.intensity > 7.9L && r.intensity < 8.0L);
    }
    attn_model_free(&m);
}

static void deepseek_v3_absorbed_decode_intensity(void **state)
{
    (void)state;
    attn_model m = load_preset("deepseek-v3");
    attn_cost c = cost_of(&m, "mla", ATTN_PHASE_DECODE, 8192, 64, false, 1 << 17, true);
    /* Per layer, per sequence, t = 8192, h = 128, d_n = 128, d_r = 64, d_c = 512, d_v = 128:
     *   FLOPs = 2 h d_n d_c + 2 t h (d_c + d_r) + 2 t h d_c + 2 h d_c d_v
     *         = 16,777,216 + 1,207,959,552 + 1,073,741,824 + 16,777,216 = 2,315,255,808
     *   bytes = 2 x (t (d_c + d_r) + h (d_n + d_r) + h d_v) = 2 x (4,718,592 + 24,576 + 16,384)
     *         = 9,519,104
     * and once per batch W_UK, W_UV: 2 x h d_c (d_n + d_v) = 33,554,432 B.
     * Batch 64: intensity = 64 x 2,315,255,808 / (64 x 9,519,104 + 33,554,432) = 230.52 */
    long double flops = 64.0L * 2315255808.0L, bytes = 64.0L * 9519104.0L + 33554432.0L;
    assert_true(c.flops == flops);
    assert_true(hbm(&c) == bytes);
    attn_roofline r;
    attn_roofline_compute(&c, 989.4e12, 3.35e12, &r);
    assert_true(fabsl(r.intensity - flops / bytes) < 1e-9L);
    assert_true(r.intensity > 230.5L && r.intensity < 230.6L);
    /* against Llama-style GQA decode (~8 FLOP/B) this is why MLA decode is cheap per byte */
    attn_model_free(&m);
}

static void windows_limit_decode_and_causal_prefill(void **state)
{
    (void)state;
    attn_model m = load_preset("mistral-7b-v0.1");
    attn_cost at_window = cost_of(&m, "flash", ATTN_PHASE_DECODE, 4096, 1, false, 1 << 17, false);
    attn_cost beyond = cost_of(&m, "flash", ATTN_PHASE_DECODE, 32768, 1, false, 1 << 17, false);
    assert_true(at_window.flops == beyond.flops); /* every layer attends to 4096 tokens */
    attn_cost prefill = cost_of(&m, "flash", ATTN_PHASE_PREFILL, 8192, 1, true, 1 << 17, true);
    /* pairs = w(w+1)/2 + (n - w) w = 4096 x 4097 / 2 + 4096 x 4096; 32 heads x 256 x 2 */
    long double pairs = 4096.0L * 4097 / 2 + 4096.0L * 4096;
    assert_true(prefill.flops == 2 * pairs * 32 * 256);
    attn_model_free(&m);
}

static void lowrank_causal_is_unsupported(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_plan *plan = plan_for(&m, "lowrank", ATTN_DTYPE_BF16, 1);
    attn_cost_request req = {ATTN_PHASE_PREFILL, 1024, 1, true, 1 << 17, ATTN_DTYPE_BF16, .dropout = 0};
    attn_cost c;
    attn_diag diag = {{0}};
    assert_int_equal(attn_plan_cost(plan, &req, &c, &diag), ATTN_ERR_UNSUPPORTED);
    assert_false(c.supported);
    assert_non_null(strstr(diag.msg, "causal"));
    attn_plan_free(plan);
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flashattention_paper_gpt2_medium),
        cmocka_unit_test(flash_traffic_falls_as_one_over_m_and_grows_as_n_squared),
        cmocka_unit_test(standard_traffic_is_n_squared_plus_n_d),
        cmocka_unit_test(causal_prefill_counts_n_n_plus_1_over_2),
        cmocka_unit_test(linear_variants_scale_linearly),
        cmocka_unit_test(mla_absorbed_decode_reads_latent_once),
        cmocka_unit_test(llama70b_decode_8k_on_h100_is_memory_bound),
        cmocka_unit_test(deepseek_v3_absorbed_decode_intensity),
        cmocka_unit_test(windows_limit_decode_and_causal_prefill),
        cmocka_unit_test(lowrank_causal_is_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
