/* fuzz_claims.c — libFuzzer harness for the claims-row evaluator (reports/claims.c,
 * claim_parse.c, claim_eval.c): the bytes are the rows of a claims file under the standard
 * header, checked as `attnscope check` would.
 *
 * Nothing may crash, hit UB or leak; every row must come back (none dropped), with a verdict
 * in range; a HOLDS or FAILS must rest on finite numbers (an infinite value never HOLDS);
 * every string must be valid UTF-8, which jansson checks when it packs the row as
 * `check --format json` does. A causal row at any length answers quickly (closed-form tile
 * counts), so no input is skipped.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char HEADER[] = "id,text,source,metric,model,settings,claimed,tolerance\n";

static int check_result(void *user, const attn_claim_result *r)
{
    size_t *rows = user;
    ++*rows;
    if (r->verdict != ATTN_CLAIM_HOLDS && r->verdict != ATTN_CLAIM_FAILS &&
        r->verdict != ATTN_CLAIM_UNCHECKABLE)
        abort();
    if (r->verdict != ATTN_CLAIM_UNCHECKABLE &&
        !(isfinite(r->computed) && isfinite(r->claimed) && isfinite(r->tolerance)))
        abort();
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", r->id, "text", r->text,
                          "source", r->source, "metric", r->metric, "unit", r->unit,
                          "explanation", r->explanation);
    if (!o)
        abort(); /* a row JSON would drop */
    json_decref(o);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz_claims.%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f || fputs(HEADER, f) == EOF || fwrite(data, 1, size, f) != size || fclose(f))
        abort();
    size_t rows = 0;
    attn_diag diag = {{0}};
    if (attn_claims_each(path, NULL, check_result, &rows, &diag) != ATTN_OK &&
        (strncmp(diag.msg, path, strlen(path)) != 0 || strchr(diag.msg, '\n')))
        abort(); /* a file-level error is one line naming the file */
    return 0;
}
