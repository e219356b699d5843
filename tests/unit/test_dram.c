/* test_dram.c — the closed-form causal tile counts against a block-by-block walk, and the
 * cache-aware traffic (dram_bytes) against hand derivations.
 *
 * The walk below is the definition the closed forms must equal: query block i (rows
 * [i br, min(n, (i + 1) br))) reads the keys of every key block holding a visible key, and
 * key block j is read by every query block holding a row that sees it.
 */
#include <math.h>
#include <stdlib.h>

#include "cost.h"
#include "test_util.h"

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* keys query block [r0, r1) reads, block-aligned */
static int64_t walk_cols(const attn_cost_point *p, int64_t r0, int64_t r1, int64_t bc)
{
    int64_t lo = p->window ? max64(0, r0 - p->window + 1) : 0;
    return max64(0, min64(p->n, (r1 + bc - 1) / bc * bc) - lo / bc * bc);
}

/* rows of the query blocks that see key block [c0, c1), block-aligned */
static int64_t walk_rows(const attn_cost_point *p, int64_t c0, int64_t c1, int64_t br)
{
    int64_t last = p->n;
    if (p->window)
        last = min64(p->n, (c1 - 1 + p->window + br - 1) / br * br);
    return max64(0, last - c0 / br * br);
}

static void closed_forms_equal_the_walk(void **state)
{
    (void)state;
    srand(17);
    for (int trial = 0; trial < 3000; trial++) {
        attn_cost_point p = {.phase = ATTN_PHASE_PREFILL, .causal = true};
        p.n = 1 + rand() % 3000;
        p.window = trial % 3 ? 0 : 1 + rand() % 2000;
        int64_t bc = 1 + rand() % 300, br = 1 + rand() % 300;
        long double cols = 0, rows = 0, beyond = 0;
        long double longer_than = (long double)(rand() % 3200);
        for (int64_t r0 = 0; r0 < p.n; r0 += br) {
            int64_t c = walk_cols(&p, r0, min64(p.n, r0 + br), bc);
            cols += (long double)c;
            beyond += (long double)c > longer_than ? (long double)c : 0;
        }
        for (int64_t c0 = 0; c0 < p.n; c0 += bc)
            rows += (long double)walk_rows(&p, c0, min64(p.n, c0 + bc), br);
        if (attn_causal_cols(&p, bc, br) != cols || attn_causal_rows(&p, bc, br) != rows)
            fail_msg("n %lld window %lld bc %lld br %lld: cols %Lg (walk %Lg), rows %Lg "
                     "(walk %Lg)", (long long)p.n, (long long)p.window, (long long)bc,
                     (long long)br, attn_causal_cols(&p, bc, br), cols,
                     attn_causal_rows(&p, bc, br), rows);
        if (!p.window && attn_causal_cols_beyond(&p, bc, br, longer_than) != beyond)
            fail_msg("n %lld bc %lld br %lld: sweeps longer than %Lg read %Lg (walk %Lg)",
                     (long long)p.n, (long long)bc, (long long)br, longer_than,
                     attn_causal_cols_beyond(&p, bc, br, longer_than), beyond);
    }
}

/* n = 2^40 with one-token tiles: block i reads i + 1 keys, n (n + 1) / 2 in all, exactly
 * (2^79 + 2^39 needs 41 significant bits; long double has 64). */
static void closed_forms_at_two_to_the_forty(void **state)
{
    (void)state;
    attn_cost_point p = {.phase = ATTN_PHASE_PREFILL, .causal = true, .n = INT64_C(1) << 40};
    long double n = 0x1p40L;
    assert_true(attn_causal_cols(&p, 1, 1) == n * (n + 1) / 2);
    assert_true(attn_causal_rows(&p, 1, 1) == n * (n + 1) / 2);
    /* sweeps longer than n/2 keys: blocks n/2 .. n-1 read n/2 + 1 .. n keys */
    long double half = n / 2;
    assert_true(attn_causal_cols_beyond(&p, 1, 1, half) == (half + 1 + n) * half / 2);
}

