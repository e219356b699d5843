/* atomic_file.h — write a file so that readers see either the old one or the whole new one:
 * a temporary file beside it, flushed to disk, verified complete for its type
 * (file_verify.h), renamed over it on commit, removed on abort or on Ctrl-C (interrupt.h). */
#ifndef ATTN_ATOMIC_FILE_H
#define ATTN_ATOMIC_FILE_H

#include <stdio.h>

#include "attnscope.h"

typedef struct attn_atomic_file {
    FILE *out;       /* write here */
    char *path;
    char *tmp_path;
    int slot;        /* interrupt.h's registration of tmp_path */
} attn_atomic_file;

int attn_atomic_open(attn_atomic_file *f, const char *path, attn_diag *diag);
/* Flushes, syncs, verifies and renames; on any failure the original file is untouched. */
int attn_atomic_commit(attn_atomic_file *f, attn_diag *diag);
void attn_atomic_abort(attn_atomic_file *f);

#endif
