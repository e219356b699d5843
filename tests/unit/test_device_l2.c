/* test_device_l2.c — the GPU presets' L2 read bandwidth, the roofline's L2 ceiling: the cited
 * measurements load to the byte per second, every preset without one loads as 0 (no L2 roof),
 * each cited figure names its source in the preset's "sources", and an L2 is faster than the
 * DRAM behind it (a figure below the DRAM's would be a misread unit or row).
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "attnscope.h"

/* The figures as their sources print them (README "L2 bandwidth of the GPU presets"). */
static const struct {
    const char *name;
    double bytes_per_s;
} CITED[] = {
    {"a100-40g", 4.5e12},    /* Chips and Cheese, H100 article: A100 SXM4 40GB, 4.5 TB/s */
    {"a100-80g", 5376.2e9},  /* gpu-benches a100_80.txt, 25600 kB row: 5376.2 GB/s */
    {"a40", 2433.6e9},       /* gpu-benches gpu-cache/a40.txt, 3240 kB row: 2433.6 GB/s */
    {"b200", 16.8e12},       /* Chips and Cheese, B200: both L2 partitions, 16.8 TB/s */
    {"h100-pcie", 6892.2e9}, /* gpu-benches h100_pcie.txt, 25600 kB row: 6892.2 GB/s */
    {"h200", 9675.0e9},      /* gpu-benches h200.txt, 25600 kB row: 9675.0 GB/s */
    {"rtx-4090", 5e12},      /* Chips and Cheese, RTX 4090: all 128 SMs, "5 TB/s" */
};

static double cited(const char *name)
{
    for (size_t i = 0; i < sizeof CITED / sizeof CITED[0]; i++)
        if (strcmp(CITED[i].name, name) == 0)
            return CITED[i].bytes_per_s;
    return 0;
}

typedef struct {
    int presets, with_l2;
} tally;

static int check_preset(const char *name, const char *path, void *user)
{
    tally *t = user;
    attn_device d;
    attn_diag diag = {{0}};
    if (attn_device_load(path, &d, &diag))
        fail_msg("%s: %s", name, diag.msg);
    t->presets++;
    double want = cited(name);
    if (d.l2_bandwidth_bytes_per_s != want)
        fail_msg("%s: L2 bandwidth %.17g B/s, the cited figure is %.17g", name,
                 d.l2_bandwidth_bytes_per_s, want);
    if (want == 0)
        return 0;
    t->with_l2++;
    if (!(d.l2_bandwidth_bytes_per_s > d.bandwidth_bytes_per_s))
        fail_msg("%s: L2 %.4g B/s is not above the DRAM's %.4g B/s", name,
                 d.l2_bandwidth_bytes_per_s, d.bandwidth_bytes_per_s);
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    assert_non_null(root);
    json_t *sources = json_object_get(root, "sources");
    const char *source = json_string_value(json_object_get(sources, "l2_bandwidth_bytes_per_s"));
    if (!source || !strstr(source, "http"))
        fail_msg("%s: l2_bandwidth_bytes_per_s has no source with an address", name);
    json_decref(root);
    return 0;
}

static void presets_carry_the_cited_l2_bandwidth(void **state)
{
    (void)state;
    tally t = {0, 0};
    assert_true(attn_device_foreach(check_preset, &t) >= 0);
    /* every cited preset was visited, and the rest (h100-sxm among them) have none */
    assert_int_equal(t.with_l2, (int)(sizeof CITED / sizeof CITED[0]));
    assert_true(t.presets > t.with_l2);
}

static void h100_sxm_has_no_l2_roof(void **state)
{
    (void)state;
    attn_device d;
    assert_int_equal(attn_device_load("h100-sxm", &d, NULL), ATTN_OK);
    assert_true(d.l2_bandwidth_bytes_per_s == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(presets_carry_the_cited_l2_bandwidth),
        cmocka_unit_test(h100_sxm_has_no_l2_roof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
