/* table.h — a CSV file read whole into strings (libcsv), with its header. Used for results
 * files (plots, report) and claims files. Ownership: attn_table_free releases everything. */
#ifndef ATTN_TABLE_H
#define ATTN_TABLE_H

#include <stddef.h>

#include "attnscope.h"

typedef struct attn_table {
    size_t ncols, nrows;
    char **header;   /* [ncols] */
    char ***rows;    /* [nrows][ncols] */
    size_t *lines;   /* [nrows]: the file line each row starts on, for messages */
} attn_table;

/* Every row must have the header's number of fields; otherwise the diag names the file, the
 * line and the counts. A file larger than 256 MiB is refused. */
int attn_table_read(const char *path, attn_table *table, attn_diag *diag);
void attn_table_free(attn_table *table);
/* Streams the file: fn gets every row after the header, with the header beside it and the
 * row's own width (a short or long row is the callback's to judge), and its line. Memory is
 * one record, whatever the file's size. Stops at fn's first non-zero status and returns it. */
typedef int (*attn_table_row_fn)(void *user, const char *const *header, size_t ncols,
                                 const char *const *cells, size_t ncells, size_t line);
int attn_table_each(const char *path, attn_table_row_fn fn, void *user, attn_diag *diag);
/* Index of a column by header name, or -1. */
int attn_table_column(const attn_table *table, const char *name);

#endif
