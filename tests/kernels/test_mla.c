/* test_mla.c — MLA: naive (decompressed) and absorbed (latent) kernels against the double
 * reference and against each other from the same weights, prefill (causal or not) and decode,
 * and the absorbed kernel's promise: the latent cache is read once per sequence, not per head.
 *
 * Tolerance: 1e-5 + 1e-4·|ref| against the reference and between the two kernels (weights are
 * scaled by 1/sqrt(d_c) so every intermediate stays O(1)).
 */
#include <stdio.h>

#include "kernel_test_util.h"

#define ATOL 1e-5
#define RTOL 1e-4

typedef struct mla_problem {
    attn_mla_dims dims;
    float *w_uk, *w_uv, *c, *k_r, *q_n, *q_r, *naive, *absorbed;
    double *ref;
    size_t o_elems;
} mla_problem;

static attn_mla_inputs inputs_of(const mla_problem *p)
{
    return (attn_mla_inputs){p->w_uk, p->w_uv, p->c, p->k_r, p->q_n, p->q_r};
}

static mla_problem mla_init(attn_mla_dims d, uint64_t seed)
{
    mla_problem p = {.dims = d};
    const float weight_scale = 1.0f / sqrtf((float)d.d_c);
    p.w_uk = random_floats((size_t)(d.heads * d.d_n * d.d_c), seed, weight_scale);
    p.w_uv = random_floats((size_t)(d.heads * d.d_v * d.d_c), seed + 1, weight_scale);
    p.c = random_floats((size_t)(d.batch * d.n_kv * d.d_c), seed + 2, 1.0f);
    p.k_r = random_floats((size_t)(d.batch * d.n_kv * d.d_r), seed + 3, 1.0f);
    p.q_n = random_floats((size_t)(d.batch * d.heads * d.n_q * d.d_n), seed + 4, 1.0f);
    p.q_r = random_floats((size_t)(d.batch * d.heads * d.n_q * d.d_r), seed + 5, 1.0f);
    p.o_elems = (size_t)(d.batch * d.heads * d.n_q * d.d_v);
    p.naive = test_alloc(p.o_elems * sizeof *p.naive);
    p.absorbed = test_alloc(p.o_elems * sizeof *p.absorbed);
    p.ref = test_alloc(p.o_elems * sizeof *p.ref);
    return p;
}

static void mla_free(mla_problem *p)
{
    float *buffers[] = {p->w_uk, p->w_uv, p->c, p->k_r, p->q_n, p->q_r, p->naive, p->absorbed};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++)
        free(buffers[i]);
    free(p->ref);
}

static const attn_mla_dims mla_shapes[] = {
    {.batch = 1, .heads = 4, .n_q = 7, .n_kv = 7, .d_c = 64, .d_r = 16, .d_n = 32, .d_v = 32, .causal = true},
    {.batch = 2, .heads = 8, .n_q = 129, .n_kv = 129, .d_c = 64, .d_r = 16, .d_n = 64, .d_v = 48},
    {.batch = 1, .heads = 16, .n_q = 129, .n_kv = 129, .d_c = 128, .d_r = 32, .d_n = 64, .d_v = 64, .causal = true},
    {.batch = 2, .heads = 16, .n_q = 1, .n_kv = 300, .d_c = 128, .d_r = 32, .d_n = 64, .d_v = 64},
    {.batch = 1, .heads = 128, .n_q = 1, .n_kv = 77, .d_c = 64, .d_r = 16, .d_n = 32, .d_v = 32},
    {.batch = 1, .heads = 2, .n_q = 9, .n_kv = 3, .d_c = 32, .d_r = 8, .d_n = 16, .d_v = 16, .causal = true},
    {.batch = 2, .heads = 4, .n_q = 1, .n_kv = 0, .d_c = 32, .d_r = 8, .d_n = 16, .d_v = 16},
};
#define MLA_SHAPES (sizeof mla_shapes / sizeof *mla_shapes)

static void describe(const attn_mla_dims *d, const char *what, char *text, size_t len)
{
    snprintf(text, len, "%s b=%lld h=%lld n_q=%lld t=%lld d_c=%lld d_r=%lld%s", what,
             (long long)d->batch, (long long)d->heads, (long long)d->n_q, (long long)d->n_kv,
             (long long)d->d_c, (long long)d->d_r, d->causal ? " causal" : "");
}

