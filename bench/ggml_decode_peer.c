/* ggml_decode_peer.c — times llama.cpp's CPU flash-attention, ggml_flash_attn_ext, for one decode
 * step on our decode shapes, so bench/peers_decode.py can put it beside our flash-decoding.
 *
 *   ggml_decode_peer --heads H --kv-heads KV --seq T --threads N --repeat R [--check-seq C]
 *
 * q is [128, 1 token, H] fp32, K and V are [128, T, KV] fp16 (V not transposed), no mask, scale
 * 1/sqrt(128), as llama.cpp calls it for one token (ggml.h's comment on ggml_flash_attn_ext gives
 * the layouts). GQA is ggml's broadcast: query head h reads KV head h / (H / KV). The graph is
 * built and planned once and computed R times after one warm-up; no threadpool is attached, so
 * each compute runs one OpenMP team, as ggml's CPU backend does without one.
 *
 * Correctness, against a double-precision softmax(q K^T / sqrt(128)) V computed here from the
 * same fp16 K and V: a separate run at t = C (default 256) must be within rel err 1e-2 or the
 * peer exits 1; the timed run's rel err is printed too, as information: for a single token,
 * ops.cpp's ggml_compute_forward_flash_attn_ext_f16_one_chunk accumulates P.V of an fp16 V in
 * an fp16 vector, so its error grows with t.
 *
 * Output: one line of key=value pairs (times in ms, cache bytes = 2 * T * KV * 128 * 2).
 * Built by bench/llama_peer.py against the ggml that llama-cpp-python's sdist vendors; not part
 * of the meson build. Exit 0 on success, 1 on a failure, 2 on bad usage.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml.h"
#include "ggml-cpu.h"

#define HEAD_DIM 128
#define CHECK_LIMIT 1e-2
/* the largest cache this peer allocates: 16 GiB, twice the 8/8 row at t = 4M */
#define MAX_CACHE_BYTES ((size_t)16 << 30)

struct shape {
    long heads, kv_heads, seq;
};

