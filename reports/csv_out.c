/* csv_out.c — CSV rows: fields holding commas, quotes or newlines are quoted by libcsv, so
 * model names or paths never break a column; plain fields are written as they are. */
#include "csv_out.h"

#include <csv.h>
#include <string.h>

#include "attnscope.h"

int attn_csv_write_row(FILE *out, const char *const *fields, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i && fputc(',', out) == EOF)
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
