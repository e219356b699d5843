/* test_train.c — the training step (--phase train) against hand derivations.
 *
 * The case is the FlashAttention paper's Figure 2 (left): GPT-2 medium attention, one layer,
 * N = 1024, d = 64, 16 heads, batch 64, fp16, forward + backward; the paper measured 40.3 GB
 * of HBM reads and writes for standard attention and 4.4 GB for FlashAttention. Below,
 * "per head" counts are elements; bytes = elements x 2 B x 16 heads x 64 sequences = x 2048.
 */
#include <math.h>

#include "test_util.h"

#define GPT2_MEDIUM                                                                        \
    "{\"model_type\": \"gpt2\", \"n_layer\": 24, \"n_head\": 16, \"n_embd\": 1024,"       \
    " \"n_positions\": 1024, \"vocab_size\": 50257, \"torch_dtype\": \"float16\"}"

#define N 1024.0L
#define D 64.0L
#define SCALE 2048.0L /* 2 B x 16 heads x 64 sequences */
#define A100_SRAM (192 * 1024) /* 192 KB per SM (paper, Section 2.1): M = 98,304 fp16 */

typedef struct step {
    bool causal;
    double dropout;
} step;

static int train_cost(const attn_model *m, const char *variant, step s, attn_cost *c,
                      attn_diag *diag)
{
    attn_plan *plan = plan_for(m, variant, m->dtype, 1);
    attn_cost_request req = {ATTN_PHASE_TRAIN, 1024, 64, s.causal, A100_SRAM, m->dtype, .dropout = s.dropout};
    int rc = attn_plan_cost_layer(plan, &req, 0, c, diag);
    attn_plan_free(plan);
    return rc;
}

static long double hbm_of(const attn_model *m, const char *variant, step s)
{
    attn_cost c;
    attn_diag diag = {{0}};
    if (train_cost(m, variant, s, &c, &diag))
        fail_msg("train cost of %s: %s", variant, diag.msg);
    return c.read_bytes + c.write_bytes;
}

static void assert_close(long double got, long double want)
{
    if (fabsl(got - want) > 1e-9L * want)
        fail_msg("got %.0Lf, want %.0Lf", got, want);
}

/* Standard attention op by op (cost_train.c's table). Per head, N^2 passes:
 *   no mask, no dropout: forward S w, P r+w, P r (4 = Algorithm 0), backward dP w, P r (dV),
 *     dP r + P r + dS w, dS r (dQ), dS r (dK) (7 = Algorithm 3): 11 N^2
 *   dropout 0.1: forward P r, P_d w, mask (1 B) w; backward dP_d r, mask r, dP w:
 *     4 N^2 + 2 x N^2 / 2 (the bool mask in fp16 elements) = 5 N^2 more: 16 N^2
 *   causal mask (S + mask): S r, mask r, S' w: 3 N^2 more
 * N x d terms: reads Q, K, V; dO, V; dO; K; Q = 4 d_qk + 4 d_v = 512 per row; writes O, dV,
 * dQ, dK = 256 per row: 768 N.
 * Dropout 0.1, no mask: (16 x 1,048,576 + 768 x 1024) x 2048 = 35,970,351,104 B = 35.97 GB,
 * 10.7% under the paper's 40.3 GB. With the causal mask: 19 N^2: 42.41 GB, 5.2% over. */
static void standard_step_is_one_pass_per_op(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    long double plain = hbm_of(&m, "standard", (step){false, 0});
    long double drop = hbm_of(&m, "standard", (step){false, 0.1});
    long double both = hbm_of(&m, "standard", (step){true, 0.1});
    assert_close(plain, (11 * N * N + 768 * N) * SCALE);
    assert_close(drop, (16 * N * N + 768 * N) * SCALE);
    assert_close(both, (19 * N * N + 768 * N) * SCALE);
    assert_close(drop, 35970351104.0L);
    assert_true(fabsl(drop - 40.3e9L) <= 0.25L * 40.3e9L);
    assert_true(fabsl(both - 40.3e9L) <= 0.25L * 40.3e9L);
    /* the forward of the step alone is the paper's Algorithm 0 (attnscope's prefill) */
    attn_plan *plan = plan_for(&m, "standard", m.dtype, 1);
    attn_cost_request fwd = {ATTN_PHASE_PREFILL, 1024, 64, false, A100_SRAM, m.dtype, .dropout = 0};
    attn_cost c;
    attn_diag diag = {{0}};
    assert_int_equal(attn_plan_cost_layer(plan, &fwd, 0, &c, &diag), ATTN_OK);
    assert_close(c.read_bytes + c.write_bytes, (4 * N * N + 256 * N) * SCALE);
    attn_plan_free(plan);
    attn_model_free(&m);
}

