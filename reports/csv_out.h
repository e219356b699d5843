/* csv_out.h — writing CSV rows through libcsv's quoting (internal). */
#ifndef ATTN_CSV_OUT_H
#define ATTN_CSV_OUT_H

#include <stddef.h>
#include <stdio.h>

/* One row, fields quoted as RFC 4180 needs; returns 0 or ATTN_ERR_IO. */
int attn_csv_write_row(FILE *out, const char *const *fields, size_t count);

#endif
