/* csv_out.c — CSV rows: fields holding commas, quotes or newlines are quoted by libcsv, so
 * model names or paths never break a column; plain fields are written as they are. A text
 * field starting with = + - @ (or a tab or CR) would run as a formula in a spreadsheet
 * (OWASP, "CSV Injection"): it gets a leading apostrophe, which spreadsheets show as text. */
#include "csv_out.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"

static bool formula_like(const char *field)
{
    if (!field[0] || !strchr("=+-@\t\r", field[0]))
        return false;
    char *end = NULL;
    strtod(field, &end);
    return end == field || *end != '\0'; /* "-1.5e3" is a number, not a formula */
}

int attn_csv_write_row(FILE *out, const char *const *fields, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i && fputc(',', out) == EOF)
            return ATTN_ERR_IO;
        if (fields[i] && formula_like(fields[i]) && fputc('\'', out) == EOF)
            return ATTN_ERR_IO;
        const char *field = fields[i] ? fields[i] : "";
        size_t len = strlen(field);
        int rc = strpbrk(field, ",\"\r\n") ? csv_fwrite(out, field, len)
                                             : (fwrite(field, 1, len, out) == len ? 0 : EOF);
        if (rc != 0)
            return ATTN_ERR_IO;
    }
    return fputc('\n', out) == EOF ? ATTN_ERR_IO : ATTN_OK;
}
