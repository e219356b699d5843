/* atomic_dir.h — a report folder written as a whole: built in a temporary sibling
 * (.NAME.tmpXXXXXX), then swapped into place, so the previous report stays until the new one
 * is complete, and Ctrl-C (interrupt.h) leaves the old one as it was.
 *
 * A marker file (ATTN_REPORT_MARKER) says a folder is an attnscope report. Only an empty
 * folder or one with the marker is replaced; any other is refused, so a user's own files are
 * never overwritten. The target is locked (path_lock.h) for the whole build, so two reports
 * into one folder run one after the other. */
#ifndef ATTN_ATOMIC_DIR_H
#define ATTN_ATOMIC_DIR_H

#include <stdbool.h>

#include "attnscope.h"

#define ATTN_REPORT_MARKER ".attnscope-report"

typedef struct attn_atomic_dir {
    char *path;      /* where the report goes */
    char *tmp_path;  /* write here */
    int lock_fd;
    int slot;        /* interrupt registration of tmp_path */
    bool created;    /* path did not exist before */
} attn_atomic_dir;

/* Checks and locks `path` (creating it when absent) and makes the temporary sibling.
 * ATTN_ERR_FIELD when path is a non-empty folder without the marker, or not a folder. */
int attn_atomic_dir_open(attn_atomic_dir *d, const char *path, attn_diag *diag);
/* Writes the marker and swaps the temporary into place; the old report is then removed. */
int attn_atomic_dir_commit(attn_atomic_dir *d, attn_diag *diag);
/* Removes the temporary (and path, when this created it and it is still empty). */
void attn_atomic_dir_abort(attn_atomic_dir *d);

#endif
