/* probe.c — running the local roofline probe: repeats of each loop, their spread, the
 * caches and clock it is judged against (probe.h). */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "ops.h"
#include "probe.h"

enum { FLOP_REPEATS = 5, STREAM_REPEATS = 10, CLOCK_REPEATS = 5 };
#define SGEMM_N 2048
#define MIN_STREAM_BYTES ((uint64_t)64 << 20)

attn_spread attn_spread_of(double *values, int n)
{
    gsl_sort(values, 1, (size_t)n);
    return (attn_spread){values[0], gsl_stats_median_from_sorted_data(values, 1, (size_t)n),
                         values[n - 1], n};
}

/* "model name" from /proc/cpuinfo, and the clock the system reports: sysfs's maximum when
 * there is cpufreq, else the largest "cpu MHz" (a VM's nominal clock). */
static void read_cpu(attn_probe *p)
{
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
    double khz = 0, mhz;
    if (f) {
        if (fscanf(f, "%lf", &khz) == 1 && khz > 0) {
            p->reported_clock_hz = khz * 1e3;
            snprintf(p->clock_source, sizeof p->clock_source, "sysfs cpuinfo_max_freq");
        }
        fclose(f);
    }
    snprintf(p->cpu_model, sizeof p->cpu_model, "unknown CPU");
    char line[256];
    if (!(f = fopen("/proc/cpuinfo", "r")))
        return;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        if (strncmp(line, "model name", 10) == 0)
            snprintf(p->cpu_model, sizeof p->cpu_model, "%.*s", (int)strcspn(colon + 2, "\n"),
                     colon + 2);
        if (!khz && strncmp(line, "cpu MHz", 7) == 0 && sscanf(colon + 1, "%lf", &mhz) == 1 &&
            mhz * 1e6 > p->reported_clock_hz) {
            p->reported_clock_hz = mhz * 1e6;
            snprintf(p->clock_source, sizeof p->clock_source, "/proc/cpuinfo cpu MHz");
        }
    }
    fclose(f);
}

/* STREAM arrays: four times every cache together, and at least 64 MiB. */
static uint64_t stream_bytes(const attn_probe *p)
{
    uint64_t caches = 0;
    for (size_t i = 0; i < p->ncaches; i++)
        caches += p->caches[i].bytes;
    return 4 * caches > MIN_STREAM_BYTES ? 4 * caches : MIN_STREAM_BYTES;
}

/* Half of each data cache: per thread for the private levels, in all for the last (shared)
 * one, so the array stays in that level and not in the one below. */
static int probe_levels(attn_probe *p, attn_diag *diag)
{
    int last = 0;
    for (size_t i = 0; i < p->ncaches; i++)
        last = p->caches[i].level > last ? p->caches[i].level : last;
    for (size_t i = 0; i < p->ncaches && i < 16; i++) {
        const attn_cpu_cache *c = &p->caches[i];
        if (c->type == 'I')
            continue;
        uint64_t per = c->level == last ? 1 : (uint64_t)p->threads;
        p->level_bytes[i] = (uint64_t)c->bytes / 2 * per;
        if (attn_probe_level(p->level_bytes[i], &p->level_read[i]))
            return attn_fail(diag, ATTN_ERR_NOMEM, "probe: cannot allocate %llu B for L%d",
                             (unsigned long long)p->level_bytes[i], c->level);
    }
    return ATTN_OK;
}

int attn_probe_run(attn_probe *p, attn_diag *diag)
{
    memset(p, 0, sizeof *p);
    read_cpu(p);
    p->threads = attn_kernels_threads();
    p->ncaches = attn_cpu_caches(p->caches, 16);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    p->memory_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    p->isa = attn_probe_isa(&p->lanes);

    double clocks[CLOCK_REPEATS], fma[FLOP_REPEATS], sgemm[FLOP_REPEATS], rates[3][32];
    for (int r = 0; r < CLOCK_REPEATS; r++)
        clocks[r] = attn_probe_clock_hz();
    p->measured_clock_hz = attn_spread_of(clocks, CLOCK_REPEATS).max;
    p->clock_hz = p->measured_clock_hz > p->reported_clock_hz ? p->measured_clock_hz
                                                              : p->reported_clock_hz;
    p->flops_bound = p->threads * p->clock_hz * p->lanes * 2.0 * 2.0;

    p->sgemm_n = SGEMM_N;
    attn_probe_fma_flops();
    attn_probe_sgemm_flops(p->sgemm_n);
    for (int r = 0; r < FLOP_REPEATS; r++) {
        fma[r] = attn_probe_fma_flops();
        sgemm[r] = attn_probe_sgemm_flops(p->sgemm_n);
        if (!(fma[r] > 0 && sgemm[r] > 0))
            return attn_fail(diag, ATTN_ERR_NOMEM, "probe: cannot allocate SGEMM matrices");
    }
    p->fma = attn_spread_of(fma, FLOP_REPEATS);
    p->sgemm = attn_spread_of(sgemm, FLOP_REPEATS);

    p->stream_bytes = stream_bytes(p);
    if (attn_probe_stream(p->stream_bytes, STREAM_REPEATS, rates))
        return attn_fail(diag, ATTN_ERR_NOMEM, "probe: cannot allocate 3 x %llu B for STREAM",
                         (unsigned long long)p->stream_bytes);
    p->read = attn_spread_of(rates[ATTN_STREAM_READ], STREAM_REPEATS);
    p->copy = attn_spread_of(rates[ATTN_STREAM_COPY], STREAM_REPEATS);
    p->triad = attn_spread_of(rates[ATTN_STREAM_TRIAD], STREAM_REPEATS);
    return probe_levels(p, diag);
}
