/* traffic_sim.c — `sim` traffic: one kernel call under callgrind's cache simulator.
 *
 * valgrind runs as a child process (posix_spawn, no shell) on `EXE bench --sim-child SPEC`
 * with the machine's L1 caches and a last level of the machine's size or a chosen one (to
 * emulate a GPU's on-chip memory). DRAM bytes = line size x (LL misses of the call, which
 * under write-allocate include the fill of every written line, + dirty lines it evicted +
 * dirty lines it left behind). The method and why callgrind: traffic.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interrupt.h"
#include "traffic.h"
#include "variant.h"

extern char **environ;

static bool power_of_two(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* valgrind accepts a cache when its set count is a power of two. */
static bool valgrind_geometry(uint64_t bytes, unsigned ways, unsigned line)
{
    return ways && power_of_two(line) && bytes % ((uint64_t)ways * line) == 0 &&
           power_of_two(bytes / ((uint64_t)ways * line));
}

int attn_sim_llc_config(uint64_t llc_bytes, attn_sim_result *g, char *why, size_t len)
{
    attn_cpu_cache caches[16];
    size_t count = attn_cpu_caches(caches, 16);
    const attn_cpu_cache *last = attn_cpu_cache_find(caches, count, 0, false);
    const attn_cpu_cache *l1 = attn_cpu_cache_find(caches, count, 1, false);
    g->line_bytes = last && last->line_bytes ? last->line_bytes : 64;
    g->llc_bytes = llc_bytes ? llc_bytes : last ? last->bytes : 0;
    if (!g->llc_bytes) {
        snprintf(why, len, "no last-level cache in /sys/devices/system/cpu/cpu0/cache: give "
                           "its size (--sim-llc)");
        return ATTN_ERR_RANGE;
    }
    if (l1 && g->llc_bytes <= l1->bytes) {
        snprintf(why, len, "a simulated last level of %llu B must exceed the L1 data cache "
                           "(%zu B)", (unsigned long long)g->llc_bytes, l1->bytes);
        return ATTN_ERR_RANGE;
    }
    /* The machine's own ways for its own LL; otherwise the first of 16, 17 .. 64, 15 .. 1 that
     * leaves a power-of-two number of sets (20 for 40 MiB, 57 for 228 KiB). */
    if (!llc_bytes && last && valgrind_geometry(g->llc_bytes, last->ways, g->line_bytes)) {
        g->llc_ways = last->ways;
        return ATTN_OK;
    }
    for (unsigned step = 0; step < 64; step++) {
        unsigned ways = step < 49 ? 16 + step : 64 - step;
        if (valgrind_geometry(g->llc_bytes, ways, g->line_bytes)) {
            g->llc_ways = ways;
            return ATTN_OK;
        }
    }
    snprintf(why, len, "valgrind cannot model a %llu-byte last level: it must be %u-byte "
                       "lines x 1 to 64 ways x a power-of-two number of sets",
             (unsigned long long)g->llc_bytes, g->line_bytes);
    return ATTN_ERR_RANGE;
}

/* "--I1=32768,8,64" from sysfs, or the common 32 KiB 8-way when sysfs has no usable one. */
static void l1_option(const char *name, bool instruction, char *opt, size_t len)
{
    attn_cpu_cache caches[16];
    const attn_cpu_cache *c = attn_cpu_cache_find(caches, attn_cpu_caches(caches, 16), 1,
                                                  instruction);
    bool usable = c && valgrind_geometry(c->bytes, c->ways, c->line_bytes);
    snprintf(opt, len, "--%s=%zu,%u,%u", name, usable ? c->bytes : 32768, usable ? c->ways : 8,
             usable ? c->line_bytes : 64);
}

static bool find_in_path(const char *name, char *found, size_t len)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t dir = strcspn(path, ":");
        snprintf(found, len, "%.*s/%s", (int)dir, path, name);
        if (dir && access(found, X_OK) == 0)
            return true;
        path += dir + (path[dir] == ':');
    }
    return false;
}

