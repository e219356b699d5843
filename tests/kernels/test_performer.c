/* test_performer.c — Performer (FAVOR+): the random features are orthogonal within a block and
 * reproducible; the kernel agrees with the direct double evaluation of the same estimator
 * (fp32 tolerance: 1e-5 + 1e-4·|ref|), causal and not, GQA, masked rows; decode's recurrent
 * state reproduces the causal prefill, also when filled with 300 tokens in one call; and the
 * error against exact softmax attention falls as m grows (m = 16, 64, 256, mean over five
 * seeds), which is what makes it an approximation rather than a bug.
 */
#include <stdio.h>
#include <string.h>

#include "kernel_test_util.h"

#define ATOL 1e-5
#define RTOL 1e-4

static float *features(int64_t m, int64_t d, uint64_t seed)
{
    float *omega = test_alloc((size_t)(m * d) * sizeof *omega);
    assert_int_equal(attn_performer_features(m, d, seed, omega), ATTN_OK);
    return omega;
}

static double dot(const float *a, const float *b, int64_t d)
{
    double sum = 0.0;
    for (int64_t e = 0; e < d; e++)
        sum += (double)a[e] * b[e];
    return sum;
}

static void test_features_are_orthogonal_blocks(void **state)
{
    (void)state;
    const int64_t m = 40, d = 16;
    float *omega = features(m, d, 5);
    double mean_norm2 = 0.0;
    for (int64_t i = 0; i < m; i++) {
        mean_norm2 += dot(omega + i * d, omega + i * d, d) / (double)m;
        for (int64_t j = i + 1; j < m && j / d == i / d; j++) {
            double cosine = dot(omega + i * d, omega + j * d, d)
                            / sqrt(dot(omega + i * d, omega + i * d, d)
                                   * dot(omega + j * d, omega + j * d, d));
            assert_true(fabs(cosine) < 1e-5);
        }
    }
    /* chi-distributed lengths: E|w|² = d */
    assert_true(mean_norm2 > d / 2.0 && mean_norm2 < 2.0 * d);
    assert_true(fabs(dot(omega, omega, d) - dot(omega + d, omega + d, d)) > 1e-3);
    float *again = features(m, d, 5), *other = features(m, d, 6);
    assert_memory_equal(omega, again, (size_t)(m * d) * sizeof *omega);
    assert_memory_not_equal(omega, other, (size_t)(m * d) * sizeof *omega);
    free(omega);
    free(again);
    free(other);
    assert_int_equal(attn_performer_features(0, d, 1, NULL), ATTN_ERR_RANGE);
}

static const attn_dims performer_shapes[] = {
    {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 64, .n_kv = 64, .d_qk = 16, .d_v = 16},
    {.batch = 2, .heads = 4, .kv_heads = 2, .n_q = 70, .n_kv = 70, .d_qk = 32, .d_v = 24, .causal = true},
    {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 5, .n_kv = 40, .d_qk = 16, .d_v = 16, .causal = true},
    {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 9, .n_kv = 4, .d_qk = 16, .d_v = 16, .causal = true},
    {.batch = 1, .heads = 1, .kv_heads = 1, .n_q = 3, .n_kv = 129, .d_qk = 64, .d_v = 64},
};

static void test_kernel_agrees_with_direct_estimator(void **state)
{
    (void)state;
    const int64_t m = 48;
    for (size_t s = 0; s < sizeof performer_shapes / sizeof *performer_shapes; s++) {
        attn_problem p = problem_init(performer_shapes[s], 60 + s, 1.0f);
        float *omega = features(m, p.dims.d_qk, 60 + s);
        attn_kernel_stats st;
        char what[64];
        snprintf(what, sizeof what, "performer shape %zu", s);
        assert_int_equal(attn_ref_performer(&p.dims, m, omega, p.q, p.k, p.v, p.ref), ATTN_OK);
        assert_int_equal(attn_cpu_performer(&p.dims, m, omega, p.q, p.k, p.v, p.o, &st), ATTN_OK);
        assert_close(p.o, p.ref, p.o_elems, ATOL, RTOL, what);
        const attn_dims *d = &p.dims;
        assert_int_equal(st.bytes_read, 4 * (p.q_elems + p.k_elems + p.v_elems
                                             + (uint64_t)(m * d->d_qk)));
        assert_int_equal(st.bytes_written, 4 * p.o_elems);
        free(omega);
        problem_free(&p);
    }
}

/* Row t of every head of a [batch][heads][n][width] array, packed as [batch][heads][width]. */
static void gather_row(const float *src, int64_t heads_total, int64_t n, int64_t width, int64_t t,
                       float *dst)
{
    for (int64_t bh = 0; bh < heads_total; bh++)
        memcpy(dst + bh * width, src + (bh * n + t) * width, (size_t)width * sizeof *dst);
}

static void gather_ref_row(const double *src, int64_t heads_total, int64_t n, int64_t width,
                           int64_t t, double *dst)
{
    for (int64_t bh = 0; bh < heads_total; bh++)
        memcpy(dst + bh * width, src + (bh * n + t) * width, (size_t)width * sizeof *dst);
}

/* A fresh state filled with tokens 0 .. t - 1 in one call (favor.c's absorb over runs of 256
 * rows and the rest, one shift per run where the steps move it token by token) answers step t
 * as the reference does. */
