/* claim_format.c — how a verdict and a value are written: in the claim's own unit ("20.97 GB",
 * "93.30%", "9.16x"). Its own file because the checker (claims.c) and the search of wrong
 * assumptions (claim_assumptions.c) both print values, and neither should call the other back.
 */
#include <stdio.h>
#include <string.h>

#include "claims.h"

const char *attn_claim_verdict_name(attn_claim_verdict verdict)
{
    static const char *const names[] = {"HOLDS", "FAILS", "UNCHECKABLE"};
    return verdict <= ATTN_CLAIM_UNCHECKABLE ? names[verdict] : "?";
}

void attn_claim_format(long double value, const char *unit, char *buf, size_t len)
{
    static const struct {
        const char *unit;
        long double scale;
    } scales[] = {{"KB", 1e3L}, {"KiB", 1024.0L}, {"MB", 1e6L}, {"MiB", 1048576.0L},
                  {"GB", 1e9L}, {"GiB", 1073741824.0L}, {"TB", 1e12L}, {"TiB", 1099511627776.0L},
                  {"GFLOP", 1e9L}, {"TFLOP", 1e12L}};
    if (strcmp(unit, "%") == 0) {
        snprintf(buf, len, "%.2Lf%%", value * 100.0L);
        return;
    }
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++)
        if (strcmp(unit, scales[i].unit) == 0) {
            snprintf(buf, len, "%.6Lg %s", value / scales[i].scale, unit);
            return;
        }
    snprintf(buf, len, "%.6Lg%s%s", value, unit[0] && strcmp(unit, "x") ? " " : "", unit);
}
