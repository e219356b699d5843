/* test_sim_traffic.c — `sim` and `hw` traffic through the bench harness (traffic.h).
 *
 * n = 512, 4 heads, d = 64, fp32, simulated LL 256 KiB (16-way, 64 B lines):
 *
 * Standard materialises S = n x n x 4 B = 1 MiB per head, four times the LL, so at most the
 * LL's worth of it survives between passes. S is written by Q K^T (write-allocate: each line
 * is filled, then written back), read and overwritten by the in-place softmax (filled, written
 * back as P) and read by P V (filled): five DRAM transfers of every line that is not in the
 * cache, so sim >= 5 h (4n^2 - LL) = 15.7 MB, whatever BLAS does on top.
 *
 * Flash (FA-2 order, tiles for M = 64 KiB: B_r = B_c = 64) never stores S; it reads Q once,
 * K and V once per query block (T_r = 8) and writes O: counted = 9.44 MB. Its tiles (48 KiB)
 * are touched every block, so LRU keeps them in the LL; the cache adds only O's write-allocate
 * fill (1/18 of counted) and stray conflicts: sim <= 1.2 x counted. Hence
 * standard / flash >= 5 h (4n^2 - LL) / (1.2 counted) = 1.39 (measured: about 3.6).
 *
 * Agreement where the working set far exceeds the cache: flash, one head, n = 1024, LL
 * 128 KiB, tiles for 32 KiB (B_r = B_c = 32, about 20 KiB of tiles). K and V (512 KiB) are
 * swept T_r = 32 times; each sweep is 4 x the LL, so LRU has evicted every line before it is
 * used again and each counted byte is a miss. Rows are 256 B (4 whole lines, 64-byte aligned),
 * so no partial lines either. What sim adds is O's write-allocate fill (1.5% of counted) and
 * any tile line lost to a set conflict: 0.9 <= sim / counted <= 1.15 (measured 1.025).
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

typedef struct sim_case {
    const char *variant;
    int64_t heads, n;
    uint64_t llc_bytes;
    size_t sram_bytes;
    unsigned traffic;
} sim_case;

typedef struct sim_outcome {
    attn_result_row row;
    attn_traffic_text text;
    uint64_t counted;
} sim_outcome;

static void model_of(int64_t heads, attn_model *m)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"num_hidden_layers\": 1, \"num_attention_heads\": %lld, \"hidden_size\": %lld, "
             "\"head_dim\": 64, \"torch_dtype\": \"float32\"}",
             (long long)heads, (long long)(heads * 64));
    assert_int_equal(attn_model_parse(json, strlen(json), "sim-test", m, NULL), ATTN_OK);
}

/* One bench run (one timed call, no reference) with the traffic sources asked for. */
static void run(const sim_case *s, sim_outcome *out)
{
    attn_model model;
    model_of(s->heads, &model);
    attn_bench_case c = {
        .model = &model, .variant = s->variant, .phase = ATTN_PHASE_PREFILL, .seq = s->n,
        .batch = 1, .sram_bytes = s->sram_bytes, .seed = 1, .threads = attn_kernels_threads(),
        .backend = attn_backend_find("cpu"), .options = {0, 1, 0.0, 0.0},
        .traffic = s->traffic, .sim = {getenv("ATTNSCOPE_EXE"), s->llc_bytes},
        .traffic_text = &out->text,
    };
    attn_diag diag = {{0}};
    int rc = attn_bench_run(&c, &out->row, &diag);
    if (rc)
        fail_msg("%s n=%lld: %s", s->variant, (long long)s->n, diag.msg);
    out->counted = out->row.m.stats.bytes_read + out->row.m.stats.bytes_written;
    attn_model_free(&model);
}

/* The row's sim bytes; skips the test when valgrind is not installed. */
static double sim_bytes(const sim_outcome *o)
{
    const char *text = o->row.traffic_sim;
    assert_non_null(text);
    if (strstr(text, "valgrind not found")) {
        print_message("%s\n", text);
        skip();
    }
    char *end;
    double bytes = strtod(text, &end);
    if (end == text || *end)
        fail_msg("sim is not a number: %s", text);
    return bytes;
}

