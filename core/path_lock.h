/* path_lock.h — an exclusive lock (flock) on the file or folder a path names, for writers
 * that replace it by rename: after the lock is taken the path is checked to still name the
 * locked inode, and the lock is taken again on the new one when it was replaced meanwhile. */
#ifndef ATTN_PATH_LOCK_H
#define ATTN_PATH_LOCK_H

#include "attnscope.h"

/* Opens `path` (a regular file or a folder; no FIFO or device) and waits for the lock.
 * *fd holds it until close. `create`: a missing file is created empty (mode 0666 & ~umask). */
int attn_path_lock(const char *path, bool create, int *fd, attn_diag *diag);

#endif
