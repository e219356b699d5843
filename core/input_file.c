/* input_file.c — see input_file.h. O_NONBLOCK only for the open itself: a FIFO then opens
 * without waiting for a writer, is seen to be one by fstat, and is refused. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "input_file.h"

FILE *attn_input_open(const char *path, attn_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        attn_fail(diag, ATTN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        attn_fail(diag, ATTN_ERR_IO, "%s: not a regular file (%s)", path,
                  S_ISDIR(st.st_mode)    ? "a folder"
                  : S_ISFIFO(st.st_mode) ? "a FIFO"
                                         : "a device or socket");
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        attn_fail(diag, ATTN_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    unsigned char bom[3];
    size_t got = fread(bom, 1, 3, f);
    if (got != 3 || memcmp(bom, "\xEF\xBB\xBF", 3) != 0)
        rewind(f);
    return f;
}
