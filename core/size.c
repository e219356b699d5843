/* size.c — parsing memory sizes such as "80GiB" or "141 GB".
 *
 * Vendors mix decimal and binary units, so both are accepted and never confused: KB/MB/GB/TB
 * are powers of 1000, KiB/MiB/GiB/TiB powers of 1024. The result must be a whole number of
 * bytes that fits in 64 bits.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attnscope.h"

static const struct {
    const char *unit;
    long double factor;
} size_units[] = {
    {"", 1.0L},
    {"B", 1.0L},
    {"KB", 1e3L},
    {"KiB", 1024.0L},
    {"MB", 1e6L},
    {"MiB", 1048576.0L},
    {"GB", 1e9L},
    {"GiB", 1073741824.0L},
    {"TB", 1e12L},
    {"TiB", 1099511627776.0L},
};

int attn_size_parse(const char *text, uint64_t *bytes)
{
    if (!text)
        return ATTN_ERR_PARSE;
    while (isspace((unsigned char)*text))
        text++;
    if (!isdigit((unsigned char)*text) && *text != '.')
        return ATTN_ERR_PARSE; /* rejects signs, "nan", "inf" and empty strings */
    char *end = NULL;
    errno = 0;
    long double value = strtold(text, &end);
    if (end == text || errno == ERANGE || !isfinite(value))
        return ATTN_ERR_PARSE;
    while (isspace((unsigned char)*end))
        end++;
    for (size_t u = 0; u < sizeof size_units / sizeof size_units[0]; u++) {
        if (strcasecmp(end, size_units[u].unit) != 0)
            continue;
        long double total = value * size_units[u].factor;
        if (total >= 18446744073709551616.0L)
            return ATTN_ERR_OVERFLOW;
        if (total != floorl(total))
            return ATTN_ERR_RANGE; /* a fraction of a byte */
        *bytes = (uint64_t)total;
        return ATTN_OK;
    }
    return ATTN_ERR_PARSE;
}
