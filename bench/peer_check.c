/* peer_check.c — runs our flash prefill or decode kernel on inputs from a file, so that
 * bench/peers.py can hold its output against numpy and PyTorch on the very same numbers.
 *
 *   peer_check prefill HEADS N D CAUSAL IN OUT
 *       IN: Q, K, V as raw fp32 [heads][n][d] each, back to back; OUT: O [heads][n][d]
 *   peer_check decode HEADS KV_HEADS T D STORE IN OUT
 *       IN: q [heads][d], then K, V [kv_heads][t][d] as fp32, stored as STORE (fp32, fp16,
 *       bf16) before the kernel runs; OUT: o [heads][d]
 * Batch 1, d_qk = d_v = D, default tiles. Exit 0 on success, 1 on a failure, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static float *read_floats(const char *path, size_t count)
{
    float *data = malloc(count * sizeof *data);
    FILE *file = fopen(path, "rb");
    size_t got = data && file ? fread(data, sizeof *data, count, file) : 0;
    if (file)
        fclose(file);
    if (got != count) {
        fprintf(stderr, "peer_check: %s: expected %zu floats\n", path, count);
        free(data);
        return NULL;
    }
    return data;
}

static int write_floats(const char *path, const float *data, size_t count)
{
    FILE *file = fopen(path, "wb");
    int ok = file && fwrite(data, sizeof *data, count, file) == count;
    if (file && fclose(file))
        ok = 0;
    if (!ok)
        fprintf(stderr, "peer_check: cannot write %s\n", path);
    return ok ? 0 : 1;
}

static int run(const attn_dims *d, attn_dtype store, bool decode, const char *in,
               const char *out)
{
    const size_t q_elems = (size_t)(d->heads * d->n_q * d->d_qk);
    const size_t kv_elems = (size_t)(d->kv_heads * d->n_kv * d->d_qk);
    float *x = read_floats(in, q_elems + 2 * kv_elems);
    float *o = malloc(q_elems * sizeof *o);
    void *k_cache = malloc(kv_elems * attn_dtype_size(store));
    void *v_cache = malloc(kv_elems * attn_dtype_size(store));
    int rc = x && o && k_cache && v_cache ? 0 : 1;
    if (!rc) {
        const float *q = x, *k = x + q_elems, *v = k + kv_elems;
        attn_dtype_from_f32(store, k, kv_elems, k_cache);
        attn_dtype_from_f32(store, v, kv_elems, v_cache);
        rc = decode ? attn_cpu_decode(d, store, q, k_cache, v_cache, o, NULL)
                    : attn_cpu_flash(d, 0, q, k, v, o, NULL);
        if (rc)
            fprintf(stderr, "peer_check: %s\n", attn_strerror(rc));
        rc = rc ? 1 : write_floats(out, o, q_elems);
    }
    free(x);
    free(o);
    free(k_cache);
    free(v_cache);
    return rc;
}

int main(int argc, char **argv)
{
    static const char *const stores[] = {"fp32", "fp16", "bf16"};
    attn_dims d = {.batch = 1};
    if (argc == 8 && strcmp(argv[1], "prefill") == 0) {
        d.heads = d.kv_heads = atoll(argv[2]);
        d.n_q = d.n_kv = atoll(argv[3]);
        d.d_qk = d.d_v = atoll(argv[4]);
        d.causal = atoi(argv[5]) != 0;
        return run(&d, ATTN_DTYPE_FP32, false, argv[6], argv[7]);
    }
    if (argc == 9 && strcmp(argv[1], "decode") == 0) {
        d.heads = atoll(argv[2]);
        d.kv_heads = atoll(argv[3]);
        d.n_q = 1;
        d.n_kv = atoll(argv[4]);
        d.d_qk = d.d_v = atoll(argv[5]);
        for (int s = 0; s < 3; s++)
            if (strcmp(argv[6], stores[s]) == 0)
                return run(&d, (attn_dtype)s, true, argv[7], argv[8]);
    }
    fprintf(stderr, "usage: peer_check prefill HEADS N D CAUSAL IN OUT\n"
                    "       peer_check decode HEADS KV_HEADS T D fp32|fp16|bf16 IN OUT\n");
    return 2;
}
