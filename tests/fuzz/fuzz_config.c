/* fuzz_config.c — libFuzzer harness for the config.json reader and everything computed
 * from what it accepts.
 *
 * Arbitrary bytes go through attn_model_parse. A rejected input must leave one clean line
 * naming the file; an accepted one is planned under every variant and sized and costed
 * for ordinary and absurd shapes: no crash, leak or UB (the sanitizers), no NaN or infinity,
 * and no silently wrapped byte count (abort(), which libFuzzer reports as a crash).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"

#define LABEL "fuzz.json"

/* Any failed expectation is a crash for libFuzzer; the line says which one. */
#define check(ok)                                                                          \
    ((ok) ? (void)0 : (fprintf(stderr, "fuzz_config.c:%d: %s\n", __LINE__, #ok), abort()))

/* A diagnostic is one non-empty line: no newline, carriage return or escape (no byte below
 * 0x20; DEL is left alone, as JSON itself does). */
static bool one_line(const char *msg)
{
    for (const char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20)
            return false;
    return msg[0] != '\0';
}

static void check_cost(const attn_cost *c)
{
    check(isfinite(c->flops) && isfinite(c->other_flops) && isfinite(c->read_bytes) &&
          isfinite(c->write_bytes) && isfinite(c->kv_bytes) && isfinite(c->extra_bytes));
    attn_roofline roof;
    attn_roofline_compute(c, 989e12, 3.35e12, &roof);
    check(isfinite(roof.intensity) && isfinite(roof.time_s));
}

/* Whole-model cache sizes: exact or ATTN_ERR_OVERFLOW, and per-token consistent. */
static void size_plan(const attn_plan *plan)
{
    static const int64_t shapes[][2] = {{1, 1}, {8, 4096}, {INT64_C(1) << 20, INT64_C(1) << 24}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        uint64_t bytes;
        int rc = attn_plan_kv_bytes(plan, shapes[i][0], shapes[i][1], &bytes);
        check(rc == ATTN_OK || rc == ATTN_ERR_OVERFLOW);
    }
    uint64_t per_token;
    const attn_kv_layer *layer = attn_plan_layer(plan, 0);
    check(!__builtin_mul_overflow(layer->bytes_per_token, (uint64_t)attn_plan_layers(plan),
                                  &per_token));
    check(attn_plan_kv_bytes_per_token(plan) == per_token);
}

static void cost_plan(const attn_plan *plan, attn_dtype dtype)
{
    const attn_cost_request shapes[] = {
        {ATTN_PHASE_PREFILL, 1, 1, false, 228 << 10, dtype, .dropout = 0},
        {ATTN_PHASE_PREFILL, 4096, 8, true, 100 << 10, dtype, .dropout = 0},
        {ATTN_PHASE_PREFILL, 3000, 1, true, UINT64_MAX, dtype, .dropout = 0},
        {ATTN_PHASE_DECODE, INT64_C(1) << 24, INT64_C(1) << 20, false, 1, dtype, .dropout = 0},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        attn_cost cost;
        attn_diag diag = {{0}};
        int rc = attn_plan_cost(plan, &shapes[i], &cost, &diag);
        check(rc == ATTN_OK || rc == ATTN_ERR_UNSUPPORTED);
        check_cost(&cost);
    }
}

static void plan_all(const attn_model *m, attn_dtype dtype)
{
    const char *names[16] = {"mha", "mqa"};
    size_t count = 2;
    for (size_t v = 0; v < attn_variant_count() && count < 16; v++)
        names[count++] = attn_variant_name(v);
    for (size_t v = 0; v < count; v++) {
        attn_request req = {.variant = names[v], .precision = attn_precision_default(dtype)};
        attn_plan *plan = NULL;
        attn_diag diag = {{0}};
        int rc = attn_plan_init(&plan, m, &req, &diag);
        if (rc) {
            check(plan == NULL && one_line(diag.msg));
            continue;
        }
        size_plan(plan);
        cost_plan(plan, dtype);
        attn_plan_free(plan);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attn_model m;
    attn_diag diag = {{0}};
    if (attn_model_parse((const char *)data, size, LABEL, &m, &diag) != ATTN_OK) {
        check(strncmp(diag.msg, LABEL, strlen(LABEL)) == 0 && one_line(diag.msg));
        return 0;
    }
    attn_params params;
    int rc = attn_params_count(&m, &params);
    check(rc == ATTN_OK || rc == ATTN_ERR_OVERFLOW);
    check(rc || params.active <= params.total);
    check(attn_model_windowed_layers(&m) <= m.layers);
    plan_all(&m, m.dtype);
    plan_all(&m, ATTN_DTYPE_INT4);
    attn_model_free(&m);
    return 0;
}
