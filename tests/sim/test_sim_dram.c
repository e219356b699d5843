/* test_sim_dram.c — the cache-aware model (dram_bytes_model) against callgrind's simulated
 * DRAM traffic of the CPU kernels, at a last-level cache smaller than the working set
 * (256 KiB) and at one larger (32 MiB): within +-30% for prefill (plain and causal) and
 * decode (issue 17).
 *
 * Prefill: 2 heads of d = 64, n = 512, fp32, tiles for M = 16 KiB (B_r = B_c = 16, T_r = 32).
 * One head's K and V are 512 x 128 x 4 B = 256 KiB. At 32 MiB they stay, so DRAM sees Q, K,
 * V once and O written (plus its write-allocate fill): about a sixteenth of the IO model.
 * At 256 KiB the tiles and one K/V do not fit together, so every sweep long enough to evict
 * itself misses again (causal: the short early sweeps still hit); the model walks which
 * sweeps are long with its closed form.
 * Decode: 4 query heads sharing 1 KV head, t = 8192 fp32 (a 4 MiB cache) read once whatever
 * the cache size: DRAM = the cache, q and o.
 * The bounds are the tolerance; the measured ratios print with the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_case.h"

#define KIB 1024ull

typedef struct dram_case {
    attn_phase phase;
    bool causal;
    int64_t heads, kv_heads, n;
    uint64_t llc_bytes;
} dram_case;

static void model_of(const dram_case *d, attn_model *m)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"num_hidden_layers\": 1, \"num_attention_heads\": %lld, "
             "\"num_key_value_heads\": %lld, \"hidden_size\": %lld, \"head_dim\": 64, "
             "\"torch_dtype\": \"float32\"}",
             (long long)d->heads, (long long)d->kv_heads, (long long)(d->heads * 64));
    assert_int_equal(attn_model_parse(json, strlen(json), "sim-dram", m, NULL), ATTN_OK);
}

/* sim / dram_bytes_model of one run; skips when valgrind is absent. */
static double sim_over_model(const dram_case *d)
{
    attn_model model;
    model_of(d, &model);
    attn_traffic_text text;
    attn_bench_case c = {
        .model = &model, .variant = "flash", .phase = d->phase, .seq = d->n, .batch = 1,
        .causal = d->causal, .store = ATTN_DTYPE_FP32, .sram_bytes = 16 * KIB, .seed = 1,
        .threads = attn_kernels_threads(), .backend = attn_backend_find("cpu"),
        .options = {0, 1, 0.0, 0.0}, .traffic = ATTN_TRAFFIC_SIM,
        .sim = {getenv("ATTNSCOPE_EXE"), d->llc_bytes}, .traffic_text = &text,
    };
    static attn_result_row row;
    attn_diag diag = {{0}};
    if (attn_bench_run(&c, &row, &diag))
        fail_msg("bench: %s", diag.msg);
    attn_model_free(&model);
    if (strstr(row.traffic_sim, "valgrind not found")) {
        print_message("%s\n", row.traffic_sim);
        skip();
    }
    char *end;
    double sim = strtod(row.traffic_sim, &end);
    if (end == row.traffic_sim || *end)
        fail_msg("sim is not a number: %s", row.traffic_sim);
    double predicted = (double)row.model_cost.dram_bytes;
    double hbm = (double)(row.model_cost.read_bytes + row.model_cost.write_bytes);
    print_message("%s%s n=%lld LL %llu KiB: sim %.4g B, dram model %.4g B (hbm %.4g): "
                  "sim / model = %.3f\n", d->phase == ATTN_PHASE_DECODE ? "decode" : "prefill",
                  d->causal ? " causal" : "", (long long)d->n,
                  (unsigned long long)(d->llc_bytes / KIB), sim, predicted, hbm, sim / predicted);
    return sim / predicted;
}

static void check(const dram_case *d)
{
    double ratio = sim_over_model(d);
    assert_true(ratio >= 0.7 && ratio <= 1.3);
}

static void prefill_small_llc(void **state)
{
    (void)state;
    check(&(dram_case){ATTN_PHASE_PREFILL, false, 2, 2, 512, 256 * KIB});
    check(&(dram_case){ATTN_PHASE_PREFILL, true, 2, 2, 512, 256 * KIB});
}

static void prefill_large_llc(void **state)
{
    (void)state;
    check(&(dram_case){ATTN_PHASE_PREFILL, false, 2, 2, 512, 32768 * KIB});
    check(&(dram_case){ATTN_PHASE_PREFILL, true, 2, 2, 512, 32768 * KIB});
}

static void decode_both_llcs(void **state)
{
    (void)state;
    check(&(dram_case){ATTN_PHASE_DECODE, false, 4, 1, 8192, 256 * KIB});
    check(&(dram_case){ATTN_PHASE_DECODE, false, 4, 1, 8192, 32768 * KIB});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefill_small_llc),
        cmocka_unit_test(prefill_large_llc),
        cmocka_unit_test(decode_both_llcs),
    };
    return cmocka_run_group_tests_name("sim_dram", tests, NULL, NULL);
}
