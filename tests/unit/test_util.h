/* test_util.h — small helpers shared by the unit tests: load a preset or a config string,
 * size its cache. Each fails the running test (cmocka) on any library error. */
#ifndef ATTN_TEST_UTIL_H
#define ATTN_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "attnscope.h"

static inline attn_model load_preset(const char *name)
{
    attn_model m;
    attn_diag diag = {{0}};
    int rc = attn_model_load(name, &m, &diag);
    if (rc)
        fail_msg("loading %s: %s", name, diag.msg);
    return m;
}

static inline attn_model parse_config(const char *json)
{
    attn_model m;
    attn_diag diag = {{0}};
    int rc = attn_model_parse(json, strlen(json), "inline.json", &m, &diag);
    if (rc)
        fail_msg("parsing config: %s", diag.msg);
    return m;
}

/* Status of parsing `json`, with the diagnostic copied to `msg`. */
static inline int parse_status(const char *json, char *msg, size_t len)
{
    attn_model m;
    attn_diag diag = {{0}};
    int rc = attn_model_parse(json, strlen(json), "bad.json", &m, &diag);
    if (rc == ATTN_OK)
        attn_model_free(&m);
    snprintf(msg, len, "%s", diag.msg);
    return rc;
}

static inline attn_plan *plan_for(const attn_model *m, const char *variant, attn_dtype dtype,
                                     int64_t tp)
{
    attn_plan *plan = NULL;
    attn_diag diag = {{0}};
    attn_request req = {.variant = variant, .precision = attn_precision_default(dtype), .tp = tp};
    int rc = attn_plan_init(&plan, m, &req, &diag);
    if (rc)
        fail_msg("planning %s: %s", m->name, diag.msg);
    return plan;
}

static inline uint64_t kv_total(const attn_plan *plan, int64_t batch, int64_t context)
{
    uint64_t bytes = 0;
    assert_int_equal(attn_plan_kv_bytes(plan, batch, context, &bytes), ATTN_OK);
    return bytes;
}

#endif