/* FlashAttention, Algorithm 1 forward + Algorithm 4 backward, M = 98,304 elements:
 * B_c = ceil(M / 4d) = 384, B_r = min(384, 64) = 64, T_c = ceil(1024 / 384) = 3.
 *   forward: K, V once 2Nd = 131,072; per visited row (T_c N = 3072) Q_i, O_i, l, m read
 *     (2d + 2 = 130) and O_i, l, m written (d + 2 = 66): 131,072 + 3072 x 196 = 733,184
 *   backward: K_j, V_j read and dK_j, dV_j written once, 4Nd = 262,144; per visited row
 *     Q_i, O_i, dO_i, dQ_i, l_i, m_i read (4d + 2 = 258) and dQ_i written (64):
 *     262,144 + 3072 x 322 = 1,251,328
 *   step: 1,984,512 per head x 2048 = 4,064,280,576 B = 4.06 GB, 7.6% under 4.4 GB.
 * Dropout costs nothing (the mask is regenerated from the RNG state). Causal: the blocks the
 * mask empties are skipped; K blocks at 0, 384, 768 see 1024, 640, 256 rows = 1920:
 *   131,072 + 1920 x 196 + 262,144 + 1920 x 322 = 1,387,776 per head. */
static void flash_step_is_algorithm_4(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    long double fa = hbm_of(&m, "flash1", (step){false, 0.1});
    assert_close(fa, 1984512.0L * SCALE);
    assert_close(hbm_of(&m, "flash1", (step){false, 0}), fa);
    assert_close(hbm_of(&m, "flash1", (step){true, 0.1}), 1387776.0L * SCALE);
    assert_true(fabsl(fa - 4.4e9L) <= 0.40L * 4.4e9L);
    /* the ratio the paper reports as 9.16x: 17,563,648 / 1,984,512 = 8.850 */
    long double ratio = hbm_of(&m, "standard", (step){false, 0.1}) / fa;
    assert_true(fabsl(ratio - 17563648.0L / 1984512.0L) < 1e-9L);
    assert_true(fabsl(ratio - 9.16L) <= 0.05L * 9.16L);
    attn_model_free(&m);
}

/* FLOPs in the papers' convention: 4 N^2 d h per sequence forward, backward 2.5x, step 3.5x:
 * 3.5 x 4 x 1024^2 x 64 x 16 x 64 = 962,072,674,304; causal halves the pairs (N(N+1)/2). */
static void step_flops_are_three_and_a_half_forwards(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    const char *exact[] = {"standard", "flash", "flash1"};
    for (int i = 0; i < 3; i++) {
        attn_cost c;
        attn_diag diag = {{0}};
        assert_int_equal(train_cost(&m, exact[i], (step){false, 0}, &c, &diag), ATTN_OK);
        assert_close(c.flops, 962072674304.0L);
        assert_int_equal(train_cost(&m, exact[i], (step){true, 0}, &c, &diag), ATTN_OK);
        assert_close(c.flops, 3.5L * 4 * (N * (N + 1) / 2) * D * 16 * 64);
    }
    attn_model_free(&m);
}

/* Performer and low-rank stream their products: a step is 3x the forward's products. MLA's
 * absorbed form has no training step (it is an inference rewrite) and says which to use. */
static void other_variants_define_or_decline(void **state)
{
    (void)state;
    attn_model m = parse_config(GPT2_MEDIUM);
    attn_plan *plan = plan_for(&m, "performer", m.dtype, 1);
    attn_cost_request fwd = {ATTN_PHASE_PREFILL, 1024, 64, false, A100_SRAM, m.dtype, .dropout = 0};
    attn_cost_request trn = fwd;
    trn.phase = ATTN_PHASE_TRAIN;
    attn_cost f, t;
    attn_diag diag = {{0}};
    assert_int_equal(attn_plan_cost(plan, &fwd, &f, &diag), ATTN_OK);
    assert_int_equal(attn_plan_cost(plan, &trn, &t, &diag), ATTN_OK);
    assert_close(t.flops, 3 * f.flops);
    /* backward re-reads the inputs and reads the output gradients (one per output) */
    assert_close(t.read_bytes, 2 * f.read_bytes + f.write_bytes);
    attn_plan_free(plan);
    attn_model dsv2 = load_preset("deepseek-v2-lite");
    plan = plan_for(&dsv2, "mla", dsv2.dtype, 1);
    trn.dtype = dsv2.dtype;
    assert_int_equal(attn_plan_cost(plan, &trn, &t, &diag), ATTN_ERR_UNSUPPORTED);
    assert_non_null(strstr(diag.msg, "mla-naive"));
    attn_plan_free(plan);
    plan = plan_for(&dsv2, "mla-naive", dsv2.dtype, 1);
    assert_int_equal(attn_plan_cost(plan, &trn, &t, &diag), ATTN_OK);
    assert_true(t.flops > 0 && t.read_bytes > 0);
    attn_plan_free(plan);
    attn_model_free(&dsv2);
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(standard_step_is_one_pass_per_op),
        cmocka_unit_test(flash_step_is_algorithm_4),
        cmocka_unit_test(step_flops_are_three_and_a_half_forwards),
        cmocka_unit_test(other_variants_define_or_decline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
