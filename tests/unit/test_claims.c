/* test_claims.c — the claim checker on a claims file with known outcomes: claims that hold,
 * claims that fail with a known reproducing assumption, one no assumption explains, and
 * malformed rows that are named (line and column) while the others are still checked. */
#include <stdlib.h>

#include "claims_fixture.h"

static int load(void **state)
{
    (void)state;
    return load_claims("claims_known.csv");
}

static const attn_claim_result *find(const char *id)
{
    return find_in(results, count, id);
}

static void holding_claim(void **state)
{
    (void)state;
    const attn_claim_result *r = find("holds-v3");
    assert_int_equal(r->verdict, ATTN_CLAIM_HOLDS);
    assert_true(r->computed == 70272.0L); /* 61 layers x 576 x 2 B */
}

static void failing_claims_name_their_assumption(void **state)
{
    (void)state;
    const attn_claim_result *mha = find("fails-mha");
    assert_int_equal(mha->verdict, ATTN_CLAIM_FAILS);
    assert_true(mha->computed == 2621440000.0L); /* as the model is: 8 KV heads */
    assert_non_null(strstr(mha->explanation, "MHA"));
    const attn_claim_result *bits = find("fails-bits");
    assert_int_equal(bits->verdict, ATTN_CLAIM_FAILS);
    /* equal precision: 1 - (60 x 576) / (95 x 8 x 256) = 1 - 34560 / 194560 = 0.8224 */
    assert_true(bits->computed > 0.8223L && bits->computed < 0.8225L);
    assert_non_null(strstr(bits->explanation, "6 bits"));
    const attn_claim_result *gib = find("fails-gib");
    assert_non_null(strstr(gib->explanation, "GiB as GB"));
    const attn_claim_result *none = find("fails-unexplained");
    assert_int_equal(none->verdict, ATTN_CLAIM_FAILS);
    assert_string_equal(none->explanation, "no simple assumption reproduces it");
}

static void malformed_rows_are_named_and_skipped(void **state)
{
    (void)state;
    const char *ids[] = {"bad-metric", "bad-settings", "bad-claimed", "bad-model"};
    const char *where[] = {":7: column 'metric'", ":8: column 'settings'", ":9: column 'claimed'",
                           ":10: column 'model'"};
    for (int i = 0; i < 4; i++) {
        const attn_claim_result *r = find(ids[i]);
        assert_int_equal(r->verdict, ATTN_CLAIM_UNCHECKABLE);
        if (!strstr(r->explanation, where[i]))
            fail_msg("%s: '%s' lacks '%s'", ids[i], r->explanation, where[i]);
    }
    assert_int_equal(count, 9); /* the good rows around them were all checked */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(holding_claim),
        cmocka_unit_test(failing_claims_name_their_assumption),
        cmocka_unit_test(malformed_rows_are_named_and_skipped),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
