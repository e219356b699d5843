/* claims_fixture.h — what the claims unit tests share: one claims file checked once for a
 * whole cmocka group (relative to ATTNSCOPE_TEST_DATA), and a claim found by its id. Each
 * failure fails the running test. */
#ifndef ATTN_CLAIMS_FIXTURE_H
#define ATTN_CLAIMS_FIXTURE_H

#include <stdlib.h>

#include "claims.h"
#include "test_util.h"

static attn_claim_result *results;
static size_t count;

static int load_claims(const char *relative)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", getenv("ATTNSCOPE_TEST_DATA"), relative);
    attn_diag diag = {{0}};
    attn_claims_options o = {0};
    if (attn_claims_check(path, &o, &results, &count, &diag))
        fail_msg("%s", diag.msg);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    free(results);
    return 0;
}

static const attn_claim_result *find_in(const attn_claim_result *r, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].id, id) == 0)
            return &r[i];
    fail_msg("no claim %s", id);
    return NULL;
}

#endif
