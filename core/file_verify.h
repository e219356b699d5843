/* file_verify.h — is a file we wrote complete? Checked before it is renamed into place, so a
 * full disk or a child that died mid-write is an error, never a truncated success: a PNG
 * must run chunk by chunk to IEND, an SVG must end with </svg>, a PDF with %%EOF, an HTML
 * page with </html>, and a CSV or Markdown file must end with a newline. */
#ifndef ATTN_FILE_VERIFY_H
#define ATTN_FILE_VERIFY_H

#include "attnscope.h"

/* Checks `path` as the type `name` ends in (.png .svg .pdf .html .csv .md; others: only
 * that it could be read). The diag names `name`. */
int attn_file_verify(const char *path, const char *name, attn_diag *diag);

#endif
