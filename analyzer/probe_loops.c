/* probe_loops.c — the timed loops of the local roofline probe (probe.h).
 *
 * The FMA loop exists for three instruction sets (AVX-512, AVX2+FMA, the x86-64 baseline's
 * SSE mul+add) and the CPU runs the widest it has. Each is written with that set's intrinsics
 * on its native register width: a generic 64-byte vector type compiled for AVX2 spilled every
 * accumulator to the stack and measured a tenth of the roof. CHAINS independent accumulators
 * cover FMA latency x FMA pipes (4-5 cycles x 2 pipes on current x86 cores, so >= 10 in
 * flight) and still fit the 16 vector registers of AVX2 with the two constants, so the loop
 * measures issue rate, not latency, and every OpenMP thread runs one copy. The clock is
 * measured too, by a chain of dependent adds (one cycle each), because a VM's /proc/cpuinfo
 * shows the nominal clock while the cores may run at their boost clock.
 * STREAM counts bytes as STREAM does (copy 2, triad 3 arrays; no write-allocate reads).
 * The read loop is likewise one per instruction set, READ_CHAINS vector XORs in flight: with
 * one scalar XOR chain the "read roof" was the chain's latency (12 GB/s per core from L1, and
 * below what the decode kernels stream from DRAM on some machines).
 */
#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"

enum { CHAINS = 12, READ_CHAINS = 4 };
#define FMA_ITERATIONS 20000000L
#define CLOCK_ADDS 200000000L

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One FMA loop per instruction set: VEC the register type, SET1/FMA/ADD/STORE its
 * intrinsics; returns a sum of the accumulators so no chain is dead code. */
#define FMA_LOOP(name, target, VEC, SET1, FMA, ADD, STORE, lanes)                             \
    target static float name(long iterations, float seed)                                   \
    {                                                                                        \
        VEC acc[CHAINS];                                                                     \
        for (int c = 0; c < CHAINS; c++)                                                     \
            acc[c] = SET1(seed * (float)(c + 1));                                            \
        const VEC m = SET1(0.999999f), a = SET1(1e-7f);                                      \
        for (long i = 0; i < iterations; i++) {                                              \
            _Pragma("GCC unroll 12") for (int c = 0; c < CHAINS; c++) acc[c] =               \
                FMA(acc[c], m, a);                                                           \
        }                                                                                    \
        for (int c = 1; c < CHAINS; c++)                                                     \
            acc[0] = ADD(acc[0], acc[c]);                                                    \
        float out[lanes], sum = 0;                                                           \
        STORE(out, acc[0]);                                                                  \
        for (int l = 0; l < (lanes); l++)                                                    \
            sum += out[l];                                                                   \
        return sum;                                                                          \
    }

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SSE_FMA(x, m, a) _mm_add_ps(_mm_mul_ps((x), (m)), (a))
FMA_LOOP(fma_avx512, __attribute__((target("avx512f"))), __m512, _mm512_set1_ps,
         _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, 16)
FMA_LOOP(fma_avx2, __attribute__((target("avx2,fma"))), __m256, _mm256_set1_ps,
         _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps, 8)
FMA_LOOP(fma_sse, , __m128, _mm_set1_ps, SSE_FMA, _mm_add_ps, _mm_storeu_ps, 4)

static float fma_chains(int lanes, long iterations, float seed)
{
    return lanes == 16  ? fma_avx512(iterations, seed)
           : lanes == 8 ? fma_avx2(iterations, seed)
                        : fma_sse(iterations, seed);
}
#else
typedef float attn_v4 __attribute__((vector_size(16)));
static attn_v4 v4_set1(float x) { return (attn_v4){x, x, x, x}; }
static void v4_store(float *out, attn_v4 v) { memcpy(out, &v, sizeof v); }
#define V4_FMA(x, m, a) ((x) * (m) + (a))
#define V4_ADD(x, y) ((x) + (y))
FMA_LOOP(fma_generic, , attn_v4, v4_set1, V4_FMA, V4_ADD, v4_store, 4)