/* One layer, 4 heads of d = 64, fp32, n = 1024, M = 64 KiB: B_c = 65536 / 4 / 256 = 64,
 * B_r = 64, T_r = 16 (elements, per layer):
 *   IO model: read 4 (1024 x 64 + 16 x 1024 x 128) = 8,650,752, write 4 x 1024 x 65 = 266,240,
 *   so hbm = 35,667,968 B.
 *   CPU, one thread (the walk of kernels/cpu/flash.c, dram_steps.c): the tiles are Q^T, S^T
 *   and the accumulators with m, l, corr, 64 x 64 + 64 x 64 + 64 x 67 = 12,480 elements; K
 *   and V are read in place, 64 keys a block.
 *   32 MiB LLC (8,388,608 elements): a head's K and V (131,072) fit, so they are read once:
 *   Q 262,144 + K,V 524,288 + O,L 266,240, plus write-allocate fills of O,L (266,240) and of
 *   the tiles, filled once and written back once (2 x 12,480) = 1,343,872 elements =
 *   5,375,488 B.
 *   256 KiB LLC (65,536 elements): a head's K and V with the tiles do not fit, so each of the
 *   16 query blocks streams them again (16 x 131,072 = 2,097,152 a head) while the tiles
 *   (12,480) and the key block in use stay: per head Q 65,536 + K,V 2,097,152 + O,L 66,560
 *   filled and written back, plus the tiles' 2 x 12,480 once: 9,208,192 elements =
 *   36,832,768 B, above the IO count (35,667,968 B) by the fills of O and the tiles. */
static void cpu_hand_values(void **state)
{
    (void)state;
    attn_model m = parse_config("{\"num_hidden_layers\": 1, \"num_attention_heads\": 4, "
                                "\"hidden_size\": 256, \"torch_dtype\": \"float32\"}");
    attn_plan *plan = plan_for(&m, "flash", ATTN_DTYPE_FP32, 1);
    attn_cost_request req = {ATTN_PHASE_PREFILL, 1024, 1, false, 64 * 1024, ATTN_DTYPE_FP32, .dropout = 0};
    attn_cache_model big = {ATTN_TILES_SRAM, 32u << 20, 1, true};
    attn_cache_model small = {ATTN_TILES_SRAM, 256u << 10, 1, true};
    attn_cost none, fits, thrashes;
    assert_int_equal(attn_plan_cost(plan, &req, &none, NULL), ATTN_OK);
    assert_int_equal(attn_plan_cost_cached(plan, &req, &big, &fits, NULL), ATTN_OK);
    assert_int_equal(attn_plan_cost_cached(plan, &req, &small, &thrashes, NULL), ATTN_OK);
    assert_true(none.read_bytes + none.write_bytes == 35667968.0L);
    assert_true(none.dram_bytes == 35667968.0L); /* no cache known: dram = hbm */
    /* the walk scales a second head's traffic: exact but for rounding in the last bits */
    assert_true(fabsl(fits.dram_bytes - 5375488.0L) < 1e-3L);
    assert_true(fabsl(thrashes.dram_bytes - 36832768.0L) < 1e-3L);
    attn_plan_free(plan);
    attn_model_free(&m);
}

/* Llama-3-70B causal prefill of 8192 tokens on an H100 (FA-3 tiles, 50 MiB L2, 132 SMs),
 * bf16. Compulsory per layer: Q and O 8192 x 64 x 128 x 2 B = 134,217,728 each, L
 * 8192 x 64 x 2 B = 1,048,576, K and V 8192 x 8 x 256 x 2 B = 33,554,432: 303,038,464 B,
 * x 80 layers = 24,243,077,120 B. 132 resident blocks span one KV head's 8 x 64 blocks, so
 * its 4 MiB of K/V stays in L2 and dram is exactly the compulsory traffic. FLOPs
 * 4 x 8192 x 8193 / 2 x 64 x 128 x 2 x 80 = 8.797e13: 88.9 ms at 989.4 TFLOP/s against
 * 24.2 GB / 3.35 TB/s = 7.2 ms: compute-bound. Decode of 8192 cached tokens reads the cache
 * once (plus q and o): dram / kv_bytes = 1.0012. */
