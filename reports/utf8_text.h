/* utf8_text.h — text from a user's file made safe to print and to put in JSON: cut at a
 * character boundary (never inside a multi-byte sequence) and with invalid bytes replaced,
 * so a JSON encoder never refuses it and a row is never dropped for its spelling. */
#ifndef ATTN_UTF8_TEXT_H
#define ATTN_UTF8_TEXT_H

#include <stddef.h>

/* In place: each byte that does not start a valid, complete UTF-8 sequence becomes '?'. */
void attn_utf8_fix(char *text);
/* Copies src into dst[size], cut at a character boundary, invalid bytes as '?'. */
void attn_utf8_copy(char *dst, size_t size, const char *src);

#endif
