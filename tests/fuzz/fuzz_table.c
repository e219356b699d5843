/* fuzz_table.c — libFuzzer harness for the CSV table reader behind results and claims files
 * (core/table.c, libcsv).
 *
 * attn_table_read takes a path, so each input is written to one private temporary file and
 * read back. A rejected file must leave one line naming it; an accepted table must be
 * rectangular, with every cell a string and every row's line number within the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz_table.%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f))
        abort();

    attn_table table;
    attn_diag diag = {{0}};
    if (attn_table_read(path, &table, &diag) != ATTN_OK) {
        if (strncmp(diag.msg, path, strlen(path)) != 0 || strchr(diag.msg, '\n'))
            abort();
        return 0;
    }
    for (size_t c = 0; c < table.ncols; c++)
        if (!table.header[c])
            abort();
    for (size_t r = 0; r < table.nrows; r++)
        for (size_t c = 0; c < table.ncols; c++)
            if (!table.rows[r][c] || table.lines[r] < 1 || table.lines[r] > size + 1)
                abort();
    attn_table_free(&table);
    return 0;
}