static void check_filled_state(const attn_problem *p, int64_t m, const float *omega, int64_t t,
                               const float *q, const float *k, const float *v,
                               const double *ref)
{
    const attn_dims *d = &p->dims;
    const int64_t queries = d->batch * d->heads;
    attn_performer_state filled;
    assert_int_equal(attn_performer_state_init(&filled, d, m), ATTN_OK);
    assert_int_equal(attn_performer_state_fill(&filled, omega, p->k, p->v, t, d->n_kv), ATTN_OK);
    assert_int_equal(filled.dims.n_kv, t);
    float *o = test_alloc((size_t)(queries * d->d_v) * sizeof *o);
    assert_int_equal(attn_cpu_performer_decode(&filled, omega, q, k, v, o, NULL), ATTN_OK);
    assert_close(o, ref, (size_t)(queries * d->d_v), ATOL, RTOL, "step after a fill");
    attn_performer_state_free(&filled);
    free(o);
}

static void test_decode_state_replays_causal_prefill(void **state)
{
    (void)state;
    const attn_dims d = {.batch = 2, .heads = 4, .kv_heads = 2, .n_q = 302, .n_kv = 302,
                         .d_qk = 16, .d_v = 8, .causal = true};
    const int64_t m = 32, n = d.n_kv, queries = d.batch * d.heads, caches = d.batch * d.kv_heads;
    attn_problem p = problem_init(d, 70, 1.0f);
    float *omega = features(m, d.d_qk, 70);
    double *prefill = test_alloc(p.o_elems * sizeof *prefill);
    assert_int_equal(attn_ref_performer(&d, m, omega, p.q, p.k, p.v, p.ref), ATTN_OK);
    assert_int_equal(attn_cpu_performer(&d, m, omega, p.q, p.k, p.v, p.o, NULL), ATTN_OK);
    for (size_t i = 0; i < p.o_elems; i++)
        prefill[i] = p.o[i];
    attn_performer_state rnn;
    assert_int_equal(attn_performer_state_init(&rnn, &d, m), ATTN_OK);
    float *q = test_alloc((size_t)(queries * d.d_qk) * sizeof *q);
    float *k = test_alloc((size_t)(caches * d.d_qk) * sizeof *k);
    float *v = test_alloc((size_t)(caches * d.d_v) * sizeof *v);
    float *o = test_alloc((size_t)(queries * d.d_v) * sizeof *o);
    double *ref = test_alloc((size_t)(queries * d.d_v) * sizeof *ref);
    for (int64_t t = 0; t < n; t++) {
        gather_row(p.q, queries, n, d.d_qk, t, q);
        gather_row(p.k, caches, n, d.d_qk, t, k);
        gather_row(p.v, caches, n, d.d_v, t, v);
        gather_ref_row(prefill, queries, n, d.d_v, t, ref);
        attn_kernel_stats st;
        assert_int_equal(attn_cpu_performer_decode(&rnn, omega, q, k, v, o, &st), ATTN_OK);
        assert_close(o, ref, (size_t)(queries * d.d_v), ATOL, RTOL, "decode vs causal prefill");
        gather_ref_row(p.ref, queries, n, d.d_v, t, ref);
        assert_close(o, ref, (size_t)(queries * d.d_v), ATOL, RTOL, "decode vs reference");
        if (t == 300) /* a state filled with the 300 tokens before in one call answers alike */
            check_filled_state(&p, m, omega, t, q, k, v, ref);
        const uint64_t state_floats = (uint64_t)(caches * (m * (d.d_v + 1) + 1));
        assert_int_equal(st.bytes_written, 4 * ((uint64_t)(queries * d.d_v) + state_floats));
    }
    assert_int_equal(rnn.dims.n_kv, n);
    attn_performer_state_free(&rnn);
    free(q);
    free(k);
    free(v);
    free(o);
    free(ref);
    free(prefill);
    free(omega);
    problem_free(&p);
}

static double mean_abs_error(const float *got, const double *ref, size_t count)
{
    double sum = 0.0;
    for (size_t i = 0; i < count; i++)
        sum += fabs(got[i] - ref[i]);
    return sum / (double)count;
}

static void test_error_falls_as_features_grow(void **state)
{
    (void)state;
    const attn_dims dims = {.batch = 1, .heads = 2, .kv_heads = 2, .n_q = 64, .n_kv = 64,
                            .d_qk = 16, .d_v = 16};
    const int64_t feature_counts[] = {16, 64, 256};
    double error[3] = {0};
    for (uint64_t seed = 0; seed < 5; seed++) {
        attn_problem p = problem_init(dims, 80 + seed, 1.0f);
        assert_int_equal(attn_ref_attention(&dims, p.q, p.k, p.v, p.ref), ATTN_OK);
        for (size_t i = 0; i < 3; i++) {
            float *omega = features(feature_counts[i], dims.d_qk, 1000 + seed);
            assert_int_equal(attn_cpu_performer(&dims, feature_counts[i], omega, p.q, p.k, p.v,
                                                p.o, NULL), ATTN_OK);
            error[i] += mean_abs_error(p.o, p.ref, p.o_elems) / 5.0;
            free(omega);
        }
        problem_free(&p);
    }
    print_message("performer mean |error| m=16: %.4g  m=64: %.4g  m=256: %.4g\n", error[0],
                  error[1], error[2]);
    assert_true(error[1] < error[0]);
    assert_true(error[2] < error[1]);
    assert_true(error[2] < 0.6 * error[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features_are_orthogonal_blocks),
        cmocka_unit_test(test_kernel_agrees_with_direct_estimator),
        cmocka_unit_test(test_decode_state_replays_causal_prefill),
        cmocka_unit_test(test_error_falls_as_features_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
