/* test_decode_paged_cost.c — the decode cost model over paged and int8 caches (issue 19):
 * block-table entries and per-token scales charged, checked against hand derivations and,
 * for an fp32 cache, equal to the bytes the CPU kernel counts on the same shape.
 */
#include "kernels.h"
#include "test_util.h"

/* 8 query heads on 2 KV heads, head_dim 64, fp32 */
#define GQA_SMALL                                                                          \
    "{\"num_hidden_layers\": 1, \"num_attention_heads\": 8, \"num_key_value_heads\": 2,"  \
    " \"hidden_size\": 512, \"vocab_size\": 1000, \"torch_dtype\": \"float32\"}"

/* One layer's decode cost of GQA_SMALL under req (at req's dtype). */
static attn_cost cost_of(const attn_cost_request *req)
{
    attn_model m = parse_config(GQA_SMALL);
    attn_plan *plan = plan_for(&m, "flash", req->dtype, 1);
    attn_cost c;
    attn_diag diag = {{0}};
    if (attn_plan_cost_layer(plan, req, 0, &c, &diag))
        fail_msg("cost: %s", diag.msg);
    attn_plan_free(plan);
    attn_model_free(&m);
    return c;
}

static attn_cost layer_cost(attn_dtype dtype, int64_t t, int64_t block, uint32_t scale_bytes)
{
    attn_cost_request req = {ATTN_PHASE_DECODE, t, 1, false, 1 << 17, dtype, block, scale_bytes, .dropout = 0};
    return cost_of(&req);
}

static void test_paged_charges_block_table(void **state)
{
    (void)state;
    /* t = 40, block 16: kv 40 x 2 KV heads x (64 + 64) x 4 B = 40960; q 8 x 64 x 4 = 2048;
     * table 2 KV heads x ceil(40/16) = 3 entries x 4 B = 24 -> read 43032; write o 2048 */
    attn_cost paged = layer_cost(ATTN_DTYPE_FP32, 40, 16, 0);
    assert_true(paged.read_bytes == 43032.0L);
    assert_true(paged.write_bytes == 2048.0L);
    attn_cost contiguous = layer_cost(ATTN_DTYPE_FP32, 40, 0, 0);
    assert_true(contiguous.read_bytes == 43008.0L);
    /* a whole number of blocks: t = 48 reads 3 entries too, t = 49 reads 4 */
    assert_true(layer_cost(ATTN_DTYPE_FP32, 48, 16, 0).read_bytes - 48 * 1024 - 2048 == 24);
    assert_true(layer_cost(ATTN_DTYPE_FP32, 49, 16, 0).read_bytes - 49 * 1024 - 2048 == 32);
}

static void test_int8_charges_scales(void **state)
{
    (void)state;
    /* int8, t = 40, block 16: kv 40 x 2 x 128 x 1 B = 10240; scales 40 x 2 x 8 B = 640;
     * q 8 x 64 x 1 B (the model's element size) = 512; table 24 -> 11416 */
    attn_cost c = layer_cost(ATTN_DTYPE_INT8, 40, 16, 8);
    assert_true(c.read_bytes == 11416.0L);
}

/* fp32, paged (block 16), the batch's lengths `lens` (each <= 49) */
static attn_cost mixed_cost(const int32_t *lens, int64_t batch)
{
    attn_cost_request req = {ATTN_PHASE_DECODE, 49, batch, false, 1 << 17, ATTN_DTYPE_FP32, 16,
                             0, .seq_lens = lens};
    return cost_of(&req);
}

static void test_mixed_lengths_sum_per_sequence(void **state)
{
    (void)state;
    /* lengths 40, 1 and 49 (paged, block 16, fp32): kv (40 + 1 + 49) x 2 KV heads x 128 x
     * 4 B = 92160; table 2 x (3 + 1 + 4) entries x 4 B = 64; q 3 sequences x 2048 = 6144;
     * the three lengths 3 x 4 B = 12 -> read 98380; o 3 x 2048 = 6144 written; FLOPs 8 heads
     * x 90 tokens x 2 x 128 = 184320 */
    const int32_t lens[] = {40, 1, 49};
    attn_cost c = mixed_cost(lens, 3);
    assert_true(c.read_bytes == 98380.0L);
    assert_true(c.write_bytes == 6144.0L);
    assert_true(c.flops == 184320.0L);
    /* the same lengths all at 49 cost the uniform batch plus the lengths' 12 bytes */
    const int32_t same[] = {49, 49, 49};
    assert_true(mixed_cost(same, 3).read_bytes
                == 3 * layer_cost(ATTN_DTYPE_FP32, 49, 16, 0).read_bytes + 12);
}

/* The kernel's count on the same shape equals the model (fp32: q and o at the cache's size). */
static void test_model_equals_kernel_count(void **state)
{
    (void)state;
    attn_dims d = {.batch = 1, .heads = 8, .kv_heads = 2, .n_q = 1, .n_kv = 40, .d_qk = 64,
                   .d_v = 64};
    attn_kv_cache cache = {.store = ATTN_DTYPE_FP32, .layout = ATTN_KV_PAGED, .block_size = 16};
    attn_kernel_stats counted;
    attn_decode_cache_count(&d, &cache, &counted);
    attn_cost model = layer_cost(ATTN_DTYPE_FP32, 40, 16, 0);
    assert_true((long double)counted.bytes_read == model.read_bytes);
    assert_true((long double)counted.bytes_written == model.write_bytes);
    assert_true((long double)counted.flops == model.flops);
    /* and with mixed lengths */
    const int32_t lens[] = {40, 1, 49};
    d.batch = 3;
    d.n_kv = 49;
    cache.seq_lens = lens;
    attn_decode_cache_count(&d, &cache, &counted);
    model = mixed_cost(lens, 3);
    assert_true((long double)counted.bytes_read == model.read_bytes);
    assert_true((long double)counted.bytes_written == model.write_bytes);
    assert_true((long double)counted.flops == model.flops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paged_charges_block_table),
        cmocka_unit_test(test_int8_charges_scales),
        cmocka_unit_test(test_mixed_lengths_sum_per_sequence),
        cmocka_unit_test(test_model_equals_kernel_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
