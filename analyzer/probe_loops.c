/* probe_loops.c — the timed loops of the local roofline probe (probe.h).
 *
 * The FMA loop is built for three instruction sets (GCC target_clones: AVX-512, AVX2+FMA,
 * the x86-64 baseline) and the CPU picks the widest it runs; its chains are independent and
 * enough of them to cover the FMA latency times two pipes, so it measures issue rate, not
 * latency. The clock is measured too, by a chain of dependent adds (one cycle each), because
 * a VM's /proc/cpuinfo shows the nominal clock while the cores may run at their boost clock.
 * STREAM counts bytes as STREAM does (copy 2, triad 3 arrays; no write-allocate reads).
 */
#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"

enum { CHAINS = 8, LANES_PER_VECTOR = 16 };
#define FMA_ITERATIONS 20000000L
#define CLOCK_ADDS 200000000L

typedef float attn_v16 __attribute__((vector_size(64)));

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FMA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FMA_CLONES
#endif

/* CHAINS independent vector FMAs per iteration: 2 x 16 x CHAINS FLOPs. */
FMA_CLONES static float fma_chains(long iterations, float seed)
{
    attn_v16 acc[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        acc[c] = (attn_v16){0} + seed * (float)(c + 1);
    const attn_v16 m = (attn_v16){0} + 0.999999f, a = (attn_v16){0} + 1e-7f;
    for (long i = 0; i < iterations; i++) {
#pragma GCC unroll 8
        for (int c = 0; c < CHAINS; c++)
            acc[c] = acc[c] * m + a;
    }
    float sum = 0;
    for (int c = 0; c < CHAINS; c++)
        for (int l = 0; l < LANES_PER_VECTOR; l++)
            sum += acc[c][l];
    return sum;
}

static volatile float fma_sink;

double attn_probe_fma_flops(void)
{
    int threads = omp_get_max_threads();
    double start = now();
#pragma omp parallel
    {
        float sum = fma_chains(FMA_ITERATIONS, 1e-3f * (float)(omp_get_thread_num() + 1));
#pragma omp atomic
        fma_sink += sum;
    }
    double seconds = now() - start;
    return 2.0 * LANES_PER_VECTOR * CHAINS * (double)FMA_ITERATIONS * threads / seconds;
}

const char *attn_probe_isa(int *lanes)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        *lanes = 16;
        return "avx512f";
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *lanes = 8;
        return "avx2+fma";
    }
#endif
    *lanes = 4;
    return "baseline (4 fp32 lanes)";
}

double attn_probe_clock_hz(void)
{
    unsigned long x = 0;
    double start = now();
#pragma GCC unroll 4
    for (long i = 0; i < CLOCK_ADDS; i++) {
        x += 1;
        __asm__ volatile("" : "+r"(x)); /* keeps every add, each waiting for the last */
    }
    return (double)x / (now() - start);
}

double attn_probe_sgemm_flops(int64_t n)
{
    size_t elems = (size_t)(n * n);
    float *a = malloc(elems * sizeof *a), *b = malloc(elems * sizeof *b),
          *c = malloc(elems * sizeof *c);
    double rate = 0;
    if (a && b && c) {
        for (size_t i = 0; i < elems; i++) {
            a[i] = (float)(i % 7) * 0.25f;
            b[i] = (float)(i % 5) * 0.5f;
            c[i] = 0;
        }
        double start = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a,
                    (int)n, b, (int)n, 0.0f, c, (int)n);
        rate = 2.0 * (double)n * (double)n * (double)n / (now() - start);
    }
    free(a);
    free(b);
    free(c);
    return rate;
}

static volatile uint64_t stream_sink;

/* read XORs the arrays' bits rather than adding doubles: a dependent FP add chain is slower
 * than DRAM on one core, an integer XOR is not, and both load every byte. */
static double stream_pass(attn_stream_kind kind, double *a, const double *b, double *c,
                          size_t count)
{
    const uint64_t *bits = (const uint64_t *)a;
    uint64_t x = 0;
    double start = now();
    switch (kind) {
    case ATTN_STREAM_READ:
#pragma omp parallel for reduction(^ : x) schedule(static)
        for (size_t i = 0; i < count; i++)
            x ^= bits[i];
        break;
    case ATTN_STREAM_COPY:
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < count; i++)
            c[i] = a[i];
        break;
    case ATTN_STREAM_TRIAD:
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < count; i++)
            a[i] = b[i] + 3.0 * c[i];
        break;
    }
    double seconds = now() - start;
    stream_sink = x;
    static const double arrays[] = {1, 2, 3};
    return arrays[kind] * (double)(count * sizeof *a) / seconds;
}

int attn_probe_stream(uint64_t bytes, int repeats, double (*rates)[32])
{
    size_t count = (size_t)(bytes / sizeof(double));
    double *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b),
           *c = malloc(count * sizeof *c);
    int rc = a && b && c && repeats <= 32 ? ATTN_OK : ATTN_ERR_NOMEM;
    if (!rc) {
        /* First touch by the threads that will stream each part (NUMA placement). */
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < count; i++) {
            a[i] = 1.0;
            b[i] = 2.0;
            c[i] = 0.5;
        }
        for (int kind = ATTN_STREAM_READ; kind <= ATTN_STREAM_TRIAD; kind++) {
            stream_pass((attn_stream_kind)kind, a, b, c, count); /* warm-up */
            for (int r = 0; r < repeats; r++)
                rates[kind][r] = stream_pass((attn_stream_kind)kind, a, b, c, count);
        }
    }
    free(a);
    free(b);
    free(c);
    return rc;
}
