/* decode_cycles.c — the decode kernel alone: lanes_chunk (decode_isa.h) over an L2-resident
 * cache on one core, without the tasks, the fork, the merge or the bench around it, so that a
 * change to the kernel's loops shows at its own size (a few percent) on a machine whose memory
 * moves more than that between runs. bench/decode_peers.md's kernel-alone numbers come from
 * it, run alternately against a build of the previous commit.
 *
 *   decode_cycles [STORE [PARTS [KEYS [REPEATS]]]]   (fp16 1 256 200)
 *
 * PARTS KV heads of lanes / PARTS query heads each fill the vector lanes (1: GQA 8 under AVX2,
 * 8: MHA). KEYS cache rows of d 128 per KV head, K and V, filled with random values of the
 * store; the online softmax runs on across the repeats. Prints the best repeat: ns per key and
 * KV head, and the one core's GFLOP/s of attention (2 x heads x keys x 256).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"
#include "decode_isa.h"

enum { HEAD_DIM = 128 };

static int usage(void)
{
    fprintf(stderr, "usage: decode_cycles [STORE [PARTS [KEYS [REPEATS]]]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const attn_decode_isa *isa = attn_decode_isa_best();
    const int64_t w = isa->lanes;
    attn_dtype store = ATTN_DTYPE_FP16;
    if (argc > 5 || (argc > 1 && attn_dtype_parse(argv[1], &store) != ATTN_OK))
        return usage();
    const int parts = argc > 2 ? atoi(argv[2]) : 1;
    const int64_t keys = argc > 3 ? atoll(argv[3]) : 256;
    const int repeats = argc > 4 ? atoi(argv[4]) : 200;
    const size_t size = attn_dtype_size(store);
    if (parts < 1 || w % parts || keys < 1 || repeats < 1 || size == 0)
        return usage();
    /* 64-byte aligned as the kernels' workspace and caches are: a vector load that straddles
     * two cache lines costs two */
    const size_t row = HEAD_DIM * size, bytes = (size_t)(keys * parts) * row;
    const size_t state_bytes = (size_t)(w * (2 * HEAD_DIM + 4 + DECODE_LANES_KEYS)) * sizeof(float);
    unsigned char *k = aligned_alloc(64, (bytes + 63) / 64 * 64);
    unsigned char *v = aligned_alloc(64, (bytes + 63) / 64 * 64);
    float *k_scale = aligned_alloc(64, (size_t)(DECODE_LANES_KEYS * w) * sizeof *k_scale);
    float *state = aligned_alloc(64, (state_bytes + 63) / 64 * 64);
    if (!k || !v || !k_scale || !state)
        return 1;
    memset(state, 0, state_bytes);
    float *values = malloc(bytes / size * sizeof *values);
    if (!values)
        return 1;
    for (int part = 0; part < 2; part++) {
        for (size_t i = 0; i < bytes / size; i++)
            values[i] = (float)rand() / (float)RAND_MAX - 0.5f;
        attn_dtype_from_f32(store, values, bytes / size, part ? v : k);
    }
    for (int64_t i = 0; i < DECODE_LANES_KEYS * w; i++)
        k_scale[i] = 1.0f;
    attn_qtile t = {.rows = w, .rows_pad = w, .d_qk = HEAD_DIM, .d_v = HEAD_DIM,
                    .d_v_pad = HEAD_DIM, .qt = state};
    t.limit = (int32_t *)(state + w * HEAD_DIM);
    t.st = (float *)t.limit + w;
    t.m = t.st + DECODE_LANES_KEYS * w;
    t.l = t.m + w;
    t.corr = t.l + w;
    t.acc = t.corr + w;
    for (int64_t i = 0; i < w * HEAD_DIM; i++)
        t.qt[i] = ((float)rand() / (float)RAND_MAX - 0.5f) * 0.1f;
    for (int64_t i = 0; i < w; i++)
        t.limit[i] = INT32_MAX;
    attn_qtile_reset(&t);
    static attn_drows rows;
    rows.k_part = rows.v_part = (ptrdiff_t)(keys * (int64_t)row);
    const float *scale = store == ATTN_DTYPE_INT8 ? k_scale : NULL;
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        const double start = omp_get_wtime();
        for (int64_t first = 0; first < keys; first += DECODE_LANES_KEYS) {
            const int64_t count = keys - first < DECODE_LANES_KEYS ? keys - first
                                                                    : DECODE_LANES_KEYS;
            for (int64_t j = 0; j < count; j++) {
                rows.k[j] = k + (size_t)(first + j) * row;
                rows.v[j] = v + (size_t)(first + j) * row;
                rows.k_ahead[j] = rows.v_ahead[j] = NULL;
            }
            isa->lanes_chunk(&t, &rows, store, scale, scale, count, parts);
        }
        const double took = omp_get_wtime() - start;
        best = took < best ? took : best;
    }
    const double per_key_head = best / (double)(keys * parts);
    printf("decode_cycles %s %s parts %d keys %lld: %.2f ns per key and KV head, %.1f GFLOP/s "
           "on one core\n",
           isa->name, attn_dtype_name(store), parts, (long long)keys, per_key_head * 1e9,
           2.0 * (double)(w * keys) * 2 * HEAD_DIM / best / 1e9);
    free(values);
    free(k);
    free(v);
    free(k_scale);
    free(state);
    return 0;
}
