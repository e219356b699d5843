/* probe.h — the roofline of the machine at hand (`attnscope devices --probe`): peak FLOP/s
 * from an OpenBLAS SGEMM and from an FMA loop, memory bandwidth from STREAM-style read, copy
 * and triad over arrays far larger than the last-level cache, and the caches from sysfs.
 * Every rate is a spread over repeats (min, median, max), never one sample, and comes with the
 * bound the clock and vector width allow, so a number that cannot be true is visible.
 *
 * The result is saved as the `local` device preset (probe_save.c), which attn_device_load
 * finds by name, so cost, plot roofline and report take --device local.
 */
#ifndef ATTN_PROBE_H
#define ATTN_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "attnscope.h"
#include "kernels.h"

typedef struct attn_spread {
    double min, median, max;
    int repeats;
} attn_spread;

typedef struct attn_probe {
    char cpu_model[128];
    int threads;               /* OpenMP and OpenBLAS threads the loops ran on */
    double clock_hz;           /* the larger of the reported and the measured clock */
    double reported_clock_hz;  /* sysfs cpuinfo_max_freq, else /proc/cpuinfo "cpu MHz" */
    double measured_clock_hz;  /* one dependent add per cycle, timed */
    char clock_source[96];
    const char *isa;           /* the FMA loop's instruction set: avx512f, avx2+fma, baseline */
    int lanes;                 /* fp32 lanes per vector instruction of that set */
    double flops_bound;        /* threads x clock x lanes x 2 (FMA) x 2 (FMA pipes per core) */
    attn_spread fma, sgemm;    /* FLOP/s */
    int64_t sgemm_n;
    attn_spread read, copy, triad; /* bytes/s, STREAM's counting (no write-allocate bytes) */
    uint64_t stream_bytes;     /* per array */
    attn_cpu_cache caches[16];
    size_t ncaches;
    uint64_t memory_bytes;     /* physical memory */
    /* read bandwidth with the data in each data cache level (probe_levels.c), caches[] order;
     * level_bytes 0 where a level was not measured (instruction caches) */
    attn_spread level_read[16];
    uint64_t level_bytes[16];
} attn_probe;

/* Measures the machine on the current thread count. Takes a few seconds. */
int attn_probe_run(attn_probe *out, attn_diag *diag);

/* The loops (probe_loops.c); each returns its rate, or 0 when it cannot allocate. */
double attn_probe_fma_flops(void);
double attn_probe_sgemm_flops(int64_t n);
typedef enum { ATTN_STREAM_READ, ATTN_STREAM_COPY, ATTN_STREAM_TRIAD } attn_stream_kind;
/* Rates of `repeats` passes of each kind over three arrays of `bytes` (rates[kind][repeat]). */
int attn_probe_stream(uint64_t bytes, int repeats, double (*rates)[32]);
double attn_probe_clock_hz(void);
/* XOR of (a[i] + offset) over a[0 .. count): the read loops' body, in the widest vectors the
 * CPU has with independent accumulators, so it measures load bandwidth and not the latency of
 * one XOR chain (a scalar chain read 12 GB/s per core from L1). `offset` differs per pass so
 * that repeated passes over one array cannot be folded into one. */
typedef uint64_t (*attn_read_loop)(const uint64_t *a, size_t count, uint64_t offset);
/* The widest such loop this CPU runs, chosen once before a timed loop calls it. */
attn_read_loop attn_probe_read_loop(void);
/* Read rate with `bytes` in all (over the threads) resident in one cache level. */
int attn_probe_level(uint64_t bytes, attn_spread *out);
/* min, median, max of n rates (sorts them). */
attn_spread attn_spread_of(double *values, int n);
/* Which FMA loop the CPU runs and its fp32 lanes. */
const char *attn_probe_isa(int *lanes);

/* Writes the `local` preset to path (atomically; directories made as needed). */
int attn_probe_save(const attn_probe *probe, const char *path, attn_diag *diag);

#endif
