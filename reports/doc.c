/* doc.c — the report document (see doc.h). Blocks are kept as strings; the two writers walk
 * them. Allocation failures are remembered and reported by attn_doc_write, so callers can add
 * blocks without checking each one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "diag.h"
#include "doc.h"

typedef enum { BLOCK_HEADING, BLOCK_PARAGRAPH, BLOCK_HEADER, BLOCK_ROW, BLOCK_FIGURE } block_kind;

typedef struct block {
    block_kind kind;
    char **cells; /* heading/paragraph: 1 cell; figure: name, caption; table: ncols */
    size_t ncells;
} block;

struct attn_doc {
    char *title;
    block *blocks;
    size_t nblocks, cap;
    size_t table_cols;
    bool failed;
};

attn_doc *attn_doc_new(const char *title)
{
    attn_doc *doc = calloc(1, sizeof *doc);
    if (doc && !(doc->title = strdup(title))) {
        free(doc);
        doc = NULL;
    }
    return doc;
}

void attn_doc_free(attn_doc *doc)
{
    if (!doc)
        return;
    for (size_t b = 0; b < doc->nblocks; b++) {
        for (size_t c = 0; c < doc->blocks[b].ncells; c++)
            free(doc->blocks[b].cells[c]);
        free(doc->blocks[b].cells);
    }
    free(doc->blocks);
    free(doc->title);
    free(doc);
}

static void add_block(attn_doc *doc, block_kind kind, const char *const *cells, size_t n)
{
    if (doc->nblocks == doc->cap) {
        size_t cap = doc->cap ? 2 * doc->cap : 32;
        block *grown = realloc(doc->blocks, cap * sizeof *grown);
        if (!grown) {
            doc->failed = true;
            return;
        }
        doc->blocks = grown;
        doc->cap = cap;
    }
    block *b = &doc->blocks[doc->nblocks];
    b->kind = kind;
    b->ncells = n;
    b->cells = calloc(n, sizeof *b->cells);
    for (size_t i = 0; b->cells && i < n; i++)
        if (!(b->cells[i] = strdup(cells[i] ? cells[i] : "")))
            doc->failed = true;
    if (!b->cells)
        doc->failed = true;
    else
        doc->nblocks++;
}

void attn_doc_heading(attn_doc *doc, const char *text)
{
    add_block(doc, BLOCK_HEADING, &text, 1);
}

void attn_doc_paragraph(attn_doc *doc, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const char *cell = text;
    add_block(doc, BLOCK_PARAGRAPH, &cell, 1);
}

void attn_doc_table(attn_doc *doc, const char *const *header, size_t ncols)
{
    doc->table_cols = ncols;
    add_block(doc, BLOCK_HEADER, header, ncols);
}

void attn_doc_row(attn_doc *doc, const char *const *cells)
{
    add_block(doc, BLOCK_ROW, cells, doc->table_cols);
}

void attn_doc_figure(attn_doc *doc, const char *svg_name, const char *caption)
{
    const char *cells[] = {svg_name, caption};
    add_block(doc, BLOCK_FIGURE, cells, 2);
}

static void html_text(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*p, out);
        }
    }
}

/* Markdown table cells: a | would split the cell. */
static void md_cell(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++)
        fputs(*p == '|' ? "\\|" : (char[]){*p, 0}, out);
}

static void write_md(const attn_doc *doc, FILE *out)
{
    fprintf(out, "# %s\n\n", doc->title);
    for (size_t i = 0; i < doc->nblocks; i++) {
        const block *b = &doc->blocks[i];
        switch (b->kind) {
        case BLOCK_HEADING: fprintf(out, "## %s\n\n", b->cells[0]); break;
        case BLOCK_PARAGRAPH: fprintf(out, "%s\n\n", b->cells[0]); break;
        case BLOCK_FIGURE: fprintf(out, "![%s](%s)\n\n*%s*\n\n", b->cells[1], b->cells[0], b->cells[1]); break;
        case BLOCK_HEADER:
        case BLOCK_ROW:
            fputc('|', out);
            for (size_t c = 0; c < b->ncells; c++) {
                fputc(' ', out);
                md_cell(out, b->cells[c]);
                fputs(" |", out);
            }
            fputc('\n', out);
            if (b->kind == BLOCK_HEADER) {
                fputc('|', out);
                for (size_t c = 0; c < b->ncells; c++)
                    fputs("---|", out);
                fputc('\n', out);
            }
            if (i + 1 == doc->nblocks || doc->blocks[i + 1].kind != BLOCK_ROW)
                fputc('\n', out);
            break;
        }
    }
}