static void h100_llama70b(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-70b");
    attn_device dev;
    assert_int_equal(attn_device_load("h100-sxm", &dev, NULL), ATTN_OK);
    attn_plan *plan = plan_for(&m, "flash", ATTN_DTYPE_BF16, 1);
    attn_cache_model cache = {dev.flash_tiles, dev.l2_bytes, dev.sm_count, false};
    attn_cost_request pre = {ATTN_PHASE_PREFILL, 8192, 1, true, dev.shared_mem_per_sm_bytes,
                             ATTN_DTYPE_BF16, .dropout = 0};
    attn_cost c;
    attn_roofline r;
    assert_int_equal(attn_plan_cost_cached(plan, &pre, &cache, &c, NULL), ATTN_OK);
    assert_int_equal(dev.flash_tiles, ATTN_TILES_FA3);
    assert_true(c.dram_bytes == 24243077120.0L);
    assert_true(c.dram_bytes < c.read_bytes + c.write_bytes);
    attn_roofline_compute(&c, dev.peak_flops_fp16, dev.bandwidth_bytes_per_s, &r);
    assert_false(r.memory_bound);
    assert_true(r.time_s > 0.0889L && r.time_s < 0.0890L);
    attn_cost_request dec = {ATTN_PHASE_DECODE, 8192, 1, false, dev.shared_mem_per_sm_bytes,
                             ATTN_DTYPE_BF16, .dropout = 0};
    assert_int_equal(attn_plan_cost_cached(plan, &dec, &cache, &c, NULL), ATTN_OK);
    assert_true(c.dram_bytes / c.kv_bytes >= 1.0L && c.dram_bytes / c.kv_bytes <= 1.05L);
    attn_plan_free(plan);
    attn_model_free(&m);
}

/* dram <= hbm for every variant, phase, length and cache size on a GPU. A CPU's DRAM traffic
 * has no such bound: stores fill their lines, BLAS clears C in a pass of its own, and the
 * kernels' workspace, which the IO model does not count, is filled and written back (and
 * thrashes when larger than the LLC); there dram is finite and positive. */
static void dram_never_exceeds_hbm(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    uint64_t caches[] = {0, 1, 256u << 10, 50u << 20, UINT64_C(1) << 40};
    for (size_t v = 0; v < attn_variant_count(); v++) {
        attn_plan *plan = plan_for(&m, attn_variant_name(v), ATTN_DTYPE_BF16, 1);
        for (int64_t n = 1; n <= (INT64_C(1) << 22); n *= 8)
            for (size_t k = 0; k < sizeof caches / sizeof caches[0]; k++)
                for (int cpu = 0; cpu < 2; cpu++)
                    for (int mode = 0; mode < 3; mode++) { /* prefill, causal, decode */
                        attn_cache_model cache = {cpu ? ATTN_TILES_SRAM : ATTN_TILES_FA2,
                                                  caches[k], cpu ? 2 : 108, cpu};
                        attn_cost_request req = {mode == 2 ? ATTN_PHASE_DECODE
                                                           : ATTN_PHASE_PREFILL,
                                                 n, 4, mode == 1, 1 << 17, ATTN_DTYPE_BF16, .dropout = 0};
                        attn_cost c;
                        if (attn_plan_cost_cached(plan, &req, &cache, &c, NULL))
                            continue; /* low-rank has no causal form */
                        long double hbm = c.read_bytes + c.write_bytes;
                        long double most = cpu ? INFINITY : hbm;
                        if (!(c.dram_bytes <= most && c.dram_bytes > 0 && isfinite(c.dram_bytes)))
                            fail_msg("%s n=%lld llc=%llu: dram %Lg, hbm %Lg",
                                     attn_variant_name(v), (long long)n,
                                     (unsigned long long)caches[k], c.dram_bytes, hbm);
                    }
        attn_plan_free(plan);
    }
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(closed_forms_equal_the_walk),
        cmocka_unit_test(closed_forms_at_two_to_the_forty),
        cmocka_unit_test(cpu_hand_values),
        cmocka_unit_test(h100_llama70b),
        cmocka_unit_test(dram_never_exceeds_hbm),
    };
    return cmocka_run_group_tests_name("dram", tests, NULL, NULL);
}
