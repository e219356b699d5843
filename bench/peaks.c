/* peaks.c — the two practical peaks the kernels are held against, measured on the spot:
 * OpenBLAS SGEMM GFLOP/s (the same OpenBLAS libattnscope links) and a STREAM-style read
 * bandwidth. bench/peers.py runs it; it prints one CSV line per measurement.
 *
 *   peaks sgemm M N K [REPEATS]   C = A·B, row-major fp32, threads from OMP_NUM_THREADS
 *   peaks read BYTES [REPEATS]    sum of a BYTES-long fp32 array, split over the threads
 *
 * Each measurement is warmed up once and repeated; the line gives the median and best rate.
 * The read loop is compiled for AVX-512, AVX2 and baseline x86-64 (target_clones) and the
 * loader picks one, so the probe reads as fast as the machine allows.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#define MAX_REPEATS 101

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, const char *shape, double amount, double *seconds, int n,
                   const char *unit)
{
    qsort(seconds, (size_t)n, sizeof *seconds, compare_doubles);
    printf("%s,%s,%.4g,%.4g,%s\n", what, shape, amount / seconds[n / 2] / 1e9,
           amount / seconds[0] / 1e9, unit);
}

static int run_sgemm(int m, int n, int k, int repeats)
{
    float *a = malloc(sizeof(float) * (size_t)m * (size_t)k);
    float *b = malloc(sizeof(float) * (size_t)k * (size_t)n);
    float *c = malloc(sizeof(float) * (size_t)m * (size_t)n);
    if (!a || !b || !c) {
        fprintf(stderr, "peaks: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)m * (size_t)k; i++)
        a[i] = (float)(i % 7) * 1e-3f;
    for (size_t i = 0; i < (size_t)k * (size_t)n; i++)
        b[i] = (float)(i % 5) * 1e-3f;
    double seconds[MAX_REPEATS];
    for (int r = -1; r < repeats; r++) {
        double start = omp_get_wtime();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f,
                    c, n);
        if (r >= 0)
            seconds[r] = omp_get_wtime() - start;
    }
    char shape[64];
    snprintf(shape, sizeof shape, "%dx%dx%d", m, n, k);
    report("sgemm", shape, 2.0 * m * n * k, seconds, repeats, "GFLOP/s");
    free(a);
    free(b);
    free(c);
    return 0;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static float read_sum(const float *x, size_t count)
{
    float sum = 0.0f;
#pragma omp parallel for simd reduction(+ : sum) schedule(static)
    for (size_t i = 0; i < count; i++)
        sum += x[i];
    return sum;
}

static int run_read(size_t bytes, int repeats)
{
    size_t count = bytes / sizeof(float);
    float *x = malloc(count * sizeof *x);
    if (!x) {
        fprintf(stderr, "peaks: out of memory\n");
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++) /* first touch by the thread that will read it */
        x[i] = 1.0f;
    double seconds[MAX_REPEATS];
    volatile float sink = 0.0f;
    for (int r = -1; r < repeats; r++) {
        double start = omp_get_wtime();
        sink += read_sum(x, count);
        if (r >= 0)
            seconds[r] = omp_get_wtime() - start;
    }
    char shape[32];
    snprintf(shape, sizeof shape, "%zu", bytes);
    report("read", shape, (double)(count * sizeof *x), seconds, repeats, "GB/s");
    free(x);
    return 0;
}

int main(int argc, char **argv)
{
    int repeats = 0;
    if (argc >= 5 && strcmp(argv[1], "sgemm") == 0) {
        repeats = argc > 5 ? atoi(argv[5]) : 5;
        if (repeats >= 1 && repeats <= MAX_REPEATS)
            return run_sgemm(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), repeats);
    } else if (argc >= 3 && strcmp(argv[1], "read") == 0) {
        repeats = argc > 3 ? atoi(argv[3]) : 11;
        if (repeats >= 1 && repeats <= MAX_REPEATS)
            return run_read((size_t)strtoull(argv[2], NULL, 10), repeats);
    }
    fprintf(stderr, "usage: peaks sgemm M N K [REPEATS] | peaks read BYTES [REPEATS]\n");
    return 2;
}