/* The SVG itself, minus its XML prologue, so the page needs no other file. */
static void inline_svg(FILE *out, const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *svg = fopen(path, "rb");
    if (!svg) {
        fputs("<p>(figure missing: ", out);
        html_text(out, name);
        fputs(")</p>", out);
        return;
    }
    char chunk[8192];
    size_t got;
    bool started = false;
    while ((got = fread(chunk, 1, sizeof chunk - 1, svg)) > 0) {
        chunk[got] = '\0';
        char *from = chunk;
        if (!started) {
            char *tag = strstr(chunk, "<svg");
            if (!tag)
                continue;
            from = tag;
            started = true;
        }
        fwrite(from, 1, got - (size_t)(from - chunk), out);
    }
    fclose(svg);
}

static void write_html(const attn_doc *doc, const char *dir, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
    html_text(out, doc->title);
    fputs("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
          "line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid "
          "#ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}figure{margin:1.5em 0}"
          "figcaption{color:#444;font-style:italic}svg{max-width:100%;height:auto}</style>"
          "</head><body>\n<h1>", out);
    html_text(out, doc->title);
    fputs("</h1>\n", out);
    bool in_table = false;
    for (size_t i = 0; i < doc->nblocks; i++) {
        const block *b = &doc->blocks[i];
        if (in_table && b->kind != BLOCK_ROW) {
            fputs("</table>\n", out);
            in_table = false;
        }
        switch (b->kind) {
        case BLOCK_HEADING:
            fputs("<h2>", out);
            html_text(out, b->cells[0]);
            fputs("</h2>\n", out);
            break;
        case BLOCK_PARAGRAPH:
            fputs("<p>", out);
            html_text(out, b->cells[0]);
            fputs("</p>\n", out);
            break;
        case BLOCK_FIGURE:
            fputs("<figure>", out);
            inline_svg(out, dir, b->cells[0]);
            fputs("<figcaption>", out);
            html_text(out, b->cells[1]);
            fputs("</figcaption></figure>\n", out);
            break;
        case BLOCK_HEADER:
        case BLOCK_ROW:
            if (!in_table)
                fputs("<table>\n", out);
            in_table = true;
            fputs("<tr>", out);
            for (size_t c = 0; c < b->ncells; c++) {
                fputs(b->kind == BLOCK_HEADER ? "<th>" : "<td>", out);
                html_text(out, b->cells[c]);
                fputs(b->kind == BLOCK_HEADER ? "</th>" : "</td>", out);
            }
            fputs("</tr>\n", out);
            break;
        }
    }
    if (in_table)
        fputs("</table>\n", out);
    fputs("</body></html>\n", out);
}

int attn_doc_write(const attn_doc *doc, const char *dir, attn_diag *diag)
{
    if (doc->failed)
        return attn_fail(diag, ATTN_ERR_NOMEM, "report: out of memory");
    char path[2048];
    attn_atomic_file f;
    snprintf(path, sizeof path, "%s/report.md", dir);
    int rc = attn_atomic_open(&f, path, diag);
    if (rc)
        return rc;
    write_md(doc, f.out);
    if ((rc = attn_atomic_commit(&f, diag)))
        return rc;
    snprintf(path, sizeof path, "%s/index.html", dir);
    if ((rc = attn_atomic_open(&f, path, diag)))
        return rc;
    write_html(doc, dir, f.out);
    return attn_atomic_commit(&f, diag);
}
