/* traffic_hw.c — `hw` traffic: the memory controller's CAS counters through perf_event_open.
 *
 * Intel's uncore IMC PMUs (uncore_imc, uncore_imc_N) count 64-byte reads and writes at the
 * DRAM channels; the kernel describes each event in sysfs (events/NAME = "event=0x04,
 * umask=0x03", format/NAME = "config:0-7", events/NAME.scale in events/NAME.unit), so nothing
 * here hard-codes an encoding. They are system-wide counters: other processes' traffic lands
 * in them too, which is why the numbers are labelled `hw` and never mixed with the others.
 * Machines without such a PMU (most VMs, and AMD before its UMC PMU) answer "unavailable"
 * with the PMUs this kernel does expose; a failing perf_event_open answers with its errno.
 * A GPU backend with its own counters (backend->hw_traffic: CUDA through CUPTI) is asked
 * instead, after the same warm-up call.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "traffic.h"

#define PMU_ROOT "/sys/bus/event_source/devices"

enum { MAX_COUNTERS = 32 };

typedef struct imc_counters {
    int fd[MAX_COUNTERS];
    double bytes_per_count[MAX_COUNTERS];
    int count;
} imc_counters;

/* Event names for reads and writes: server IMCs, then client (free-running) ones. */
static const char *const EVENTS[][2] = {{"cas_count_read", "cas_count_write"},
                                        {"data_reads", "data_writes"}};

static bool read_text(const char *path, char *text, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(text, (int)len, f) != NULL;
    fclose(f);
    text[strcspn(text, "\n")] = '\0';
    return ok;
}

/* config for "event=0x04,umask=0x03" through the PMU's format/ files ("config:8-15"). */
static bool event_config(const char *pmu, const char *terms, uint64_t *config)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof copy, "%s", terms);
    *config = 0;
    for (char *term = strtok_r(copy, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(term, '='), path[512], format[64];
        unsigned lo = 0;
        if (!eq)
            return false;
        *eq = '\0';
        snprintf(path, sizeof path, "%s/%s/format/%s", PMU_ROOT, pmu, term);
        if (!read_text(path, format, sizeof format) || sscanf(format, "config:%u", &lo) != 1)
            return false;
        *config |= strtoull(eq + 1, NULL, 0) << lo;
    }
    return true;
}

/* Bytes per count: the event's .scale in its .unit (MiB for the IMCs), else a 64-byte line. */
static double event_bytes(const char *pmu, const char *event)
{
    char path[512], text[64];
    snprintf(path, sizeof path, "%s/%s/events/%s.scale", PMU_ROOT, pmu, event);
    double scale = read_text(path, text, sizeof text) ? strtod(text, NULL) : 0;
    snprintf(path, sizeof path, "%s/%s/events/%s.unit", PMU_ROOT, pmu, event);
    double unit = !read_text(path, text, sizeof text) ? 1
                  : strcmp(text, "MiB") == 0     ? 1048576.0
                  : strcmp(text, "KiB") == 0     ? 1024.0 : 1;
    return scale > 0 ? scale * unit : 64;
}

static int open_event(const char *pmu, const char *event, imc_counters *c, char *why, size_t len)
{
    char path[512], terms[256], text[64];
    uint64_t config;
    snprintf(path, sizeof path, "%s/%s/events/%s", PMU_ROOT, pmu, event);
    if (!read_text(path, terms, sizeof terms))
        return ATTN_ERR_UNKNOWN;
    snprintf(path, sizeof path, "%s/%s/type", PMU_ROOT, pmu);
    if (!event_config(pmu, terms, &config) || !read_text(path, text, sizeof text)) {
        snprintf(why, len, "%s: cannot decode event %s = '%s'", pmu, event, terms);
        return ATTN_ERR_UNSUPPORTED;
    }
    struct perf_event_attr attr = {.type = (uint32_t)strtoul(text, NULL, 10),
                                   .size = sizeof attr, .config = config};
    snprintf(path, sizeof path, "%s/%s/cpumask", PMU_ROOT, pmu);
    int cpu = read_text(path, text, sizeof text) ? atoi(text) : 0;
    int fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, 0);
    if (fd < 0) {
        int err = errno;
        char paranoid[16] = "?";
        read_text("/proc/sys/kernel/perf_event_paranoid", paranoid, sizeof paranoid);
        snprintf(why, len, "perf_event_open(%s/%s): %s (perf_event_paranoid = %s; system-wide "
                           "counters need 0, root or CAP_PERFMON)", pmu, event, strerror(err),
                 paranoid);
        return ATTN_ERR_UNSUPPORTED;
    }
    c->fd[c->count] = fd;
    c->bytes_per_count[c->count++] = event_bytes(pmu, event);
    return ATTN_OK;
}

