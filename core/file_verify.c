/* file_verify.c — format checks for the files attnscope commits (see file_verify.h). Each is
 * the least that proves the writer got to the end: the PNG chunk walk follows the chunk
 * lengths (PNG spec, section 5.3: length, type, data, CRC) up to IEND. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "diag.h"
#include "file_verify.h"

static bool ends_with(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n >= e && strcasecmp(name + n - e, ext) == 0;
}

static bool png_complete(FILE *f, off_t size)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    if (fread(head, 1, 8, f) != 8 || memcmp(head, signature, 8) != 0)
        return false;
    for (;;) {
        if (fread(head, 1, 8, f) != 8)
            return false;
        uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
                       (uint32_t)head[2] << 8 | head[3];
        if (memcmp(head + 4, "IEND", 4) == 0) /* its CRC must end the file */
            return len == 0 && ftello(f) + 4 == size;
        if (len > 0x7fffffffu || fseeko(f, (off_t)len + 4, SEEK_CUR) != 0)
            return false;
    }
}

/* The last non-blank bytes of the file (up to len - 1 of them), NUL-terminated. */
static size_t tail_of(FILE *f, off_t size, char *buf, size_t len)
{
    off_t from = size > (off_t)(len - 1) ? size - (off_t)(len - 1) : 0;
    if (fseeko(f, from, SEEK_SET) != 0)
        return 0;
    size_t got = fread(buf, 1, len - 1, f);
    buf[got] = '\0';
    return got;
}

static const char *trimmed_end(char *buf, size_t got)
{
    while (got && isspace((unsigned char)buf[got - 1]))
        buf[--got] = '\0';
    return buf;
}

static bool text_ends_with(FILE *f, off_t size, const char *end)
{
    char buf[1100];
    size_t got = tail_of(f, size, buf, sizeof buf);
    return ends_with(trimmed_end(buf, got), end);
}

int attn_file_verify(const char *path, const char *name, attn_diag *diag)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        int err = errno;
        if (f)
            fclose(f);
        return attn_fail(diag, ATTN_ERR_IO, "%s: cannot read back what was written: %s", name,
                         strerror(err));
    }
    const char *missing = NULL;
    char last[2];
    if (ends_with(name, ".png"))
        missing = png_complete(f, st.st_size) ? NULL : "no IEND chunk: the PNG is truncated";
    else if (ends_with(name, ".svg"))
        missing = text_ends_with(f, st.st_size, "</svg>") ? NULL : "the SVG is not closed";
    else if (ends_with(name, ".pdf")) {
        char buf[1100];
        size_t got = tail_of(f, st.st_size, buf, sizeof buf);
        missing = got && memmem(buf, got, "%%EOF", 5) ? NULL : "no %%EOF: the PDF is truncated";
    } else if (ends_with(name, ".html"))
        missing = text_ends_with(f, st.st_size, "</html>") ? NULL : "the page is not closed";
    else if (ends_with(name, ".csv") || ends_with(name, ".md"))
        missing = st.st_size > 0 && tail_of(f, st.st_size, last, sizeof last) == 1 &&
                          last[0] == '\n' ? NULL : "the last line is incomplete";
    int read_error = ferror(f);
    fclose(f);
    if (read_error)
        return attn_fail(diag, ATTN_ERR_IO, "%s: read error while verifying it", name);
    if (missing)
        return attn_fail(diag, ATTN_ERR_IO, "%s: not written completely (%s; disk full?)", name,
                         missing);
    return ATTN_OK;
}
