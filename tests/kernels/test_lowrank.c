/* test_lowrank.c — low-rank (Linformer) attention: with k = n and E = F = I it is exact
 * attention; with random projections it matches the double reference; its counted traffic is
 * the projection plus standard attention over k rows; it refuses causal; and its decode form
 * (projections accumulated token by token, or many tokens in one fill) equals the prefill over
 * the tokens seen so far.
 * Tolerance: 1e-5 + 1e-4·|ref|.
 */
#include <string.h>

#include "kernel_test_util.h"

#define ATOL 1e-5
#define RTOL 1e-4

static float *identity(int64_t n)
{
    float *eye = test_alloc((size_t)(n * n) * sizeof *eye);
    for (int64_t i = 0; i < n; i++)
        eye[i * n + i] = 1.0f;
    return eye;
}

static void test_identity_projection_is_exact_attention(void **state)
{
    (void)state;
    const attn_dims shapes[] = {
        {.batch = 1, .heads = 4, .kv_heads = 1, .n_q = 33, .n_kv = 33, .d_qk = 64, .d_v = 64},
        {.batch = 2, .heads = 8, .kv_heads = 2, .n_q = 7, .n_kv = 129, .d_qk = 80, .d_v = 48},
    };
    for (size_t s = 0; s < 2; s++) {
        attn_problem p = problem_init(shapes[s], 20 + s, 1.0f);
        float *eye = identity(p.dims.n_kv);
        assert_int_equal(attn_ref_attention(&p.dims, p.q, p.k, p.v, p.ref), ATTN_OK);
        assert_int_equal(attn_cpu_lowrank(&p.dims, p.dims.n_kv, eye, eye, p.q, p.k, p.v, p.o,
                                          NULL), ATTN_OK);
        assert_close(p.o, p.ref, p.o_elems, ATOL, RTOL, "low-rank, identity projections");
        free(eye);
        problem_free(&p);
    }
}

static void test_random_projection_matches_reference_and_counts(void **state)
{
    (void)state;
    const attn_dims d = {.batch = 2, .heads = 4, .kv_heads = 2, .n_q = 100, .n_kv = 100,
                         .d_qk = 64, .d_v = 32};
    const int64_t k = 16;
    attn_problem p = problem_init(d, 30, 1.0f);
    float *e = random_floats((size_t)(k * d.n_kv), 31, 0.1f);
    float *f = random_floats((size_t)(k * d.n_kv), 32, 0.1f);
    attn_kernel_stats st;
    assert_int_equal(attn_ref_lowrank(&d, k, e, f, p.q, p.k, p.v, p.ref), ATTN_OK);
    assert_int_equal(attn_cpu_lowrank(&d, k, e, f, p.q, p.k, p.v, p.o, &st), ATTN_OK);
    assert_close(p.o, p.ref, p.o_elems, ATOL, RTOL, "low-rank, random projections");
    const uint64_t caches = (uint64_t)(d.batch * d.kv_heads), heads = (uint64_t)(d.batch * d.heads);
    const uint64_t n = (uint64_t)d.n_kv, n_q = (uint64_t)d.n_q, width = (uint64_t)(d.d_qk + d.d_v);
    const uint64_t projected = (uint64_t)k, group = (uint64_t)(d.heads / d.kv_heads);
    /* per KV head: E, F, K, V in; K', V' out; then the group's 2 x 100 stacked queries read
     * K', V' once; per query head Q, S and P */
    assert_int_equal(st.bytes_read,
                     4 * caches * (2 * projected * n + n * width + projected * width)
                         + 4 * heads * (n_q * d.d_qk + 2 * n_q * projected));
    assert_int_equal(st.bytes_written,
                     4 * caches * projected * width + 4 * heads * (2 * n_q * projected + n_q * d.d_v));
    assert_int_equal(st.peak_bytes, 4 * projected * (width + group * n_q));
    attn_dims causal = d;
    causal.causal = true;
    assert_int_equal(attn_cpu_lowrank(&causal, k, e, f, p.q, p.k, p.v, p.o, NULL),
                     ATTN_ERR_UNSUPPORTED);
    free(e);
    free(f);
    problem_free(&p);
}

/* Reference for the decode step after t + 1 tokens: prefill over the first t + 1 tokens with
 * the first t + 1 columns of E and F, for the query of step t. */
static void reference_step(const attn_problem *p, int64_t k, const float *e, const float *f,
                           int64_t t, double *ref)
{
    const attn_dims *d = &p->dims;
    attn_dims step = *d;
    step.n_q = 1;
    step.n_kv = t + 1;
    const int64_t caches = d->batch * d->kv_heads, queries = d->batch * d->heads;
    float *e_t = test_alloc((size_t)(k * (t + 1)) * sizeof *e_t);
    float *f_t = test_alloc((size_t)(k * (t + 1)) * sizeof *f_t);
    float *q = test_alloc((size_t)(queries * d->d_qk) * sizeof *q);
    float *kk = test_alloc((size_t)(caches * (t + 1) * d->d_qk) * sizeof *kk);
    float *v = test_alloc((size_t)(caches * (t + 1) * d->d_v) * sizeof *v);
    for (int64_t r = 0; r < k; r++) {
        memcpy(e_t + r * (t + 1), e + r * d->n_kv, (size_t)(t + 1) * sizeof *e_t);
        memcpy(f_t + r * (t + 1), f + r * d->n_kv, (size_t)(t + 1) * sizeof *f_t);
    }
    for (int64_t c = 0; c < caches; c++) {
        memcpy(kk + c * (t + 1) * d->d_qk, p->k + c * d->n_kv * d->d_qk,
               (size_t)((t + 1) * d->d_qk) * sizeof *kk);
        memcpy(v + c * (t + 1) * d->d_v, p->v + c * d->n_kv * d->d_v,
               (size_t)((t + 1) * d->d_v) * sizeof *v);
    }
    for (int64_t h = 0; h < queries; h++)
        memcpy(q + h * d->d_qk, p->q + (h * d->n_q + t) * d->d_qk, (size_t)d->d_qk * sizeof *q);
    assert_int_equal(attn_ref_lowrank(&step, k, e_t, f_t, q, kk, v, ref), ATTN_OK);
    free(e_t);
    free(f_t);
    free(q);
    free(kk);
    free(v);
}