static void test_standard_vs_flash(void **state)
{
    (void)state;
    const int64_t n = 512, h = 4;
    const uint64_t llc = 256 * KIB;
    sim_case standard = {"standard", h, n, llc, 0, ATTN_TRAFFIC_SIM};
    sim_case flash = {"flash", h, n, llc, 64 * KIB, ATTN_TRAFFIC_SIM};
    static sim_outcome s, f;
    run(&standard, &s);
    double std_sim = sim_bytes(&s);
    run(&flash, &f);
    double flash_sim = sim_bytes(&f);
    double std_floor = 5.0 * (double)h * (4.0 * (double)(n * n) - (double)llc);
    double flash_ceiling = 1.2 * (double)f.counted;
    print_message("standard: sim %.4g B (counted %.4g, floor %.4g); flash: sim %.4g B "
                  "(counted %.4g, ceiling %.4g); ratio %.2f (bound %.2f)\n", std_sim,
                  (double)s.counted, std_floor, flash_sim, (double)f.counted, flash_ceiling,
                  std_sim / flash_sim, std_floor / flash_ceiling);
    assert_true(std_sim >= std_floor);
    assert_true(flash_sim <= flash_ceiling);
    assert_true(std_sim / flash_sim >= std_floor / flash_ceiling);
    assert_true(std_floor / flash_ceiling > 1.3); /* the bound is not vacuous */
}

static void test_sim_agrees_with_counted(void **state)
{
    (void)state;
    sim_case flash = {"flash", 1, 1024, 128 * KIB, 32 * KIB, ATTN_TRAFFIC_SIM};
    static sim_outcome f;
    run(&flash, &f);
    double ratio = sim_bytes(&f) / (double)f.counted;
    print_message("flash n=1024 LL 128 KiB: sim / counted = %.3f\n", ratio);
    assert_true(ratio >= 0.9 && ratio <= 1.15);
}

/* A machine without valgrind gets one clear line, not a number. */
static void test_valgrind_missing(void **state)
{
    (void)state;
    const char *saved = getenv("PATH");
    char *path = saved ? strdup(saved) : NULL;
    setenv("PATH", "/nonexistent-attnscope-test", 1);
    attn_problem p = {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 1, .kv_heads = 1,
                      .n = 8, .d_qk = 64, .d_v = 64, .sram_bytes = 64 * KIB, .seed = 1};
    attn_sim_options o = {getenv("ATTNSCOPE_EXE"), 256 * KIB};
    attn_sim_result r;
    char why[256] = "";
    int rc = attn_traffic_sim("flash", &p, &o, &r, why, sizeof why);
    if (path)
        setenv("PATH", path, 1);
    free(path);
    assert_int_equal(rc, ATTN_ERR_UNSUPPORTED);
    assert_non_null(strstr(why, "valgrind not found in PATH"));
    assert_int_equal(r.read_bytes + r.write_bytes, 0);
}

/* An LL valgrind cannot model is refused with the rule, before anything runs. */
static void test_llc_geometry(void **state)
{
    (void)state;
    attn_sim_result g;
    char why[256] = "";
    assert_int_equal(attn_sim_llc_config(256 * KIB, &g, why, sizeof why), ATTN_OK);
    assert_int_equal(g.llc_bytes, 256 * KIB);
    assert_int_equal(g.llc_bytes % ((uint64_t)g.llc_ways * g.line_bytes), 0);
    assert_int_equal(attn_sim_llc_config(40 * 1024 * KIB, &g, why, sizeof why), ATTN_OK);
    assert_int_equal(g.llc_ways, 20); /* an A100's L2: 32768 sets of 20 ways */
    assert_int_equal(attn_sim_llc_config(3000 * KIB, &g, why, sizeof why), ATTN_ERR_RANGE);
    assert_non_null(strstr(why, "power-of-two number of sets"));
}

/* hw: where no memory-controller PMU is exposed (this VM), "unavailable: why", never a
 * number; where one is, a positive byte count. */
static void test_hw(void **state)
{
    (void)state;
    char why[256] = "";
    bool available = attn_traffic_hw_probe(why, sizeof why) == ATTN_OK;
    sim_case tiny = {"flash", 1, 64, 0, 64 * KIB, ATTN_TRAFFIC_HW};
    static sim_outcome o;
    run(&tiny, &o);
    const char *text = o.row.traffic_hw;
    assert_non_null(text);
    print_message("hw: %s\n", text);
    if (available) {
        assert_true(strtoull(text, NULL, 10) > 0);
        return;
    }
    assert_true(strlen(why) > 10);
    assert_int_equal(strncmp(text, "unavailable: ", 13), 0);
    assert_string_equal(text + 13, why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llc_geometry),
        cmocka_unit_test(test_valgrind_missing),
        cmocka_unit_test(test_hw),
        cmocka_unit_test(test_standard_vs_flash),
        cmocka_unit_test(test_sim_agrees_with_counted),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
