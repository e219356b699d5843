/* test_kernel_tiling_cost.c — the cost model evaluated with a kernel's own blocking
 * (attn_cost_request.tiling, issue 15): the re-reads each field adds, derived by hand below,
 * and a zero tiling that leaves the IO model's compulsory count as it was.
 */
#include "test_util.h"

/* 8 query heads on 2 KV heads, head_dim 64, fp32 */
#define GQA_SMALL                                                                          \
    "{\"num_hidden_layers\": 1, \"num_attention_heads\": 8, \"num_key_value_heads\": 2,"  \
    " \"hidden_size\": 512, \"vocab_size\": 1000, \"torch_dtype\": \"float32\"}"

static attn_cost causal_cost(const char *variant, attn_phase phase, int64_t seq, bool causal,
                             attn_kernel_tiling tiling)
{
    attn_model m = parse_config(GQA_SMALL);
    attn_plan *plan = NULL;
    attn_diag diag = {{0}};
    attn_request r = {.variant = variant, .precision = attn_precision_default(ATTN_DTYPE_FP32),
                      .tp = 1, .rank = 48};
    if (attn_plan_init(&plan, &m, &r, &diag))
        fail_msg("plan: %s", diag.msg);
    attn_cost_request req = {phase, seq, 1, causal, 1 << 17, ATTN_DTYPE_FP32, .tiling = tiling};
    attn_cost c;
    if (attn_plan_cost_layer(plan, &req, 0, &c, &diag))
        fail_msg("cost: %s", diag.msg);
    attn_plan_free(plan);
    attn_model_free(&m);
    return c;
}

static attn_cost layer_cost(const char *variant, attn_phase phase, int64_t seq,
                            attn_kernel_tiling tiling)
{
    return causal_cost(variant, phase, seq, false, tiling);
}

static void test_standard_query_blocks(void **state)
{
    (void)state;
    /* n = 100, h = 8, d = 64. K and V once: 8 x (100 x 64 + 100 x 128 + 2 x 100^2) = 313,600
     * elements read = 1,254,400 B. Blocks of 24 query rows: ceil(100 / 24) = 5 passes over
     * K and V: 8 x (6,400 + 5 x 12,800 + 20,000) = 723,200 elements = 2,892,800 B. Writes
     * (S, P, O) do not change: 8 x (100 x 64 + 20,000) x 4 = 844,800 B. */
    attn_cost once = layer_cost("standard", ATTN_PHASE_PREFILL, 100, (attn_kernel_tiling){0});
    attn_cost tiled = layer_cost("standard", ATTN_PHASE_PREFILL, 100,
                                 (attn_kernel_tiling){.query_rows = 24});
    attn_cost whole = layer_cost("standard", ATTN_PHASE_PREFILL, 100,
                                 (attn_kernel_tiling){.query_rows = 100});
    assert_true(once.read_bytes == 1254400.0L);
    assert_true(tiled.read_bytes == 2892800.0L);
    assert_true(whole.read_bytes == once.read_bytes); /* one block holds every row */
    assert_true(tiled.write_bytes == 844800.0L && once.write_bytes == 844800.0L);
    assert_true(tiled.kv_traffic_bytes == 5 * once.kv_traffic_bytes);
}

static void test_decode_splits_reload_queries(void **state)
{
    (void)state;
    /* t = 40: cache 40 x 2 x 128 x 4 = 40,960 B; q 8 x 64 x 4 = 2,048 B once, 6,144 B when
     * each of 3 splits loads it. */
    attn_cost once = layer_cost("flash", ATTN_PHASE_DECODE, 40, (attn_kernel_tiling){0});
    attn_cost split = layer_cost("flash", ATTN_PHASE_DECODE, 40,
                                 (attn_kernel_tiling){.kv_splits = 3});
    assert_true(once.read_bytes == 40960.0L + 2048.0L);
    assert_true(split.read_bytes == 40960.0L + 6144.0L);
}

static void test_lowrank_projection_and_stacked_blocks(void **state)
{
    (void)state;
    /* n = 100, k = 48, g = 2 KV heads, width 128. Once: K, V 100 x 2 x 128 = 25,600; E, F
     * 2 x 48 x 100 x 2 = 19,200; K', V' 2 x 48 x 128 = 12,288; Q 8 x 100 x 64 = 51,200;
     * S and P 2 x 8 x 100 x 48 = 76,800: 185,088 elements = 740,352 B. Projection blocks of
     * 32 rows: ceil(48 / 32) = 2 passes over K, V (51,200); query blocks of 24 of the 400
     * stacked rows (4 heads x 100 per KV head): 17 passes over K', V' (208,896): 407,296
     * elements = 1,629,184 B. */
    attn_cost once = layer_cost("lowrank", ATTN_PHASE_PREFILL, 100, (attn_kernel_tiling){0});
    attn_cost tiled = layer_cost("lowrank", ATTN_PHASE_PREFILL, 100,
                                 (attn_kernel_tiling){.query_rows = 24, .project_rows = 32});
    assert_true(once.read_bytes == 740352.0L);
    assert_true(tiled.read_bytes == 1629184.0L);
    assert_true(tiled.write_bytes == once.write_bytes);
}

