/* path_lock.c — flock on a path that other writers rename over (see path_lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "path_lock.h"

int attn_path_lock(const char *path, bool create, int *fd, attn_diag *diag)
{
    *fd = -1;
    for (;;) {
        /* O_NONBLOCK: opening a FIFO must not wait for a writer */
        int f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (create ? O_CREAT : 0), 0666);
        if (f < 0 && create && errno == EISDIR)
            f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (f < 0)
            return attn_fail(diag, ATTN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        struct stat held, now;
        if (fstat(f, &held) != 0 || !(S_ISREG(held.st_mode) || S_ISDIR(held.st_mode))) {
            close(f);
            return attn_fail(diag, ATTN_ERR_IO, "%s: not a regular file or folder", path);
        }
        int rc;
        while ((rc = flock(f, LOCK_EX)) != 0 && errno == EINTR)
            ;
        if (rc != 0) {
            int err = errno;
            close(f);
            return attn_fail(diag, ATTN_ERR_IO, "%s: cannot lock: %s", path, strerror(err));
        }
        if (stat(path, &now) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino) {
            *fd = f;
            return ATTN_OK;
        }
        close(f); /* replaced while we waited: lock the new one */
    }
}
