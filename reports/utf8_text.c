/* utf8_text.c — see utf8_text.h. Valid means RFC 3629: shortest form, no surrogates, at most
 * U+10FFFF, which is also what jansson accepts. */
#include <stdint.h>
#include <string.h>

#include "utf8_text.h"

/* Length of the valid sequence at p (1..4), or 0 when p does not start one. */
static size_t sequence_length(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    uint32_t cp = len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

void attn_utf8_fix(char *text)
{
    unsigned char *p = (unsigned char *)text;
    while (*p) {
        size_t len = sequence_length(p);
        if (!len)
            *p++ = '?';
        else
            p += len;
    }
}

void attn_utf8_copy(char *dst, size_t size, const char *src)
{
    if (!size)
        return;
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    size_t used = 0;
    while (*p) {
        size_t len = sequence_length(p);
        size_t take = len ? len : 1;
        if (used + take >= size)
            break;
        if (len)
            memcpy(dst + used, p, len);
        else
            dst[used] = '?';
        used += take;
        p += take;
    }
    dst[used] = '\0';
}
