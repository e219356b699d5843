/* test_variant_registry.c — a variant that lives only here, added through
 * attn_variant_register: the plan sizes it, the report's KV table lists it, and the kv and
 * flops charts draw it, with no other file naming it. That is the registry's promise: a
 * variant is its entry.
 *
 * "keys-only" caches K and not V (a made-up variant): h_kv x d_qk elements per token per
 * layer. Llama-3-8B: 8 KV heads x 128 = 1024 elements, x 2 B (bf16) x 32 layers
 * = 65,536 B per token, half of standard's 131,072. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"
#include "charts.h"
#include "variant.h"

static attn_kv_elems keys_kv(const attn_shape *s)
{
    attn_kv_elems e = {(uint64_t)s->kv_heads * (uint64_t)s->d_qk, 0};
    return e;
}

static void keys_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "%lld KV heads x d_k %lld", (long long)s->kv_heads, (long long)s->d_qk);
}

static attn_layer_cost keys_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    long double n = (long double)p->n;
    c.flops = 2 * n * n * (long double)(s->heads * s->d_qk);
    c.read = n * (long double)(s->heads + s->kv_heads) * (long double)s->d_qk;
    c.write = n * (long double)s->heads * (long double)s->d_v;
    c.kv = n * (long double)(s->kv_heads * s->d_qk);
    return c;
}

static const attn_variant_type keys_only = {
    .name = "keys-only",
    .summary = "test variant: K cached, V recomputed",
    .show = ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT,
    .shards_heads = true,
    .kv_elems = keys_kv,
    .kv_formula = keys_formula,
    .cost = keys_cost,
};

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