static float fma_chains(int lanes, long iterations, float seed)
{
    (void)lanes;
    return fma_generic(iterations, seed);
}
#endif

/* One read loop per instruction set: VEC the integer register type (lanes 64-bit words),
 * LOAD/XOR/ADD/SET1 its intrinsics. */
#define READ_LOOP(name, target, VEC, LOAD, XOR, ADD, SET1, lanes)                          \
    target static uint64_t name(const uint64_t *a, size_t count, uint64_t offset)           \
    {                                                                                        \
        const VEC add = SET1((long long)offset);                                             \
        VEC acc[READ_CHAINS];                                                                \
        for (int c = 0; c < READ_CHAINS; c++)                                                \
            acc[c] = add;                                                                    \
        const size_t step = (size_t)(lanes)*READ_CHAINS, whole = count / step * step;       \
        for (size_t i = 0; i < whole; i += step)                                             \
            _Pragma("GCC unroll 8") for (int c = 0; c < READ_CHAINS; c++) acc[c] =           \
                XOR(acc[c], ADD(LOAD((const void *)(a + i + (size_t)c * (lanes))), add));    \
        uint64_t words[lanes], x = 0;                                                        \
        for (int c = 0; c < READ_CHAINS; c++) {                                              \
            memcpy(words, &acc[c], sizeof words);                                            \
            for (int l = 0; l < (lanes); l++)                                                \
                x ^= words[l];                                                               \
        }                                                                                    \
        for (size_t i = whole; i < count; i++)                                               \
            x ^= a[i] + offset;                                                              \
        return x;                                                                            \
    }

#if defined(__x86_64__) && defined(__GNUC__)
READ_LOOP(read_avx512, __attribute__((target("avx512f"))), __m512i, _mm512_loadu_si512,
          _mm512_xor_si512, _mm512_add_epi64, _mm512_set1_epi64, 8)
READ_LOOP(read_avx2, __attribute__((target("avx2"))), __m256i, _mm256_loadu_si256,
          _mm256_xor_si256, _mm256_add_epi64, _mm256_set1_epi64x, 4)
READ_LOOP(read_sse, , __m128i, _mm_loadu_si128, _mm_xor_si128, _mm_add_epi64, _mm_set1_epi64x,
          2)

attn_read_loop attn_probe_read_loop(void)
{
    int lanes;
    attn_probe_isa(&lanes);
    return lanes == 16 ? read_avx512 : lanes == 8 ? read_avx2 : read_sse;
}
#else
static uint64_t read_generic(const uint64_t *a, size_t count, uint64_t offset)
{
    uint64_t x[READ_CHAINS] = {0};
    size_t i = 0;
    for (; i + READ_CHAINS <= count; i += READ_CHAINS)
        for (int c = 0; c < READ_CHAINS; c++)
            x[c] ^= a[i + (size_t)c] + offset;
    for (; i < count; i++)
        x[0] ^= a[i] + offset;
    return x[0] ^ x[1] ^ x[2] ^ x[3];
}

attn_read_loop attn_probe_read_loop(void)
{
    return read_generic;
}
#endif

static volatile float fma_sink;

double attn_probe_fma_flops(void)
{
    int lanes, threads = omp_get_max_threads();
    attn_probe_isa(&lanes);
    double start = now();
#pragma omp parallel
    {
        float sum = fma_chains(lanes, FMA_ITERATIONS, 1e-3f * (float)(omp_get_thread_num() + 1));
#pragma omp atomic
        fma_sink += sum;
    }
    double seconds = now() - start;
    return 2.0 * lanes * CHAINS * (double)FMA_ITERATIONS * threads / seconds;
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
    const attn_read_loop read_loop = attn_probe_read_loop();
    uint64_t x = 0;
    double start = now();
    switch (kind) {
    case ATTN_STREAM_READ:
#pragma omp parallel reduction(^ : x)
        {
            size_t threads = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
            size_t lo = count * t / threads, hi = count * (t + 1) / threads;
            x ^= read_loop(bits + lo, hi - lo, 0);
        }
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