/* A fresh state filled with tokens 0 .. t - 1 in one call (a GEMM per KV head, where the
 * steps make rank-one updates) answers step t as the reference does; a fill past n_max is
 * refused. */
static void check_filled_state(const attn_problem *p, int64_t k, const float *e, const float *f,
                               int64_t t, const float *q, const float *k_new,
                               const float *v_new, const double *ref)
{
    const attn_dims *d = &p->dims;
    const int64_t queries = d->batch * d->heads;
    attn_lowrank_state filled;
    assert_int_equal(attn_lowrank_state_init(&filled, d, k, d->n_kv, e, f), ATTN_OK);
    assert_int_equal(attn_lowrank_state_fill(&filled, p->k, p->v, t, d->n_kv), ATTN_OK);
    assert_int_equal(filled.dims.n_kv, t);
    float *o = test_alloc((size_t)(queries * d->d_v) * sizeof *o);
    assert_int_equal(attn_cpu_lowrank_decode(&filled, q, k_new, v_new, o, NULL), ATTN_OK);
    assert_close(o, ref, (size_t)(queries * d->d_v), ATOL, RTOL, "low-rank step after a fill");
    assert_int_equal(attn_lowrank_state_fill(&filled, p->k, p->v, d->n_kv - t, d->n_kv),
                     ATTN_ERR_RANGE);
    assert_int_equal(filled.dims.n_kv, t + 1);
    attn_lowrank_state_free(&filled);
    free(o);
}

static void test_decode_state_accumulates_projections(void **state)
{
    (void)state;
    const attn_dims d = {.batch = 2, .heads = 4, .kv_heads = 2, .n_q = 40, .n_kv = 40,
                         .d_qk = 16, .d_v = 8};
    const int64_t k = 8, caches = d.batch * d.kv_heads, queries = d.batch * d.heads;
    attn_problem p = problem_init(d, 50, 1.0f);
    float *e = random_floats((size_t)(k * d.n_kv), 51, 0.2f);
    float *f = random_floats((size_t)(k * d.n_kv), 52, 0.2f);
    attn_lowrank_state lr;
    assert_int_equal(attn_lowrank_state_init(&lr, &d, k, d.n_kv, e, f), ATTN_OK);
    float *q = test_alloc((size_t)(queries * d.d_qk) * sizeof *q);
    float *k_new = test_alloc((size_t)(caches * d.d_qk) * sizeof *k_new);
    float *v_new = test_alloc((size_t)(caches * d.d_v) * sizeof *v_new);
    float *o = test_alloc((size_t)(queries * d.d_v) * sizeof *o);
    double *ref = test_alloc((size_t)(queries * d.d_v) * sizeof *ref);
    for (int64_t t = 0; t < d.n_kv; t++) {
        for (int64_t c = 0; c < caches; c++) {
            memcpy(k_new + c * d.d_qk, p.k + (c * d.n_kv + t) * d.d_qk, (size_t)d.d_qk * 4);
            memcpy(v_new + c * d.d_v, p.v + (c * d.n_kv + t) * d.d_v, (size_t)d.d_v * 4);
        }
        for (int64_t h = 0; h < queries; h++)
            memcpy(q + h * d.d_qk, p.q + (h * d.n_q + t) * d.d_qk, (size_t)d.d_qk * 4);
        assert_int_equal(attn_cpu_lowrank_decode(&lr, q, k_new, v_new, o, NULL), ATTN_OK);
        if (t == 0 || t == 17 || t == d.n_kv - 1) {
            reference_step(&p, k, e, f, t, ref);
            assert_close(o, ref, (size_t)(queries * d.d_v), ATOL, RTOL, "low-rank decode step");
        }
        if (t == 17) /* a state filled with the 17 tokens before in one call answers alike */
            check_filled_state(&p, k, e, f, t, q, k_new, v_new, ref);
    }
    /* the last step is the prefill's last row */
    assert_int_equal(attn_cpu_lowrank(&d, k, e, f, p.q, p.k, p.v, p.o, NULL), ATTN_OK);
    for (int64_t h = 0; h < queries; h++)
        for (int64_t x = 0; x < d.d_v; x++)
            assert_float_equal(o[h * d.d_v + x], p.o[(h * d.n_q + d.n_q - 1) * d.d_v + x], 1e-5);
    assert_int_equal(attn_cpu_lowrank_decode(&lr, q, k_new, v_new, o, NULL),
                     ATTN_ERR_RANGE);
    attn_lowrank_state_free(&lr);
    free(q);
    free(k_new);
    free(v_new);
    free(o);
    free(ref);
    free(e);
    free(f);
    problem_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_projection_is_exact_attention),
        cmocka_unit_test(test_random_projection_matches_reference_and_counts),
        cmocka_unit_test(test_decode_state_accumulates_projections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
