/* paged_ratio.c — a paged cache against a contiguous one in one process, the issue 19 ratio
 * (paged within 10% of contiguous) taken in the same minutes: both caches hold the same K and
 * V, and each round times the two layouts back to back. On this VM the memory moves more than
 * 10% between runs minutes apart, which separate bench runs (peers_decode.py's rows) read
 * through; here a round's two layouts share whatever the host is doing.
 *
 *   paged_ratio [HEADS [KV_HEADS [T [STORE [ROUNDS]]]]]   (32 4 131072 fp16 9)
 *
 * Head dim 128, block 16, one sequence; threads from OMP_NUM_THREADS. Each round takes the
 * fastest of 5 calls of each layout; prints the median of each layout's times and the median,
 * least and greatest of the rounds' paged / contiguous ratios.
 */
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "attnscope.h"
#include "kernels.h"

enum { HEAD_DIM = 128, BLOCK = 16, CALLS = 5, MAX_ROUNDS = 99 };

static int usage(void)
{
    fprintf(stderr, "usage: paged_ratio [HEADS [KV_HEADS [T [STORE [ROUNDS]]]]]\n");
    return 2;
}

/* The fastest of CALLS calls over `cache`, in seconds. */
static double fastest(const attn_dims *dims, const attn_kv_owned *cache, const float *q, float *o)
{
    double best = 1e30;
    for (int i = 0; i < CALLS; i++) {
        attn_kernel_stats stats;
        const double start = omp_get_wtime();
        if (attn_cpu_decode_cache(dims, &cache->cache, q, o, &stats) != ATTN_OK)
            return -1.0;
        const double took = omp_get_wtime() - start;
        best = took < best ? took : best;
    }
    return best;
}

static double median(double *x, int n)
{
    gsl_sort(x, 1, (size_t)n);
    return gsl_stats_median_from_sorted_data(x, 1, (size_t)n);
}

int main(int argc, char **argv)
{
    attn_dtype store = ATTN_DTYPE_FP16;
    const int64_t heads = argc > 1 ? atoll(argv[1]) : 32, kv_heads = argc > 2 ? atoll(argv[2]) : 4;
    const int64_t t = argc > 3 ? atoll(argv[3]) : 131072;
    const int rounds = argc > 5 ? atoi(argv[5]) : 9;
    if (argc > 6 || (argc > 4 && attn_dtype_parse(argv[4], &store) != ATTN_OK) || heads < 1
        || kv_heads < 1 || heads % kv_heads || t < 1 || rounds < 1 || rounds > MAX_ROUNDS)
        return usage();
    const attn_dims dims = {.batch = 1, .heads = heads, .kv_heads = kv_heads, .n_q = 1,
                            .n_kv = t, .d_qk = HEAD_DIM, .d_v = HEAD_DIM};
    const size_t cache_floats = (size_t)(kv_heads * t * HEAD_DIM);
    float *k = malloc(cache_floats * sizeof *k), *v = malloc(cache_floats * sizeof *v);
    float *q = malloc((size_t)(heads * HEAD_DIM) * sizeof *q);
    float *o = malloc((size_t)(heads * HEAD_DIM) * sizeof *o);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!k || !v || !q || !o || !rng)
        return 1;
    for (size_t i = 0; i < cache_floats; i++) {
        k[i] = (float)gsl_rng_uniform(rng) - 0.5f;
        v[i] = (float)gsl_rng_uniform(rng) - 0.5f;
    }
    for (int64_t i = 0; i < heads * HEAD_DIM; i++)
        q[i] = (float)gsl_rng_uniform(rng) - 0.5f;
    attn_kv_owned contiguous, paged;
    if (attn_kv_cache_build(&dims, store, ATTN_KV_CONTIGUOUS, 0, 1, NULL, k, v, &contiguous)
        || attn_kv_cache_build(&dims, store, ATTN_KV_PAGED, BLOCK, 1, NULL, k, v, &paged)) {
        fprintf(stderr, "paged_ratio: could not build the caches\n");
        return 1;
    }
    double contiguous_s[MAX_ROUNDS], paged_s[MAX_ROUNDS], ratio[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        contiguous_s[r] = fastest(&dims, &contiguous, q, o);
        paged_s[r] = fastest(&dims, &paged, q, o);
        if (contiguous_s[r] <= 0 || paged_s[r] <= 0) {
            fprintf(stderr, "paged_ratio: a decode call failed\n");
            return 1;
        }
        ratio[r] = paged_s[r] / contiguous_s[r];
    }
    const double ratio_median = median(ratio, rounds);
    printf("paged_ratio %s %lld/%lld t %lld, %d threads, %d rounds: contiguous %.3f ms, paged "
           "%.3f ms (medians of each round's fastest of %d); paged / contiguous %.3f (rounds "
           "%.3f-%.3f)\n",
           attn_dtype_name(store), (long long)heads, (long long)kv_heads, (long long)t,
           omp_get_max_threads(), rounds, median(contiguous_s, rounds) * 1e3,
           median(paged_s, rounds) * 1e3, CALLS, ratio_median, ratio[0], ratio[rounds - 1]);
    attn_kv_cache_free(&contiguous);
    attn_kv_cache_free(&paged);
    gsl_rng_free(rng);
    free(k);
    free(v);
    free(q);
    free(o);
    return 0;
}