struct decode {
    struct ggml_context *ctx;
    struct ggml_tensor *q, *k, *v, *out;
    struct ggml_cgraph *graph;
    struct ggml_cplan plan;
    uint8_t *work;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* xorshift64*, uniform in [-1, 1): the same inputs on every run */
static float uniform(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (float)((*state * 2685821657736338717ull >> 40) * (2.0 / (1ull << 24)) - 1.0);
}

static size_t cache_bytes(const struct shape *s)
{
    return 2 * (size_t)s->seq * (size_t)s->kv_heads * HEAD_DIM * sizeof(ggml_fp16_t);
}

static void fill_fp16(struct ggml_tensor *t, long rows, uint64_t *state)
{
    float row[HEAD_DIM];
    ggml_fp16_t *data = t->data;
    for (long r = 0; r < rows; r++) {
        for (int d = 0; d < HEAD_DIM; d++)
            row[d] = uniform(state);
        ggml_fp32_to_fp16_row(row, data + (size_t)r * HEAD_DIM, HEAD_DIM);
    }
}

static int decode_init(struct decode *g, const struct shape *s, int threads)
{
    memset(g, 0, sizeof *g);
    size_t q_bytes = (size_t)s->heads * HEAD_DIM * sizeof(float);
    struct ggml_init_params params = {
        .mem_size = 2 * q_bytes + cache_bytes(s) + 8 * ggml_tensor_overhead()
                    + ggml_graph_overhead() + (1 << 20),
        .mem_buffer = NULL,
        .no_alloc = false,
    };
    g->ctx = ggml_init(params);
    if (!g->ctx) {
        fprintf(stderr, "ggml_decode_peer: ggml_init of %zu bytes failed\n", params.mem_size);
        return 1;
    }
    g->q = ggml_new_tensor_3d(g->ctx, GGML_TYPE_F32, HEAD_DIM, 1, s->heads);
    g->k = ggml_new_tensor_3d(g->ctx, GGML_TYPE_F16, HEAD_DIM, s->seq, s->kv_heads);
    g->v = ggml_new_tensor_3d(g->ctx, GGML_TYPE_F16, HEAD_DIM, s->seq, s->kv_heads);
    g->out = ggml_flash_attn_ext(g->ctx, g->q, g->k, g->v, NULL, 1.0f / sqrtf(HEAD_DIM), 0.0f,
                                 0.0f);
    g->graph = ggml_new_graph(g->ctx);
    ggml_build_forward_expand(g->graph, g->out);

    uint64_t state = 0x9e3779b97f4a7c15ull;
    float *q = g->q->data;
    for (long i = 0; i < s->heads * HEAD_DIM; i++)
        q[i] = uniform(&state);
    fill_fp16(g->k, s->seq * s->kv_heads, &state);
    fill_fp16(g->v, s->seq * s->kv_heads, &state);

    g->plan = ggml_graph_plan(g->graph, threads, NULL);
    if (g->plan.work_size) {
        g->work = malloc(g->plan.work_size);
        if (!g->work) {
            fprintf(stderr, "ggml_decode_peer: no memory for a %zu-byte work buffer\n",
                    g->plan.work_size);
            return 1;
        }
        g->plan.work_data = g->work;
    }
    return 0;
}

static void decode_free(struct decode *g)
{
    free(g->work);
    if (g->ctx)
        ggml_free(g->ctx);
}

static int compute(struct decode *g)
{
    enum ggml_status status = ggml_graph_compute(g->graph, &g->plan);
    if (status != GGML_STATUS_SUCCESS) {
        fprintf(stderr, "ggml_decode_peer: ggml_graph_compute returned %d\n", (int)status);
        return 1;
    }
    return 0;
}

/* RMS relative error of the output against the double reference (analyzer/measure.c's
 * measure), from the fp16 K and V as stored; -1 when an output is not finite */
static double rel_err(const struct decode *g, const struct shape *s)
{
    const float *q = g->q->data, *out = g->out->data;
    const ggml_fp16_t *k = g->k->data, *v = g->v->data;
    long group = s->heads / s->kv_heads;
    double *score = malloc(s->seq * sizeof *score);
    float row[HEAD_DIM];
    double err2 = 0, ref2 = 0;
    if (!score)
        return -1;
    for (long h = 0; h < s->heads; h++) {
        size_t base = (size_t)(h / group) * s->seq;
        double max = -INFINITY, sum = 0, o[HEAD_DIM] = {0};
        for (long j = 0; j < s->seq; j++) {
            ggml_fp16_to_fp32_row(k + (base + j) * HEAD_DIM, row, HEAD_DIM);
            double dot = 0;
            for (int d = 0; d < HEAD_DIM; d++)
                dot += (double)q[h * HEAD_DIM + d] * row[d];
            score[j] = dot / sqrt(HEAD_DIM);
            max = fmax(max, score[j]);
        }
        for (long j = 0; j < s->seq; j++) {
            double p = exp(score[j] - max);
            sum += p;
            ggml_fp16_to_fp32_row(v + (base + j) * HEAD_DIM, row, HEAD_DIM);
            for (int d = 0; d < HEAD_DIM; d++)
                o[d] += p * row[d];
        }
        for (int d = 0; d < HEAD_DIM; d++) {
            double got = out[h * HEAD_DIM + d], ref = o[d] / sum;
            if (!isfinite(got)) {
                free(score);
                return -1;
            }
            err2 += (got - ref) * (got - ref);
            ref2 += ref * ref;
        }
    }
    free(score);
    return ref2 > 0 ? sqrt(err2 / ref2) : sqrt(err2);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the check at a small t: a separate graph, computed once */
static int check(const struct shape *timed, long seq, int threads, double *err)
{
    struct shape s = {timed->heads, timed->kv_heads, seq};
    struct decode g;
    int rc = decode_init(&g, &s, threads) || compute(&g);
    if (!rc) {
        *err = rel_err(&g, &s);
        if (*err < 0 || *err > CHECK_LIMIT) {
            fprintf(stderr, "ggml_decode_peer: ggml_flash_attn_ext differs from the double "
                            "reference at heads %ld, kv heads %ld, t %ld: rel err %g "
                            "(limit %g; -1: non-finite output)\n",
                    s.heads, s.kv_heads, seq, *err, CHECK_LIMIT);
            rc = 1;
        }
    }
    decode_free(&g);
    return rc;
}

static int timed_run(const struct shape *s, int threads, int repeat, double check_err,
                     long check_seq)
{
    struct decode g;
    double *ms = malloc(repeat * sizeof *ms);
    if (!ms) {
        fprintf(stderr, "ggml_decode_peer: no memory for %d times\n", repeat);
        return 1;
    }
    int rc = decode_init(&g, s, threads) || compute(&g);
    for (int i = 0; i < repeat && !rc; i++) {
        double start = now_ms();
        rc = compute(&g);
        ms[i] = now_ms() - start;
    }
    if (!rc) {
        double err = rel_err(&g, s);
        if (err < 0) {
            fprintf(stderr, "ggml_decode_peer: non-finite output at t %ld\n", s->seq);
            rc = 1;
        } else {
            qsort(ms, repeat, sizeof *ms, cmp_double);
            double median = repeat % 2 ? ms[repeat / 2]
                                       : (ms[repeat / 2 - 1] + ms[repeat / 2]) / 2;
            printf("ggml_flash_attn_ext heads=%ld kv_heads=%ld seq=%ld head_dim=%d threads=%d "
                   "repeat=%d median_ms=%.4f min_ms=%.4f max_ms=%.4f cache_bytes=%zu "
                   "gbps=%.3f rel_err=%.3e check_seq=%ld check_rel_err=%.3e\n",
                   s->heads, s->kv_heads, s->seq, HEAD_DIM, threads, repeat, median, ms[0],
                   ms[repeat - 1], cache_bytes(s), cache_bytes(s) / median / 1e6, err, check_seq,
                   check_err);
            rc = fflush(stdout) != 0 || ferror(stdout);
        }
    }
    decode_free(&g);
    free(ms);
    return rc;
}

static int parse(const char *flag, const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long value = text ? strtol(text, &end, 10) : 0;
    if (!text || errno || *end || end == text || value < 1 || value > max) {
        fprintf(stderr, "ggml_decode_peer: %s: '%s' is not a whole number in 1..%ld\n", flag,
                text ? text : "", max);
        return 2;
    }
    *out = value;
    return 0;
}

int main(int argc, char **argv)
{
    struct shape s = {0, 0, 0};
    long threads = 0, repeat = 0, check_seq = 256;
    struct {
        const char *flag;
        long max, *value;
    } opts[] = {{"--heads", 4096, &s.heads},       {"--kv-heads", 4096, &s.kv_heads},
                {"--seq", 1L << 24, &s.seq},       {"--threads", 1024, &threads},
                {"--repeat", 10000, &repeat},      {"--check-seq", 1L << 24, &check_seq}};
    for (int i = 1; i < argc; i += 2) {
        size_t o = 0;
        while (o < sizeof opts / sizeof *opts && strcmp(argv[i], opts[o].flag))
            o++;
        if (o == sizeof opts / sizeof *opts) {
            fprintf(stderr, "ggml_decode_peer: unknown argument '%s'\n", argv[i]);
            return 2;
        }
        if (parse(argv[i], i + 1 < argc ? argv[i + 1] : NULL, opts[o].max, opts[o].value))
            return 2;
    }
    for (size_t o = 0; o < sizeof opts / sizeof *opts; o++)
        if (!*opts[o].value) {
            fprintf(stderr, "ggml_decode_peer: %s is required\n", opts[o].flag);
            return 2;
        }
    if (s.heads % s.kv_heads) {
        fprintf(stderr, "ggml_decode_peer: --heads %ld is not a multiple of --kv-heads %ld\n",
                s.heads, s.kv_heads);
        return 2;
    }
    if (cache_bytes(&s) > MAX_CACHE_BYTES) {
        fprintf(stderr, "ggml_decode_peer: a cache of %zu bytes (--seq %ld, --kv-heads %ld) is "
                        "over this peer's %zu\n", cache_bytes(&s), s.seq, s.kv_heads,
                MAX_CACHE_BYTES);
        return 2;
    }
    ggml_cpu_init();
    double check_err = 0;
    if (check(&s, check_seq, (int)threads, &check_err))
        return 1;
    return timed_run(&s, (int)threads, (int)repeat, check_err, check_seq);
}