/* The values of the named events on the "totals:" (or "summary:") line of a callgrind file;
 * callgrind leaves trailing zero counts out, so a listed event without a number is 0. */
static int read_events(const char *file, const char *const *names, int count, uint64_t *values)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return ATTN_ERR_IO;
    char line[1024], events[1024] = "";
    bool totals = false;
    while (!totals && fgets(line, sizeof line, f)) {
        if (strncmp(line, "events:", 7) == 0)
            snprintf(events, sizeof events, "%s", line + 7);
        totals = strncmp(line, "totals:", 7) == 0 || strncmp(line, "summary:", 8) == 0;
    }
    fclose(f);
    if (!totals)
        return ATTN_ERR_PARSE;
    int found = 0;
    char *numbers = strchr(line, ':') + 1, *save_e = NULL, *save_n = NULL;
    char *n = strtok_r(numbers, " \n", &save_n);
    for (char *e = strtok_r(events, " \n", &save_e); e; e = strtok_r(NULL, " \n", &save_e)) {
        for (int i = 0; i < count; i++)
            if (strcmp(e, names[i]) == 0) {
                values[i] = n ? strtoull(n, NULL, 10) : 0;
                found++;
            }
        n = n ? strtok_r(NULL, " \n", &save_n) : NULL;
    }
    return found == count ? ATTN_OK : ATTN_ERR_PARSE;
}

/* LL misses and write-back (dirty-miss) events, as --simulate-wb names them. */
static const char *const FILLS[] = {"ILmr", "DLmr", "DLmw"};
static const char *const WRITEBACKS[] = {"ILdmr", "DLdmr", "DLdmw"};

static int read_counts(const char *file, const char *const *names, uint64_t *sum)
{
    uint64_t v[3] = {0};
    int rc = read_events(file, names, 3, v);
    *sum = v[0] + v[1] + v[2];
    return rc;
}

/* The last line valgrind logged, for a failure message. */
static void last_log_line(const char *file, char *out, size_t len)
{
    FILE *f = fopen(file, "r");
    char line[512];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (line[0] && line[0] != '\n')
            snprintf(out, len, "%.*s", (int)strcspn(line, "\n"), line);
    if (f)
        fclose(f);
}

typedef struct sim_run {
    char dir[256], out[300], dump[310], log[300];  /* out: at exit, the eviction after */
} sim_run;

static int spawn_valgrind(const char *valgrind, const char *exe, const char *spec,
                          const attn_sim_result *g, sim_run *r, char *why, size_t len)
{
    char opt_i1[64], opt_d1[64], opt_ll[64], opt_out[340], opt_log[340], env_evict[64];
    l1_option("I1", true, opt_i1, sizeof opt_i1);
    l1_option("D1", false, opt_d1, sizeof opt_d1);
    snprintf(opt_ll, sizeof opt_ll, "--LL=%llu,%u,%u", (unsigned long long)g->llc_bytes,
             g->llc_ways, g->line_bytes);
    snprintf(opt_out, sizeof opt_out, "--callgrind-out-file=%s", r->out);
    snprintf(opt_log, sizeof opt_log, "--log-file=%s", r->log);
    snprintf(env_evict, sizeof env_evict, "ATTNSCOPE_SIM_EVICT_BYTES=%llu",
             (unsigned long long)(2 * g->llc_bytes));
    char *argv[] = {(char *)valgrind, "--tool=callgrind", "--cache-sim=yes", "--simulate-wb=yes",
                    opt_i1, opt_d1, opt_ll, "--collect-atstart=no",
                    "--toggle-collect=attn_sim_kernel_call",
                    "--toggle-collect=attn_sim_evict_after", "--dump-before=attn_sim_dump", opt_out, opt_log, (char *)exe, "bench",
                    "--sim-child", (char *)spec, NULL};
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    char **envp = calloc(nenv + 4, sizeof *envp);
    if (!envp)
        return ATTN_ERR_NOMEM;
    memcpy(envp, environ, nenv * sizeof *envp);
    envp[nenv] = "OMP_NUM_THREADS=1";
    envp[nenv + 1] = "OPENBLAS_NUM_THREADS=1";
    envp[nenv + 2] = env_evict;
    pid_t pid;
    int status = 0, err = posix_spawn(&pid, valgrind, NULL, NULL, argv, envp);
    free(envp);
    if (err) {
        snprintf(why, len, "cannot start %s: %s", valgrind, strerror(err));
        return ATTN_ERR_UNSUPPORTED;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        char last[256];
        last_log_line(r->log, last, sizeof last);
        snprintf(why, len, "valgrind on the kernel failed (%s %d): %s",
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), last);
        return ATTN_ERR_UNSUPPORTED;
    }
    return ATTN_OK;
}

