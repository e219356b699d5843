/* test_matrix.c — every registry entry x phase x awkward shape on one backend (BACKEND, set
 * at build time), in the spirit of ggml's test-backend-ops.
 *
 * Each case runs through the same path as `attnscope bench` (attn_bench_run): the variant's
 * analytic model for the shape, its kernel on the backend, the double reference. It holds
 *   - counted FLOPs == the model's executed FLOPs and counted bytes == the model's HBM bytes,
 *     within 0.5%: one registry entry is one algorithm, model and kernel alike;
 *   - output against the double reference: rel err <= 1e-4 for the exact variants (low-rank
 *     runs with k > n, which must be exact attention), finite for Performer.
 * Shapes: n not a tile multiple (67, 129, 300), GQA groups 1, 4 and 8, d = 64, 80 and 128.
 * Cases a variant has no form for (low-rank causal) are reported and skipped; a backend that
 * is absent here skips the whole test, saying why.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backend.h"
#include "bench_case.h"
#include "variant.h"

#ifndef BACKEND
#define BACKEND "cpu"
#endif

#define TOLERANCE 0.005
#define EXACT_REL_ERR 1e-4

/* On a GPU backend the model is evaluated with the kernel's own blocking where it re-reads
 * (attn_kernel_tiling, from the plan its job is built from): standard's query blocks, split-KV
 * decode, the projection blocks of low-rank and MLA naive, MLA's position blocks, head groups,
 * splits and passes, Performer's feature chunks, readout blocks and causal prefix states. */

typedef struct matrix_shape {
    int64_t heads, kv_heads, head_dim, n;
} matrix_shape;

static const matrix_shape shapes[] = {
    {4, 4, 80, 67},    /* MHA (group 1), d 80, n below one tile */
    {8, 1, 128, 129},  /* MQA (group 8), one past a power of two */
    {8, 2, 64, 300},   /* GQA group 4, several tiles with a ragged end */
};

static int model_of(const matrix_shape *s, attn_model *m)
{
    char json[320];
    snprintf(json, sizeof json,
             "{\"num_hidden_layers\": 1, \"num_attention_heads\": %lld, "
             "\"num_key_value_heads\": %lld, \"hidden_size\": %lld, \"head_dim\": %lld, "
             "\"torch_dtype\": \"float32\"}",
             (long long)s->heads, (long long)s->kv_heads, (long long)(s->heads * s->head_dim),
             (long long)s->head_dim);
    return attn_model_parse(json, strlen(json), "matrix", m, NULL);
}

static double ratio(long double counted, long double model)
{
    return model > 0 ? (double)(counted / model) : (counted == 0 ? 1.0 : INFINITY);
}

static int failures;

/* Every mismatch is printed, so one run shows the whole matrix; the test fails at the end. */
static void mismatch(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    printf("  FAIL ");
    vprintf(format, ap);
    printf("\n");
    va_end(ap);
    failures++;
}

/* One case; returns 1 when it ran, 0 when the variant has no such form. */
static int run_case(const attn_backend *backend, const attn_variant_type *v,
                    const matrix_shape *s, attn_phase phase, bool causal)
{
    attn_model m;
    assert_int_equal(model_of(s, &m), ATTN_OK);
    attn_bench_case c = {
        .model = &m, .variant = v->name, .phase = phase, .seq = s->n, .batch = 1,
        .causal = causal, .store = ATTN_DTYPE_FP32, .seed = 7, .threads = 0,
        .backend = backend,
        .options = {.warmup = 0, .min_repeats = 1, .min_seconds = 0,
                    .validate_max_flops = 1e12},
    };
    c.whatif.features = 64;
    c.whatif.rank = 2 * s->n; /* k > n: must be exact attention */
    attn_result_row row;
    attn_diag diag = {{0}};
    int rc = attn_bench_run(&c, &row, &diag);
    char what[200];
    snprintf(what, sizeof what, "%s %s %s%s h=%lld kv=%lld d=%lld n=%lld", backend->name,
             v->name, phase == ATTN_PHASE_DECODE ? "decode" : "prefill", causal ? " causal" : "",
             (long long)s->heads, (long long)s->kv_heads, (long long)s->head_dim,
             (long long)s->n);
    if (rc == ATTN_ERR_UNSUPPORTED) {
        printf("  skip %s: %s\n", what, diag.msg);
        attn_model_free(&m);
        return 0;
    }
    if (rc)
        fail_msg("%s: %s", what, diag.msg);
    const attn_kernel_stats *st = &row.m.stats;
    double flops = ratio((long double)st->flops, row.model_cost.flops_executed);
    double bytes = ratio((long double)(st->bytes_read + st->bytes_written),
                         row.model_cost.read_bytes + row.model_cost.write_bytes);
    printf("  %-58s flops c/m %.4f  bytes c/m %.4f  rel err %.2e\n", what, flops, bytes,
           row.m.rel_err);
    if (fabs(flops - 1) > TOLERANCE || fabs(bytes - 1) > TOLERANCE)
        mismatch("%s: counted / model flops %.4f bytes %.4f (tolerance %.3f)", what, flops,
                 bytes, TOLERANCE);
    if (!row.m.validated || !isfinite(row.m.rel_err))
        mismatch("%s: output not validated or not finite", what);
    /* FAVOR+ approximates softmax: its error is a result (bench), not a failure */
    bool approximate = strcmp(v->name, "performer") == 0;
    if (!approximate && row.m.rel_err > EXACT_REL_ERR)
        mismatch("%s: rel err %.3e > %.0e", what, row.m.rel_err, EXACT_REL_ERR);
    attn_model_free(&m);
    return 1;
}

static void test_every_variant_phase_shape(void **state)
{
    (void)state;
    const attn_backend *backend = attn_backend_find(BACKEND);
    char why[200] = "";
    if (!backend || backend->probe(why, sizeof why)) {
        printf("  backend %s unavailable: %s\n", BACKEND, backend ? why : "not built");
        skip();
    }
    int ran = 0;
    for (size_t i = 0; attn_variant_at(i); i++) {
        const attn_variant_type *v = attn_variant_at(i);
        if (!attn_variant_ops(v, backend->kind))
            continue; /* analytic only (flash1) */
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            ran += run_case(backend, v, &shapes[s], ATTN_PHASE_PREFILL, false);
            ran += run_case(backend, v, &shapes[s], ATTN_PHASE_PREFILL, true);
            ran += run_case(backend, v, &shapes[s], ATTN_PHASE_DECODE, false);
        }
    }
    assert_true(ran >= 45); /* 6 variants x 3 shapes x 3 phases, less low-rank's causal */
    if (failures)
        fail_msg("%d of %d cases disagree (listed above)", failures, ran);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variant_phase_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