static void test_mla_naive_up_projection_blocks(void **state)
{
    (void)state;
    /* "What if MLA" on head_dim 64: d_c = 256, d_n = d_v = 64, h = 8, n = 100. Work-groups of
     * 16 latent rows and all 128 columns: the weights 8 x 256 x 128 = 262,144 elements once
     * per block, ceil(100 / 16) = 7 times (+6 x 262,144 = +1,572,864), the latents once instead
     * of twice (-8 x 100 x 256 = -204,800): +1,368,064 elements = +5,472,256 B. */
    attn_cost once = layer_cost("mla-naive", ATTN_PHASE_PREFILL, 100, (attn_kernel_tiling){0});
    attn_cost tiled = layer_cost("mla-naive", ATTN_PHASE_PREFILL, 100,
                                 (attn_kernel_tiling){.project_rows = 16, .project_cols = 128});
    assert_true(once.weight_bytes == 262144.0L * 4);
    assert_true(tiled.weight_bytes == 7 * once.weight_bytes);
    assert_true(tiled.read_bytes - once.read_bytes == 5472256.0L);
    assert_true(tiled.write_bytes == once.write_bytes);
}

static void test_mla_gpu_passes(void **state)
{
    (void)state;
    /* "What if MLA" on head_dim 64: d_c = 256, d_r = 32, d_n = d_v = 64, h = 8; decode over
     * t = 40 in one block of 1 position (8 stacked rows), keys loaded exactly, 2 head groups, 2
     * splits, passes of 8 positions. Read: q_n, q_r 8 x 96 = 768; W_UK, W_UV 8 x 256 x 128 =
     * 262,144 (one pass); latents 2 groups x 40 x 288 = 23,040; stacked queries once per split
     * 2 x 8 x 288 = 4,608; partials 2 x 8 x (256 + 2) = 4,128: 294,688 elements =
     * 1,178,752 B. Written: O 8 x 64 = 512, queries 2,304, partials 4,128: 27,776 B. */
    attn_cost gpu = layer_cost("mla", ATTN_PHASE_DECODE, 40,
                               (attn_kernel_tiling){.query_rows = 1, .kv_splits = 2,
                                                    .project_rows = 8, .key_cols = 1,
                                                    .head_groups = 2});
    assert_true(gpu.read_bytes == 1178752.0L);
    assert_true(gpu.write_bytes == 27776.0L);
    assert_true(gpu.weight_bytes == 262144.0L * 4);
    /* flops: 2 x 8 x 64 x 256 + 2 x 40 x 8 x (2 x 256 + 32) + 2 x 8 x 256 x 64 = 872,448 */
    assert_true(gpu.flops_executed == 872448.0L);
}

static void test_performer_chunks_and_readout_blocks(void **state)
{
    (void)state;
    /* m = 256 features, h = 8 on g = 2, d = 64, decode. State 2 x 256 x 65 = 33,280. CPU
     * (no tiling): q, k, v 8 x 64 + 2 x 128 = 768, state and one shift per KV head 33,282,
     * omega 256 x 64 = 16,384 once: 50,434 elements = 201,736 B read. GPU: chunks of 64
     * features (4: K, V 3 more times, +768; 4 shifts per KV head: moved 33,288), readout
     * blocks of 4 stacked rows (1 per KV head): omega 2 x 16,384 for the sums and 2 x 16,384
     * for the readout, [S | z] and shifts 2 x (16,640 + 4) = 33,288: 768 + 768 + 33,288 +
     * 65,536 + 33,288 = 133,648 elements = 534,592 B. Written: o 512 + moved 33,288 =
     * 135,200 B. */
    attn_cost cpu = layer_cost("performer", ATTN_PHASE_DECODE, 40, (attn_kernel_tiling){0});
    attn_cost gpu = layer_cost("performer", ATTN_PHASE_DECODE, 40,
                               (attn_kernel_tiling){.query_rows = 4, .feature_chunk = 64});
    assert_true(cpu.read_bytes == 201736.0L);
    assert_true(gpu.read_bytes == 534592.0L);
    assert_true(gpu.write_bytes == 135200.0L);
    assert_true(gpu.weight_bytes == 65536.0L * 4);
}

static void test_performer_causal_blocks(void **state)
{
    (void)state;
    /* m = 256, h = 8 on g = 2, d = 64, causal n = 10 in blocks of 4: T = 3 blocks, A = 2
     * summed (8 keys), one chunk. Slot 256 x 65 + 1 = 16,641; omega 16,384. Omega for the sums
     * 2 x 2 x 16,384 and for every head's block 8 x 3 x 16,384: 458,752; K, V 2 x 8 x 128 =
     * 2,048; prefix pass reads 2 x 2 slots (66,564); readouts 8 x 3 slots (399,384); Q and
     * each block's own K, V 8 x 10 x (64 + 128) = 15,360: 942,108 elements = 3,768,432 B.
     * Written: 2 x (2 + 3) slots = 166,410, O 8 x 10 x 64 = 5,120: 686,120 B. Executed flops:
     * 2 x 256 x 129 x (2 x 8 + 8 x 10) = 6,340,608 plus per head the block keys' features
     * 2 x 16,384 x 10 and the pairs within blocks (2 x 10 + 3 = 23) x 2 x (256 + 65):
     * 8 x 342,446 = 2,739,568; 9,080,176 in all. */
    attn_cost gpu = causal_cost("performer", ATTN_PHASE_PREFILL, 10, true,
                                (attn_kernel_tiling){.query_rows = 4, .feature_chunk = 256});
    assert_true(gpu.read_bytes == 3768432.0L);
    assert_true(gpu.write_bytes == 686120.0L);
    assert_true(gpu.flops_executed == 9080176.0L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_query_blocks),
        cmocka_unit_test(test_decode_splits_reload_queries),
        cmocka_unit_test(test_lowrank_projection_and_stacked_blocks),
        cmocka_unit_test(test_mla_naive_up_projection_blocks),
        cmocka_unit_test(test_mla_gpu_passes),
        cmocka_unit_test(test_performer_chunks_and_readout_blocks),
        cmocka_unit_test(test_performer_causal_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
