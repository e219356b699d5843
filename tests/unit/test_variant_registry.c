/* test_variant_registry.c — a variant that lives only here, added through
 * attn_variant_register: the plan sizes it, the report's KV table lists it, and the kv and
 * flops charts draw it, with no other file naming it. That is the registry's promise: a
 * variant is its entry (keys_only_variant.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"
#include "charts.h"
#include "keys_only_variant.h"

static int setup(void **state)
{
    (void)state;
    return attn_variant_register(&keys_only) == ATTN_OK ? 0 : -1;
}

static void registering_twice_or_incomplete_is_refused(void **state)
{
    (void)state;
    assert_int_equal(attn_variant_register(&keys_only), ATTN_ERR_FIELD);
    attn_variant_type nameless = keys_only;
    nameless.name = "other";
    nameless.cost = NULL;
    assert_int_equal(attn_variant_register(&nameless), ATTN_ERR_FIELD);
}

static void plan_sizes_it(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_request req = {.variant = "keys-only", .precision = attn_precision_default(m.dtype)};
    attn_plan *plan = NULL;
    attn_diag diag = {{0}};
    assert_int_equal(attn_plan_init(&plan, &m, &req, &diag), ATTN_OK);
    assert_int_equal(attn_plan_kv_bytes_per_token(plan), 65536);
    assert_string_equal(attn_plan_variant(plan), "keys-only");
    attn_plan_free(plan);
    attn_model_free(&m);
}

static void report_and_lists_show_it(void **state)
{
    (void)state;
    const char *names[64];
    size_t n = attn_variant_list(ATTN_SHOW_KV_REPORT, names, 64);
    assert_true(n > 0);
    assert_string_equal(names[n - 1], "keys-only");
    assert_string_equal(attn_variant_name(attn_variant_count() - 1), "keys-only");
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static void charts_draw_it(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_chart_request req = {.models = &m, .nmodels = 1, .dtype = m.dtype, .batch = 1,
                              .seq_from = 1024, .seq_to = 8192, .mem_util = 0.9,
                              .cost = {ATTN_PHASE_PREFILL, 0, 1, false, 233472, m.dtype}};
    char path[] = "/tmp/attnscope-test-registry-XXXXXX.svg";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    attn_diag diag = {{0}};
    assert_int_equal(attn_chart_kv(&req, path, &diag), ATTN_OK);
    assert_non_null(strstr(read_all(path), "keys-only"));
    assert_int_equal(attn_chart_cost(&req, false, path, &diag), ATTN_OK);
    assert_non_null(strstr(read_all(path), "keys-only"));
    unlink(path);
    attn_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registering_twice_or_incomplete_is_refused),
        cmocka_unit_test(plan_sizes_it),
        cmocka_unit_test(report_and_lists_show_it),
        cmocka_unit_test(charts_draw_it),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