static void test_mla_kernels_match_reference_and_each_other(void **state)
{
    (void)state;
    for (size_t s = 0; s < MLA_SHAPES; s++) {
        mla_problem p = mla_init(mla_shapes[s], 40 + 10 * s);
        const attn_mla_inputs in = inputs_of(&p);
        char what[160];
        assert_int_equal(attn_ref_mla(&p.dims, &in, p.ref), ATTN_OK);
        assert_int_equal(attn_cpu_mla_naive(&p.dims, &in, 0, p.naive, NULL), ATTN_OK);
        assert_int_equal(attn_cpu_mla_absorbed(&p.dims, &in, p.absorbed, NULL), ATTN_OK);
        describe(&p.dims, "mla naive", what, sizeof what);
        assert_close(p.naive, p.ref, p.o_elems, ATOL, RTOL, what);
        describe(&p.dims, "mla absorbed", what, sizeof what);
        assert_close(p.absorbed, p.ref, p.o_elems, ATOL, RTOL, what);
        double *naive = test_alloc(p.o_elems * sizeof *naive);
        for (size_t i = 0; i < p.o_elems; i++)
            naive[i] = p.naive[i];
        describe(&p.dims, "mla absorbed vs naive", what, sizeof what);
        assert_close(p.absorbed, naive, p.o_elems, ATOL, RTOL, what);
        free(naive);
        mla_free(&p);
    }
}

/* Everything absorbed decode reads, written out: q_n and q_r, the weights once for the batch
 * (one GEMM per head over all sequences), the latent batch·t·(d_c + d_r). The absorbed
 * queries and o_c are the one block's tile and never go to memory. */
static uint64_t absorbed_decode_read(const attn_mla_dims *d)
{
    const uint64_t rows = (uint64_t)(d->batch * d->heads), width = (uint64_t)(d->d_c + d->d_r);
    return 4 * (rows * (uint64_t)(d->d_n + d->d_r)
                + (uint64_t)(d->heads * d->d_c * (d->d_n + d->d_v))
                + (uint64_t)(d->batch * d->n_kv) * width);
}

static void test_absorbed_decode_reads_latent_once_per_sequence(void **state)
{
    (void)state;
    attn_mla_dims d = {.batch = 2, .heads = 16, .n_q = 1, .n_kv = 300, .d_c = 128, .d_r = 32,
                       .d_n = 64, .d_v = 64};
    const int64_t head_counts[] = {1, 16, 64};
    for (size_t i = 0; i < 3; i++) {
        d.heads = head_counts[i];
        mla_problem p = mla_init(d, 90);
        const attn_mla_inputs in = inputs_of(&p);
        attn_kernel_stats absorbed, naive;
        assert_int_equal(attn_cpu_mla_absorbed(&d, &in, p.absorbed, &absorbed), ATTN_OK);
        assert_int_equal(attn_cpu_mla_naive(&d, &in, 0, p.naive, &naive), ATTN_OK);
        assert_int_equal(absorbed.bytes_read, absorbed_decode_read(&d));
        const uint64_t rows = (uint64_t)(d.batch * d.heads);
        assert_int_equal(absorbed.bytes_written, 4 * rows * (uint64_t)d.d_v);
        /* naive reads the latent again for every head */
        assert_true(naive.bytes_read
                    > 4 * rows * (uint64_t)d.n_kv * (uint64_t)(2 * d.d_c + d.d_r));
        mla_free(&p);
    }
}

static void test_absorbed_latent_traffic_does_not_grow_with_heads(void **state)
{
    (void)state;
    attn_mla_dims d = {.batch = 1, .heads = 8, .n_q = 1, .n_kv = 100, .d_c = 64, .d_r = 16,
                       .d_n = 32, .d_v = 32};
    uint64_t extra_bytes_per_head[2];
    for (int t = 0; t < 2; t++) {
        d.n_kv = 100 * (t + 1);
        uint64_t read[2];
        for (int h = 0; h < 2; h++) {
            d.heads = 8 * (h + 1);
            mla_problem p = mla_init(d, 91);
            const attn_mla_inputs in = inputs_of(&p);
            attn_kernel_stats st;
            assert_int_equal(attn_cpu_mla_absorbed(&d, &in, p.absorbed, &st), ATTN_OK);
            read[h] = st.bytes_read;
            mla_free(&p);
        }
        extra_bytes_per_head[t] = read[1] - read[0];
    }
    /* doubling t leaves the cost of 8 more heads unchanged: no per-head latent reads */
    assert_int_equal(extra_bytes_per_head[0], extra_bytes_per_head[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mla_kernels_match_reference_and_each_other),
        cmocka_unit_test(test_absorbed_decode_reads_latent_once_per_sequence),
        cmocka_unit_test(test_absorbed_latent_traffic_does_not_grow_with_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
