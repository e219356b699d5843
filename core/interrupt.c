/* interrupt.c — the signal watcher (see interrupt.h). The handler is async-signal-safe (one
 * write); all the real work runs in an ordinary thread, where malloc, nftw and stdio are
 * allowed, and the mutex keeps it from racing a commit in the main thread. */
#define _GNU_SOURCE /* pipe2, nftw's FTW_DEPTH */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"

enum { MAX_TRACKED = 64 };

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP; /* commits untrack while held */
static char *tracked[MAX_TRACKED];
static bool tracked_folder[MAX_TRACKED];
static char pending[1024];
static int wake_fd[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (write(wake_fd[1], &byte, 1) != 1)
        _exit(128 + sig); /* cannot wake the watcher: at least stop */
    errno = saved;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT;
}

int attn_remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT ? 0 : -1;
}

/* A folder is renamed aside first, so the main thread cannot add files to it while it goes. */
static void remove_tracked(int slot)
{
    const char *path = tracked[slot];
    if (!tracked_folder[slot]) {
        unlink(path);
        return;
    }
    size_t len = strlen(path) + 8;
    char *aside = malloc(len);
    if (aside) {
        snprintf(aside, len, "%s.gone", path);
        if (rename(path, aside) == 0)
            path = aside;
    }
    for (int attempt = 0; attempt < 3 && attn_remove_tree(path) != 0; attempt++)
        ;
    free(aside);
}

static void *watch(void *unused)
{
    (void)unused;
    unsigned char sig = 0;
    while (read(wake_fd[0], &sig, 1) != 1)
        ;
    pthread_mutex_lock(&lock); /* waits for a commit in progress; never released */
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i])
            remove_tracked(i);
    fprintf(stderr, "attnscope: interrupted (%s)%s%s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT",
            pending[0] ? ": " : "", pending);
    fflush(stderr);
    _exit(128 + sig);
    return NULL;
}

int attn_interrupt_install(void)
{
    static bool installed;
    if (installed)
        return 0;
    pthread_t thread;
    if (pipe2(wake_fd, O_CLOEXEC) != 0)
        return -1;
    if (pthread_create(&thread, NULL, watch, NULL) != 0)
        return -1;
    pthread_detach(thread);
    struct sigaction action = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    installed = true;
    return 0;
}

void attn_interrupt_pending(const char *fmt, ...)
{
    char text[sizeof pending];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    memcpy(pending, text, sizeof pending);
    pthread_mutex_unlock(&lock);
}

int attn_interrupt_track(const char *path, bool folder)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_TRACKED; i++)
        if (!tracked[i]) {
            tracked[i] = copy;
            tracked_folder[i] = folder;
            pthread_mutex_unlock(&lock);
            return i;
        }
    pthread_mutex_unlock(&lock);
    free(copy);
    return -1;
}

void attn_interrupt_untrack(int slot)
{
    if (slot < 0 || slot >= MAX_TRACKED)
        return;
    pthread_mutex_lock(&lock);
    free(tracked[slot]);
    tracked[slot] = NULL;
    pthread_mutex_unlock(&lock);
}

void attn_interrupt_hold(void)
{
    pthread_mutex_lock(&lock);
}

void attn_interrupt_release(void)
{
    pthread_mutex_unlock(&lock);
}
