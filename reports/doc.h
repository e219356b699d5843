/* doc.h — a report document built block by block (headings, paragraphs, tables, figures)
 * and written twice: report.md (figures linked) and a self-contained index.html (SVG figures
 * inlined, every text HTML-escaped). Ownership: attn_doc_free releases the document. */
#ifndef ATTN_DOC_H
#define ATTN_DOC_H

#include <stddef.h>

#include "attnscope.h"

typedef struct attn_doc attn_doc;

attn_doc *attn_doc_new(const char *title);
void attn_doc_free(attn_doc *doc);
void attn_doc_heading(attn_doc *doc, const char *text);
void attn_doc_paragraph(attn_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A table: the header first, then rows of the same width. */
void attn_doc_table(attn_doc *doc, const char *const *header, size_t ncols);
void attn_doc_row(attn_doc *doc, const char *const *cells);
/* An SVG file in the report folder (name relative to it) with a caption. */
void attn_doc_figure(attn_doc *doc, const char *svg_name, const char *caption);

/* Writes dir/report.md and dir/index.html atomically; false memory or I/O fails here. */
int attn_doc_write(const attn_doc *doc, const char *dir, attn_diag *diag);

#endif
