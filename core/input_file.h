/* input_file.h — opening a file the user named, for reading: a FIFO, a device or a folder is
 * refused at once (never a read that blocks forever), and the reason is the system's own
 * (a symlink loop or an unreadable parent is not "no such file"). A UTF-8 byte-order mark,
 * which Excel and Notepad write, is skipped. */
#ifndef ATTN_INPUT_FILE_H
#define ATTN_INPUT_FILE_H

#include <stdio.h>

#include "attnscope.h"

/* A stream positioned after any BOM, or NULL with the diag naming the path and why. */
FILE *attn_input_open(const char *path, attn_diag *diag);

#endif
