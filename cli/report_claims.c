/* report_claims.c — the report's claims section: the published claims (claims/published.csv
 * beside the presets) checked, with the assumption that explains each failing one. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "claims.h"
#include "report.h"

int report_claims_section(report_context *r)
{
    char relative[2048], path[PATH_MAX];
    snprintf(relative, sizeof relative, "%s/../../claims/published.csv", attn_preset_dir());
    if (!realpath(relative, path))
        snprintf(path, sizeof path, "%s", relative); /* the check below then says it is missing */
    attn_claim_result *results = NULL;
    size_t count = 0;
    attn_claims_options options = {0};
    attn_doc_heading(r->doc, "Published claims");
    if (attn_claims_check(path, &options, &results, &count, &r->diag)) {
        attn_doc_paragraph(r->doc, "Not checked: %s", r->diag.msg);
        return CLI_OK;
    }
    attn_doc_paragraph(r->doc,
                       "Each claim recomputed by attnscope check from %s; a failing claim names "
                       "the assumption that reproduces it (claims/README.md).", path);
    static const char *const header[] = {"claim", "source", "verdict", "claimed", "computed",
                                         "explanation"};
    attn_doc_table(r->doc, header, 6);
    for (size_t i = 0; i < count; i++) {
        char claimed[48] = "", computed[48] = "";
        if (results[i].verdict != ATTN_CLAIM_UNCHECKABLE) {
            attn_claim_format(results[i].claimed, results[i].unit, claimed, sizeof claimed);
            attn_claim_format(results[i].computed, results[i].unit, computed, sizeof computed);
        }
        const char *row[] = {results[i].text, results[i].source,
                             attn_claim_verdict_name(results[i].verdict), claimed, computed,
                             results[i].explanation};
        attn_doc_row(r->doc, row);
    }
    free(results);
    return CLI_OK;
}
