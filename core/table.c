/* table.c — reading a CSV file with libcsv (strict mode: a stray quote is an error, not a
 * guess) into an attn_table, or streaming it row by row (one record in memory at a time). */
#define _GNU_SOURCE /* getline */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "input_file.h"
#include "table.h"

#define TABLE_FILE_LIMIT (256u << 20)

typedef struct table_builder {
    attn_table *t;
    char **fields;     /* the record being read */
    size_t nfields, cap;
    size_t line;       /* current physical line (counted from the bytes fed) */
    size_t record_line;
    size_t records;    /* complete records so far, header included */
    attn_table_row_fn each; /* streaming: rows go here instead of into t */
    void *user;
    int rc;
    const char *path;
    attn_diag *diag;
} table_builder;

static void on_field(void *data, size_t len, void *user)
{
    table_builder *b = user;
    if (b->rc)
        return;
    if (b->nfields == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        char **grown = realloc(b->fields, cap * sizeof *grown);
        if (!grown) {
            b->rc = attn_fail(b->diag, ATTN_ERR_NOMEM, "%s: out of memory", b->path);
            return;
        }
        b->fields = grown;
        b->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        b->rc = attn_fail(b->diag, ATTN_ERR_NOMEM, "%s: out of memory", b->path);
        return;
    }
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    b->fields[b->nfields++] = copy;
}

static void drop_fields(table_builder *b)
{
    for (size_t i = 0; i < b->nfields; i++)
        free(b->fields[i]);
    b->nfields = 0;
}

static void on_record(int end, void *user)
{
    (void)end;
    table_builder *b = user;
    attn_table *t = b->t;
    b->records++;
    if (b->rc) {
        drop_fields(b);
        return;
    }
    if (!t->header) {
        t->ncols = b->nfields;
        t->header = b->fields;
        b->fields = NULL;
        b->nfields = b->cap = 0;
        return;
    }
    if (b->each) {
        int rc = b->each(b->user, (const char *const *)t->header, t->ncols,
                         (const char *const *)b->fields, b->nfields, b->record_line);
        drop_fields(b);
        if (rc)
            b->rc = rc;
        return;
    }
    if (b->nfields != t->ncols) {
        b->rc = attn_fail(b->diag, ATTN_ERR_PARSE, "%s:%zu: %zu fields, but the header has %zu",
                          b->path, b->record_line, b->nfields, t->ncols);
        drop_fields(b);
        return;
    }
    char ***rows = realloc(t->rows, (t->nrows + 1) * sizeof *rows);
    size_t *lines = realloc(t->lines, (t->nrows + 1) * sizeof *lines);
    if (rows)
        t->rows = rows;
    if (lines)
        t->lines = lines;
    char **record = malloc(t->ncols * sizeof *record);
    if (!rows || !lines || !record) {
        free(record);
        b->rc = attn_fail(b->diag, ATTN_ERR_NOMEM, "%s: out of memory", b->path);
        drop_fields(b);
        return;
    }
    memcpy(record, b->fields, t->ncols * sizeof *record);
    t->lines[t->nrows] = b->record_line;
    t->rows[t->nrows++] = record;
    b->nfields = 0;
}

/* One physical line to the parser, so each record knows the line it started on. */
static int feed_line(struct csv_parser *p, table_builder *b, const char *text, size_t len)
{
    size_t before = b->records;
    if (csv_parse(p, text, len, on_field, on_record, b) != len)
        return attn_fail(b->diag, ATTN_ERR_PARSE, "%s:%zu: %s", b->path, b->line,
                         csv_strerror(csv_error(p)));
    if (b->records != before || b->nfields == 0)
        b->record_line = b->line + 1; /* a record ended on this line */
    b->line++;
    return b->rc;
}

static int finish(struct csv_parser *p, table_builder *b)
{
    if (!b->rc && csv_fini(p, on_field, on_record, b) != 0)
        return attn_fail(b->diag, ATTN_ERR_PARSE, "%s:%zu: %s", b->path, b->line,
                         csv_strerror(csv_error(p)));
    return b->rc;
}

static int parse_text(struct csv_parser *p, table_builder *b, const char *text, size_t len)
{
    size_t start = 0;
    b->line = 1;
    b->record_line = 1;
    while (start < len && !b->rc) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) + 1 : len;
        if (feed_line(p, b, text + start, end - start))
            return b->rc ? b->rc : ATTN_ERR_PARSE;
        start = end;
    }
    return finish(p, b);
}

int attn_table_each(const char *path, attn_table_row_fn fn, void *user, attn_diag *diag)
{
    FILE *f = attn_input_open(path, diag);
    if (!f)
        return ATTN_ERR_IO;
    attn_table header_only;
    memset(&header_only, 0, sizeof header_only);
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    table_builder b = {.t = &header_only, .path = path, .diag = diag, .each = fn, .user = user,
                       .line = 1, .record_line = 1};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = ATTN_OK;
    while (!rc && (got = getline(&line, &cap, f)) > 0)
        if (feed_line(&parser, &b, line, (size_t)got))
            rc = b.rc ? b.rc : ATTN_ERR_PARSE;
    if (!rc && ferror(f))
        rc = attn_fail(diag, ATTN_ERR_IO, "%s: read error", path);
    if (!rc)
        rc = finish(&parser, &b);
    free(line);
    fclose(f);
    csv_free(&parser);
    drop_fields(&b);
    free(b.fields);
    if (!rc && !header_only.header)
        rc = attn_fail(diag, ATTN_ERR_PARSE, "%s: empty file (no header line)", path);
    attn_table_free(&header_only);
    return rc;
}

int attn_table_read(const char *path, attn_table *table, attn_diag *diag)
{
    memset(table, 0, sizeof *table);
    FILE *f = attn_input_open(path, diag);
    if (!f)
        return ATTN_ERR_IO;
    struct stat st;
    size_t size = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
    size = size < TABLE_FILE_LIMIT ? size : TABLE_FILE_LIMIT; /* sized to the file, not the limit */
    char *text = malloc(size + 2);
    size_t len = text ? fread(text, 1, size + 1, f) : 0;
    int read_error = ferror(f);
    fclose(f);
    if (!text || read_error || len > TABLE_FILE_LIMIT) {
        free(text);
        return attn_fail(diag, ATTN_ERR_IO, "%s: %s", path,
                         !text ? "out of memory" : read_error ? "read error" : "larger than 256 MiB");
    }
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    table_builder b = {.t = table, .path = path, .diag = diag};
    int rc = parse_text(&parser, &b, text, len);
    csv_free(&parser);
    drop_fields(&b);
    free(b.fields);
    free(text);
    if (!rc && !table->header)
        rc = attn_fail(diag, ATTN_ERR_PARSE, "%s: empty file (no header line)", path);
    if (rc)
        attn_table_free(table);
    return rc;
}

void attn_table_free(attn_table *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    for (size_t c = 0; c < t->ncols && t->header; c++)
        free(t->header[c]);
    free(t->header);
    free(t->rows);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

int attn_table_column(const attn_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->header[c], name) == 0)
            return (int)c;
    return -1;
}