static void remove_run(const sim_run *r)
{
    unlink(r->dump);
    unlink(r->out);
    unlink(r->log);
    rmdir(r->dir);
}

int attn_traffic_sim(const char *variant, const attn_problem *p, const attn_sim_options *o,
                     attn_sim_result *out, char *why, size_t len)
{
    memset(out, 0, sizeof *out);
    const attn_variant_type *type = attn_variant_find(variant);
    const attn_kernel_ops *ops = type ? type->cpu_ops : NULL;
    const char *unsupported = ops ? ops->unsupported(p) : "no CPU kernel to simulate";
    char valgrind[1024], spec[512], exe[1024] = "";
    if (unsupported) {
        snprintf(why, len, "%s", unsupported);
        return ATTN_ERR_UNSUPPORTED;
    }
    if (!find_in_path("valgrind", valgrind, sizeof valgrind)) {
        snprintf(why, len, "valgrind not found in PATH (it runs the cache simulation; "
                           "apt-get install valgrind)");
        return ATTN_ERR_UNSUPPORTED;
    }
    if (o->exe)
        snprintf(exe, sizeof exe, "%s", o->exe);
    else if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0)
        snprintf(why, len, "cannot find this program (/proc/self/exe): %s", strerror(errno));
    if (!exe[0])
        return ATTN_ERR_UNSUPPORTED;
    if (attn_sim_llc_config(o->llc_bytes, out, why, len))
        return ATTN_ERR_UNSUPPORTED;
    if (attn_sim_spec_format(variant, p, spec, sizeof spec)) {
        snprintf(why, len, "problem too large to pass to the simulation child");
        return ATTN_ERR_UNSUPPORTED;
    }
    sim_run r;
    const char *tmp = getenv("TMPDIR");
    snprintf(r.dir, sizeof r.dir, "%s/attnscope-sim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r.dir)) {
        snprintf(why, len, "cannot make a temporary directory in %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return ATTN_ERR_UNSUPPORTED;
    }
    int slot = attn_interrupt_track(r.dir, true); /* Ctrl-C removes it */
    snprintf(r.out, sizeof r.out, "%s/cg.out", r.dir);
    snprintf(r.dump, sizeof r.dump, "%s.1", r.out); /* --dump-before: the kernel call */
    snprintf(r.log, sizeof r.log, "%s/valgrind.log", r.dir);
    int rc = spawn_valgrind(valgrind, exe, spec, out, &r, why, len);
    uint64_t fills = 0, writebacks = 0, left_dirty = 0;
    if (!rc && (read_counts(r.dump, FILLS, &fills) || read_counts(r.dump, WRITEBACKS, &writebacks) ||
                read_counts(r.out, WRITEBACKS, &left_dirty))) {
        snprintf(why, len, "callgrind's output (%s) lacks the LL miss and write-back events",
                 r.dump);
        rc = ATTN_ERR_UNSUPPORTED;
    }
    remove_run(&r);
    attn_interrupt_untrack(slot);
    out->read_bytes = fills * out->line_bytes;
    out->write_bytes = (writebacks + left_dirty) * out->line_bytes;
    return rc;
}
