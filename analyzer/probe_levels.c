/* probe_levels.c — read bandwidth at each cache level: the upper ceilings of the local
 * hierarchical roofline (DRAM's is STREAM's, probe.c).
 *
 * Each thread reads its own slice of an array sized to sit in one level (half of a private
 * cache per thread, half of the shared last level in all) many times over, without a barrier
 * between passes, so the time is the cache's and not OpenMP's. Adding the pass number before
 * the XOR keeps the compiler from folding repeated passes into one.
 */
#include <omp.h>
#include <stdlib.h>
#include <time.h>

#include "probe.h"

enum { LEVEL_REPEATS = 5 };
#define BYTES_PER_RUN 2e9 /* read per timed run, whatever the array size */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static volatile uint64_t level_sink;

/* Bytes per second reading `bytes` (split over the threads) `passes` times. */
static double read_rate(const uint64_t *a, size_t count, long passes)
{
    const attn_read_loop read_loop = attn_probe_read_loop();
    uint64_t x = 0;
    double start = now();
#pragma omp parallel reduction(^ : x)
    {
        size_t threads = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        size_t lo = count * t / threads, hi = count * (t + 1) / threads;
        for (long p = 0; p < passes; p++)
            x ^= read_loop(a + lo, hi - lo, (uint64_t)p);
    }
    double seconds = now() - start;
    level_sink = x;
    return (double)count * sizeof *a * (double)passes / seconds;
}

int attn_probe_level(uint64_t bytes, attn_spread *out)
{
    size_t count = (size_t)(bytes / sizeof(uint64_t));
    uint64_t *a = count ? malloc(count * sizeof *a) : NULL;
    if (!a)
        return ATTN_ERR_NOMEM;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        a[i] = i * 0x9E3779B97F4A7C15u;
    long passes = (long)(BYTES_PER_RUN / (double)bytes) + 1;
    double rates[LEVEL_REPEATS];
    read_rate(a, count, passes); /* warm-up: the array into the level */
    for (int r = 0; r < LEVEL_REPEATS; r++)
        rates[r] = read_rate(a, count, passes);
    free(a);
    *out = attn_spread_of(rates, LEVEL_REPEATS);
    return ATTN_OK;
}
