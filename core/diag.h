/* diag.h — filling an attn_diag with one printf-style line (internal). */
#ifndef ATTN_DIAG_H
#define ATTN_DIAG_H

#include "attnscope.h"

/* Writes the message when diag is not NULL and returns `status`, so callers can
 * `return attn_fail(diag, ATTN_ERR_FIELD, "...", ...)`. */
int attn_fail(attn_diag *diag, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