static void close_counters(imc_counters *c)
{
    for (int i = 0; i < c->count; i++)
        close(c->fd[i]);
    c->count = 0;
}

/* Opens read and write counters on every IMC PMU; why lists the PMUs when none is one. */
static int open_counters(imc_counters *c, char *why, size_t len)
{
    c->count = 0;
    DIR *dir = opendir(PMU_ROOT);
    if (!dir) {
        snprintf(why, len, "no %s (perf events not supported by this kernel)", PMU_ROOT);
        return ATTN_ERR_UNSUPPORTED;
    }
    char seen[256] = "";
    int rc = ATTN_OK;
    for (struct dirent *e; (e = readdir(dir)) && !rc;) {
        if (e->d_name[0] == '.')
            continue;
        size_t used = strlen(seen);
        snprintf(seen + used, sizeof seen - used, "%s%.*s", used ? ", " : "", 64, e->d_name);
        if (strncmp(e->d_name, "uncore_imc", 10) != 0)
            continue;
        for (size_t set = 0; set < sizeof EVENTS / sizeof EVENTS[0] && !rc; set++)
            for (int rw = 0; rw < 2 && !rc && c->count < MAX_COUNTERS; rw++)
                if ((rc = open_event(e->d_name, EVENTS[set][rw], c, why, len)) ==
                    ATTN_ERR_UNKNOWN)
                    rc = ATTN_OK;
    }
    closedir(dir);
    if (!rc && !c->count) {
        snprintf(why, len, "no memory-controller PMU with CAS-count events (uncore_imc*) in "
                           "%s; this kernel exposes: %s", PMU_ROOT, seen[0] ? seen : "none");
        rc = ATTN_ERR_UNSUPPORTED;
    }
    if (rc)
        close_counters(c);
    return rc;
}

static uint64_t read_bytes(const imc_counters *c)
{
    double bytes = 0;
    for (int i = 0; i < c->count; i++) {
        uint64_t count = 0;
        if (read(c->fd[i], &count, sizeof count) == (ssize_t)sizeof count)
            bytes += (double)count * c->bytes_per_count[i];
    }
    return (uint64_t)bytes;
}

int attn_traffic_hw_probe(char *why, size_t len)
{
    imc_counters c;
    int rc = open_counters(&c, why, len);
    close_counters(&c);
    return rc;
}

int attn_traffic_hw(const attn_backend *backend, const attn_kernel_ops *ops,
                    const attn_problem *p, uint64_t *bytes, char *why, size_t len)
{
    *bytes = 0;
    why[0] = '\0';
    const bool device_counters = backend->hw_traffic != NULL;
    if (backend->kind != ATTN_BACKEND_KIND_CPU && !device_counters) {
        snprintf(why, len, "the memory controller counts host DRAM, and %s reads no device "
                           "counters", backend->name);
        return ATTN_ERR_UNSUPPORTED;
    }
    imc_counters c = {.count = 0};
    int rc = device_counters ? ATTN_OK : open_counters(&c, why, len);
    void *ctx = NULL;
    size_t elems;
    attn_kernel_stats stats;
    double seconds;
    if (!rc && (rc = backend->alloc(&ctx, ops, p, &elems)))
        snprintf(why, len, "cannot prepare inputs: %s", attn_strerror(rc));
    if (!rc && !(rc = backend->run(ctx, &stats, &seconds))) {
        if (device_counters) {
            rc = backend->hw_traffic(ctx, bytes, why, len);
        } else {
            uint64_t before = read_bytes(&c);
            rc = backend->run(ctx, &stats, &seconds);
            *bytes = read_bytes(&c) - before;
        }
    }
    if (rc && !why[0])
        snprintf(why, len, "kernel failed: %s", attn_strerror(rc));
    if (ctx)
        backend->free(ctx);
    close_counters(&c);
    return rc;
}
