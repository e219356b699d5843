/* interrupt.h — SIGINT and SIGTERM for a command that writes files or runs long kernels.
 *
 * The handler only wakes a watcher thread (a byte down a pipe), so the signal is acted on
 * within milliseconds even while a kernel call runs for minutes: the watcher removes every
 * temporary still registered (files and folders), prints what was not done, and exits with
 * 128 + the signal. Commits hold attn_interrupt_hold() around their rename, so a temporary is
 * either renamed into place whole or removed, never half of each.
 */
#ifndef ATTN_INTERRUPT_H
#define ATTN_INTERRUPT_H

#include <stdbool.h>

/* Installs the handlers and starts the watcher; idempotent. Returns 0 or -1 (errno). */
int attn_interrupt_install(void);
/* What the command has not done yet, printed after "interrupted (SIGINT): " ("" clears). */
void attn_interrupt_pending(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Registers a temporary for removal on interrupt; returns its slot, or -1 when full. */
int attn_interrupt_track(const char *path, bool folder);
void attn_interrupt_untrack(int slot);
/* Held across a commit (rename) so the watcher waits for it to finish. */
void attn_interrupt_hold(void);
void attn_interrupt_release(void);
/* Removes a folder and everything in it (also used by the watcher); 0 or -1. */
int attn_remove_tree(const char *path);

#endif
