/* test_sim_dram.c — the cache-aware model (dram_bytes_model) against callgrind's simulated
 * DRAM traffic of the CPU kernels, every variant, prefill and decode, at a last-level cache
 * smaller than the working set (256 KiB) and at one larger (32 MiB): within +-30% (issue 17).
 *
 * fp32, d = 64, one thread, tiles for M = 16 KiB. Prefill n = 512 over 2 heads (MLA and
 * MLA-naive: 4 heads, d_c = 256, d_r = 32, the what-if defaults): one head's S (1 MiB), K and
 * V (256 KiB) or MLA's latent (576 KiB) outgrow 256 KiB and all stay in 32 MiB. Decode: 4
 * query heads on 1 KV head over t = 2048 (a 1 MiB cache, 5 MiB decompressed for MLA-naive,
 * read once whatever the cache; standard's GQA group shares it only when it stays), Performer
 * and low-rank over t = 256 (their state does not grow with t, and the harness absorbs t
 * tokens under valgrind first). meson test sets MALLOC_PERTURB_, which makes glibc write every
 * allocation (a pass over S the kernels do not make): main() clears it for the children.
 * Flash follows its closed form (cost_dram.c), the others their walked steps (dram_steps.c).
 * MLA prefill at 256 KiB is the regime of tiles larger than the cache: one block's stacked
 * queries, accumulators and latent tile (~300 KiB) outgrow it and miss on every key tile,
 * which the walk sees through the block's inner loop. (The recurrent states' restore runs
 * before the measured call: the ops' rewind.)
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
    const char *variant;
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
        .model = &model, .variant = d->variant, .phase = d->phase, .seq = d->n, .batch = 1,
        .causal = d->causal, .store = ATTN_DTYPE_FP32, .sram_bytes = 16 * KIB, .seed = 1,
        .threads = 1, .backend = attn_backend_find("cpu"),
        .options = {0, 1, 0.0, 0.0}, .traffic = ATTN_TRAFFIC_SIM,
        .sim = {getenv("ATTNSCOPE_EXE"), d->llc_bytes}, .traffic_text = &text,
    };
    static attn_result_row row;
    attn_diag diag = {{0}};
    if (attn_bench_run(&c, &row, &diag))
        fail_msg("bench %s: %s", d->variant, diag.msg);
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
    print_message("| %-9s | %-13s | %6lld | %6llu KiB | %10.4g | %10.4g | %10.4g | %5.3f |\n",
                  d->variant, d->phase == ATTN_PHASE_DECODE ? "decode" : d->causal ? "prefill causal" : "prefill",
                  (long long)d->n, (unsigned long long)(d->llc_bytes / KIB), sim, predicted, hbm,
                  sim / predicted);
    return sim / predicted;
}

static void check(const dram_case *d)
{
    double ratio = sim_over_model(d);
    assert_true(ratio >= 0.7 && ratio <= 1.3);
}

#define SMALL (256 * KIB)
#define LARGE (32768 * KIB)

/* every variant, both phases, both caches */
static void run_variant(const char *variant, int64_t heads, int64_t decode_n)
{
    const uint64_t llcs[2] = {SMALL, LARGE};
    for (int i = 0; i < 2; i++) {
        check(&(dram_case){variant, ATTN_PHASE_PREFILL, false, heads, heads, 512, llcs[i]});
        check(&(dram_case){variant, ATTN_PHASE_DECODE, false, 4, 1, decode_n, llcs[i]});
    }
}

static void standard(void **state)
{
    (void)state;
    run_variant("standard", 2, 2048);
}

static void flash(void **state)
{
    (void)state;
    run_variant("flash", 2, 2048);
    check(&(dram_case){"flash", ATTN_PHASE_PREFILL, true, 2, 2, 512, SMALL});
    check(&(dram_case){"flash", ATTN_PHASE_PREFILL, true, 2, 2, 512, LARGE});
}

static void mla(void **state)
{
    (void)state;
    run_variant("mla", 4, 2048);
}

static void mla_naive(void **state)
{
    (void)state;
    run_variant("mla-naive", 4, 2048);
}

static void performer(void **state)
{
    (void)state;
    run_variant("performer", 2, 256);
}

static void lowrank(void **state)
{
    (void)state;
    run_variant("lowrank", 2, 256);
}

int main(void)
{
    unsetenv("MALLOC_PERTURB_");
    print_message("| variant   | phase         |      n |    LLC     |      sim B |    model B |   hbm B    | sim/model |\n");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(standard),  cmocka_unit_test(flash),
        cmocka_unit_test(mla),       cmocka_unit_test(mla_naive),
        cmocka_unit_test(performer), cmocka_unit_test(lowrank),
    };
    return cmocka_run_group_tests_name("sim_dram", tests, NULL, NULL);
}
