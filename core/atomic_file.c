/* atomic_file.c — temp file + fsync + rename (see atomic_file.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "diag.h"
#include "file_verify.h"
#include "interrupt.h"

int attn_atomic_open(attn_atomic_file *f, const char *path, attn_diag *diag)
{
    memset(f, 0, sizeof *f);
    f->slot = -1;
    size_t len = strlen(path);
    f->path = strdup(path);
    f->tmp_path = malloc(len + 16);
    if (!f->path || !f->tmp_path) {
        attn_atomic_abort(f);
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    }
    snprintf(f->tmp_path, len + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(f->tmp_path);
    if (fd >= 0) {
        f->slot = attn_interrupt_track(f->tmp_path, false);
        mode_t mask = umask(0); /* mkstemp makes 0600; give the file the usual mode */
        umask(mask);
        fchmod(fd, 0666 & ~mask);
        f->out = fdopen(fd, "w");
    }
    if (!f->out) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            unlink(f->tmp_path);
        }
        free(f->tmp_path);
        f->tmp_path = NULL;
        attn_atomic_abort(f);
        return attn_fail(diag, ATTN_ERR_IO, "%s: cannot create a file beside it: %s", path,
                         strerror(err));
    }
    return ATTN_OK;
}

int attn_atomic_commit(attn_atomic_file *f, attn_diag *diag)
{
    int failed = fflush(f->out) != 0 || ferror(f->out) || fsync(fileno(f->out)) != 0;
    failed |= fclose(f->out) != 0;
    f->out = NULL;
    int err = errno, rc = ATTN_OK;
    if (failed)
        rc = attn_fail(diag, ATTN_ERR_IO, "%s: cannot write: %s (the old file is intact)",
                       f->path, strerror(err));
    if (!rc && (rc = attn_file_verify(f->tmp_path, f->path, diag)) == ATTN_OK) {
        attn_interrupt_hold();
        if (rename(f->tmp_path, f->path) == 0) {
            attn_interrupt_untrack(f->slot);
            f->slot = -1;
            free(f->tmp_path);
            f->tmp_path = NULL;
        } else {
            rc = attn_fail(diag, ATTN_ERR_IO, "%s: cannot write: %s (the old file is intact)",
                           f->path, strerror(errno));
        }
        attn_interrupt_release();
    }
    attn_atomic_abort(f);
    return rc;
}

void attn_atomic_abort(attn_atomic_file *f)
{
    if (f->out)
        fclose(f->out);
    if (f->tmp_path)
        unlink(f->tmp_path);
    attn_interrupt_untrack(f->slot);
    free(f->tmp_path);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->slot = -1;
}
