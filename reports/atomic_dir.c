/* atomic_dir.c — the transactional report folder (see atomic_dir.h). The swap is one
 * renameat2(RENAME_EXCHANGE) where the file system has it (Linux 3.15+: ext4, xfs, btrfs,
 * tmpfs); elsewhere two renames, with the old report kept aside until the second succeeds. */
#define _GNU_SOURCE /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_dir.h"
#include "diag.h"
#include "interrupt.h"
#include "path_lock.h"

/* 1: empty; 0: holds other files; 2: has the marker; -1 with errno: unreadable */
static int folder_state(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    int state = 1;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strcmp(e->d_name, ATTN_REPORT_MARKER) == 0) {
            state = 2;
            break;
        }
        state = 0;
    }
    closedir(dir);
    return state;
}

static int check_target(const char *path, attn_diag *diag)
{
    int state = folder_state(path);
    if (state < 0)
        return attn_fail(diag, ATTN_ERR_IO, "%s: cannot read the report folder: %s", path,
                         strerror(errno));
    if (state == 0)
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "%s: the folder holds other files and is not an attnscope report (no %s "
                         "marker); refusing to replace it: give an empty or new folder",
                         path, ATTN_REPORT_MARKER);
    return ATTN_OK;
}

/* ".NAME.tmpXXXXXX" beside path ("a/b/" -> "a/.b.tmpXXXXXX") */
static char *sibling_template(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t base = len;
    while (base > 0 && path[base - 1] != '/')
        base--;
    size_t size = len + 16;
    char *tmp = malloc(size);
    if (tmp)
        snprintf(tmp, size, "%.*s.%.*s.tmpXXXXXX", (int)base, path, (int)(len - base),
                 path + base);
    return tmp;
}

int attn_atomic_dir_open(attn_atomic_dir *d, const char *path, attn_diag *diag)
{
    memset(d, 0, sizeof *d);
    d->lock_fd = d->slot = -1;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
        return attn_fail(diag, ATTN_ERR_FIELD, "%s: exists and is not a folder", path);
    if (folder_state(path) < 0 && errno == ENOENT) {
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return attn_fail(diag, ATTN_ERR_IO, "%s: cannot create the report folder: %s",
                             path, strerror(errno));
        d->created = true;
    }
    char *tmp = sibling_template(path);
    int rc = (d->path = strdup(path)) && tmp ? check_target(path, diag)
                                               : attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = attn_path_lock(path, false, &d->lock_fd, diag);
    if (!rc) /* another report may have finished while we waited */
        rc = check_target(path, diag);
    if (!rc && !mkdtemp(tmp))
        rc = attn_fail(diag, ATTN_ERR_IO, "%s: cannot create a folder beside it: %s", path,
                       strerror(errno));
    if (!rc) {
        d->tmp_path = tmp;
        tmp = NULL;
        d->slot = attn_interrupt_track(d->tmp_path, true);
        mode_t mask = umask(0); /* mkdtemp makes 0700; give the report the usual mode */
        umask(mask);
        chmod(d->tmp_path, 0777 & ~mask);
    }
    free(tmp);
    if (rc)
        attn_atomic_dir_abort(d);
    return rc;
}

static int write_marker(const attn_atomic_dir *d, attn_diag *diag)
{
    size_t len = strlen(d->tmp_path) + sizeof ATTN_REPORT_MARKER + 2;
    char *marker = malloc(len);
    if (!marker)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    snprintf(marker, len, "%s/%s", d->tmp_path, ATTN_REPORT_MARKER);
    FILE *f = fopen(marker, "w");
    free(marker);
    int failed = !f || fputs("attnscope report: the next `attnscope report --out` into this "
                             "folder replaces it as a whole\n", f) == EOF;
    failed |= f && (fflush(f) != 0 || fsync(fileno(f)) != 0);
    failed |= f && fclose(f) != 0;
    return failed ? attn_fail(diag, ATTN_ERR_IO, "%s: cannot write: %s", d->path, strerror(errno))
                  : ATTN_OK;
}

int attn_atomic_dir_commit(attn_atomic_dir *d, attn_diag *diag)
{
    int rc = write_marker(d, diag);
    if (rc) {
        attn_atomic_dir_abort(d);
        return rc;
    }
    attn_interrupt_hold();
    if (renameat2(AT_FDCWD, d->tmp_path, AT_FDCWD, d->path, RENAME_EXCHANGE) != 0) {
        /* no exchange here: the old report goes aside, the new one in, then the old away */
        size_t len = strlen(d->tmp_path) + 8;
        char *aside = malloc(len);
        if (aside)
            snprintf(aside, len, "%s.old", d->tmp_path);
        if (!aside || rename(d->path, aside) != 0)
            rc = attn_fail(diag, ATTN_ERR_IO, "%s: cannot replace the report folder: %s",
                           d->path, strerror(errno));
        else if (rename(d->tmp_path, d->path) != 0) {
            rc = attn_fail(diag, ATTN_ERR_IO, "%s: cannot replace the report folder: %s",
                           d->path, strerror(errno));
            rename(aside, d->path);
        } else
            rename(aside, d->tmp_path); /* the old report, removed below */
        free(aside);
    }
    attn_interrupt_release();
    if (!rc)
        d->created = false;
    attn_atomic_dir_abort(d); /* the temporary name now holds the old report */
    return rc;
}

void attn_atomic_dir_abort(attn_atomic_dir *d)
{
    if (d->tmp_path)
        attn_remove_tree(d->tmp_path);
    attn_interrupt_untrack(d->slot);
    if (d->created && d->path)
        rmdir(d->path); /* only when still empty */
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    free(d->tmp_path);
    free(d->path);
    memset(d, 0, sizeof *d);
    d->lock_fd = d->slot = -1;
}
