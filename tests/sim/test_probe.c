/* test_probe.c — the local roofline probe (probe.h) and the `local` preset it saves.
 *
 * Sanity, not speed: no core issues more than two vector FMAs per cycle, so no FLOP rate may
 * pass threads x clock x lanes x 2 x 2 (the clock is the larger of the reported and the
 * measured one, so a boost clock cannot fake a violation); every rate is a spread over at
 * least five repeats with min <= median <= max; the STREAM arrays are at least four times the
 * caches together, so the bandwidth is DRAM's; and the saved preset reads back as
 * --device local with the numbers it was given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"

static attn_probe probe;

static int run_probe(void **state)
{
    (void)state;
    attn_diag diag = {{0}};
    int rc = attn_probe_run(&probe, &diag);
    if (rc)
        print_error("probe: %s\n", diag.msg);
    return rc;
}

static void check_spread(const char *what, attn_spread s, double low, double high)
{
    print_message("%-6s min %.4g median %.4g max %.4g over %d (allowed %.3g .. %.3g)\n", what,
                  s.min, s.median, s.max, s.repeats, low, high);
    assert_true(s.repeats >= 5);
    assert_true(s.min > 0 && s.min <= s.median && s.median <= s.max);
    assert_true(s.median >= low && s.max <= high);
}

static void test_flops_within_bound(void **state)
{
    (void)state;
    assert_true(probe.threads >= 1 && probe.lanes >= 4);
    assert_true(probe.clock_hz >= 1e8 && probe.clock_hz <= 1e10);
    assert_true(probe.clock_hz >= probe.reported_clock_hz &&
                probe.clock_hz >= probe.measured_clock_hz);
    assert_true(probe.flops_bound ==
                probe.threads * probe.clock_hz * probe.lanes * 2.0 * 2.0);
    /* A shared or throttled machine may be far below the bound, never above it. */
    check_spread("fma", probe.fma, probe.flops_bound / 256, probe.flops_bound);
    check_spread("sgemm", probe.sgemm, probe.flops_bound / 256, probe.flops_bound);
}

static void test_bandwidth_from_dram(void **state)
{
    (void)state;
    uint64_t caches = 0;
    for (size_t i = 0; i < probe.ncaches; i++)
        caches += probe.caches[i].bytes;
    assert_true(probe.stream_bytes >= 4 * caches);
    assert_true(probe.stream_bytes >= (uint64_t)64 << 20);
    check_spread("read", probe.read, 1e8, 1e13);
    check_spread("copy", probe.copy, 1e8, 1e13);
    check_spread("triad", probe.triad, 1e8, 1e13);
}

/* Every data cache level has its read rate (a spread, positive), from an array that fits the
 * level: half of it per thread (private levels) or in all (the last, shared one). */
static void test_cache_levels(void **state)
{
    (void)state;
    int last = 0, measured = 0;
    for (size_t i = 0; i < probe.ncaches; i++)
        last = probe.caches[i].level > last ? probe.caches[i].level : last;
    for (size_t i = 0; i < probe.ncaches && i < 16; i++) {
        const attn_cpu_cache *c = &probe.caches[i];
        if (c->type == 'I') {
            assert_int_equal(probe.level_bytes[i], 0);
            continue;
        }
        uint64_t per = c->level == last ? 1 : (uint64_t)probe.threads;
        assert_int_equal(probe.level_bytes[i], c->bytes / 2 * per);
        char what[16];
        snprintf(what, sizeof what, "L%d", c->level);
        check_spread(what, probe.level_read[i], 1e8, 1e14);
        measured++;
    }
    assert_true(measured > 0 || probe.ncaches == 0);
}

static void test_local_preset(void **state)
{
    (void)state;
    char path[] = "/tmp/attnscope-probe-XXXXXX", file[64];
    assert_non_null(mkdtemp(path));
    snprintf(file, sizeof file, "%s/devices/local.json", path);
    setenv("ATTNSCOPE_LOCAL_DEVICE", file, 1);
    attn_device d;
    attn_diag diag = {{0}};
    assert_int_equal(attn_device_load("local", &d, &diag), ATTN_ERR_UNKNOWN);
    assert_non_null(strstr(diag.msg, "devices --probe"));
    assert_int_equal(attn_probe_save(&probe, file, &diag), ATTN_OK);
    assert_int_equal(attn_device_load("local", &d, &diag), ATTN_OK);
    assert_string_equal(d.name, "local");
    assert_string_equal(d.path, file);
    assert_float_equal(d.bandwidth_bytes_per_s, probe.triad.median, probe.triad.median * 1e-5);
    assert_float_equal(d.peak_flops_fp32, probe.sgemm.median, probe.sgemm.median * 1e-5);
    assert_true(d.memory_bytes > 0);
    assert_true(d.cpu_caches); /* the tiles share the LLC: the cache-aware model's CPU case */
    const attn_cpu_cache *last = attn_cpu_cache_find(probe.caches, probe.ncaches, 0, false);
    assert_int_equal(d.l2_bytes, last ? last->bytes : 0);
    unlink(file);
    snprintf(file, sizeof file, "%s/devices", path);
    rmdir(file);
    rmdir(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flops_within_bound),
        cmocka_unit_test(test_bandwidth_from_dram),
        cmocka_unit_test(test_cache_levels),
        cmocka_unit_test(test_local_preset),
    };
    return cmocka_run_group_tests_name("sim", tests, run_probe, NULL);
}
