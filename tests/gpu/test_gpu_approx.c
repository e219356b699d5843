/* test_gpu_approx.c — Performer (FAVOR+) and low-rank through one backend (BACKEND, set at
 * build time), against the double references of the same estimators on the CPU ops' inputs
 * (attn_ref_performer, attn_ref_lowrank; the ops' own reference is exact attention, which
 * these approximate): prefill n = 1, 7, 129, GQA groups 1 and 4, non-causal; Performer causal
 * prefill at n = 1, 37, 101, 129 (one and several token blocks and feature chunks, batch 2,
 * GQA), and with Q and K scaled into expf's underflow; decode of both after t = 1, 37, 101
 * cached tokens. Counted traffic is checked against
 * the formulas of ops_gpu_performer.c and ops_gpu_lowrank.c, written out here with only the
 * tile sizes taken from the plans. Low-rank causal prefill reports unsupported. Skipped,
 * visibly, where the backend cannot run (gpu_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpu_check.h"
#include "ops_recurrent.h"

static uint64_t u(int64_t value)
{
    return (uint64_t)value;
}

static uint64_t ceil_div(int64_t a, int64_t b)
{
    return u((a + b - 1) / b);
}

static const attn_problem shapes[] = {
    {.batch = 1, .heads = 1, .kv_heads = 1, .n = 1, .d_qk = 64, .d_v = 64, .features = 16,
     .rank = 1},
    {.batch = 1, .heads = 4, .kv_heads = 1, .n = 7, .d_qk = 80, .d_v = 64, .features = 96,
     .rank = 3},
    {.batch = 2, .heads = 4, .kv_heads = 4, .n = 129, .d_qk = 64, .d_v = 64, .features = 256,
     .rank = 40},
    {.batch = 1, .heads = 8, .kv_heads = 2, .n = 129, .d_qk = 64, .d_v = 32, .features = 100,
     .rank = 20},
};

typedef int (*setup_fn)(const attn_problem *p, void **work, size_t *out_elems);

/* The estimator's double reference on the inputs `setup` makes. */
static int performer_reference_of(setup_fn setup, const attn_problem *p, double *out)
{
    void *work = NULL;
    size_t elems = 0;
    int rc = setup(p, &work, &elems);
    const attn_performer_work *w = work;
    if (!rc)
        rc = attn_ref_performer(&w->rec.qkv.dims, p->features, w->omega, w->rec.qkv.q,
                                w->rec.qkv.k, w->rec.qkv.v, out);
    attn_performer_teardown(work);
    return rc;
}

static int performer_reference(const attn_problem *p, double *out)
{
    return performer_reference_of(attn_performer_setup, p, out);
}

/* Prefill inputs with Q and K times 6: at d_qk = 80 the feature exponents w·x' - |x'|²/2 fall
 * near -54 ± 30, so a query's and a key's features multiply below float's range unless the
 * kernels subtract their maxima. */
static int large_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    int rc = attn_performer_setup(p, work, out_elems);
    attn_qkv *x = rc ? NULL : &((attn_performer_work *)*work)->rec.qkv;
    for (size_t i = 0; x && i < x->q_elems; i++)
        x->q[i] *= 6.0f;
    for (size_t i = 0; x && i < x->k_elems; i++)
        x->k[i] *= 6.0f;
    return rc;
}

static int large_reference(const attn_problem *p, double *out)
{
    return performer_reference_of(large_setup, p, out);
}

static int lowrank_reference(const attn_problem *p, double *out)
{
    void *work = NULL;
    size_t elems = 0;
    int rc = attn_lowrank_setup(p, &work, &elems);
    const attn_lowrank_work *w = work;
    if (!rc)
        rc = attn_ref_lowrank(&w->rec.qkv.dims, p->rank, w->e, w->f, w->rec.qkv.q,
                              w->rec.qkv.k, w->rec.qkv.v, out);
    attn_lowrank_teardown(work);
    return rc;
}

/* Runs `problem` seeded with `seed` through `ops` against `reference`; *p is the problem run. */
static attn_kernel_stats run_problem(const attn_problem *problem, uint64_t seed,
                                     const attn_kernel_ops *ops, gpu_reference_fn reference,
                                     attn_problem *p)
{
    *p = *problem;
    p->seed = seed;
    char what[200];
    gpu_describe(p, what, sizeof what);
    return gpu_run_and_check(ops, p, reference, what);
}

/* Counted floats read and written and flops of a Performer run, as ops_gpu_performer.c's
 * header writes them: A absorbed slots and J keys absorbed per KV head, R readout blocks. */
static void performer_expected(const attn_problem *p, const attn_gpu_performer_plan *plan,
                               attn_kernel_stats *want)
{
    const bool decode = p->phase == ATTN_PHASE_DECODE, causal = p->causal && !decode;
    const uint64_t caches = u(p->batch * p->kv_heads), heads = u(p->batch * p->heads);
    const uint64_t m = u(p->features), ch = u(plan->chunks), n_q = decode ? 1 : u(p->n);
    const uint64_t group = u(p->heads / p->kv_heads), slot = m * u(p->d_v + 1) + ch;
    const uint64_t t = ceil_div(p->n, plan->queries);
    const uint64_t a = causal ? t - 1 : 1;
    const uint64_t j = causal ? a * u(plan->queries) : decode ? 1 : u(p->n);
    const uint64_t r = causal ? heads * t : caches * ceil_div(u(group * n_q), plan->queries);
    uint64_t read = caches * (a * m * u(p->d_qk) + ch * j * u(p->d_qk + p->d_v)) +
                    r * (m * u(p->d_qk + p->d_v + 1) + ch) + heads * n_q * u(p->d_qk);
    uint64_t write = caches * a * slot + heads * n_q * u(p->d_v);
    /* features, S and z per key row; features, numerator and denominator per query row */
    uint64_t flops = 2 * m * u(p->d_qk + p->d_v + 1) * (caches * j + heads * n_q);
    if (decode)
        read += caches * slot;
    if (causal) {
        uint64_t pairs = 0;
        for (int64_t i0 = 0; i0 < p->n; i0 += plan->queries) {
            const uint64_t rows = u(p->n - i0 < plan->queries ? p->n - i0 : plan->queries);
            pairs += rows * (rows + 1) / 2;
        }
        read += caches * a * slot + heads * n_q * u(p->d_qk + p->d_v);
        write += caches * t * slot;
        flops += heads * (2 * m * u(p->d_qk) * n_q + 2 * (m + u(p->d_v) + 1) * pairs);
    }
    *want = (attn_kernel_stats){.bytes_read = 4 * read, .bytes_written = 4 * write,
                                .flops = flops};
}

/* Runs `count` problems with the GPU Performer against the estimator's double reference and
 * checks the counted traffic and flops. */
static void check_performer(const attn_problem *problems, size_t count, uint64_t seed)
{
    gpu_require_backend();
    for (size_t s = 0; s < count; s++) {
        attn_problem p;
        attn_kernel_stats st = run_problem(&problems[s], seed + s, &attn_gpu_ops_performer,
                                           performer_reference, &p);
        attn_gpu_performer_plan plan;
        attn_kernel_stats want;
        assert_int_equal(attn_gpu_performer_plan_for(&gpu_device, &p, &plan), ATTN_OK);
        performer_expected(&p, &plan, &want);
        assert_int_equal(st.bytes_read, want.bytes_read);
        assert_int_equal(st.bytes_written, want.bytes_written);
        assert_int_equal(st.flops, want.flops);
    }
}

static void test_performer(void **state)
{
    (void)state;
    check_performer(shapes, sizeof shapes / sizeof *shapes, 400);
}

/* Odd lengths, GQA, one and several token blocks and feature chunks. */
static const attn_problem causal_shapes[] = {
    {.batch = 1, .heads = 1, .kv_heads = 1, .n = 1, .d_qk = 64, .d_v = 64, .features = 16,
     .causal = true},
    {.batch = 2, .heads = 4, .kv_heads = 2, .n = 37, .d_qk = 64, .d_v = 64, .features = 64,
     .causal = true},
    {.batch = 1, .heads = 4, .kv_heads = 2, .n = 101, .d_qk = 80, .d_v = 48, .features = 100,
     .causal = true},
    {.batch = 1, .heads = 8, .kv_heads = 2, .n = 129, .d_qk = 64, .d_v = 32, .features = 256,
     .causal = true},
};

static void test_performer_causal(void **state)
{
    (void)state;
    check_performer(causal_shapes, sizeof causal_shapes / sizeof *causal_shapes, 500);
}

/* Decode after t cached tokens (n = t): the first token, odd t, GQA. */
static const attn_problem decode_shapes[] = {
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 2, .kv_heads = 1, .n = 1, .d_qk = 64,
     .d_v = 64, .features = 16, .rank = 1},
    {.phase = ATTN_PHASE_DECODE, .batch = 2, .heads = 4, .kv_heads = 2, .n = 37, .d_qk = 64,
     .d_v = 64, .features = 64, .rank = 8},
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 8, .kv_heads = 2, .n = 101, .d_qk = 80,
     .d_v = 48, .features = 256, .rank = 33},
};

static void test_performer_decode(void **state)
{
    (void)state;
    check_performer(decode_shapes, sizeof decode_shapes / sizeof *decode_shapes, 600);
}

/* Runs `count` problems with the GPU low-rank against the estimator's double reference and
 * checks the counted traffic and flops: ops_gpu_lowrank.c's formula, J tokens projected. */
static void check_lowrank(const attn_problem *problems, size_t count, uint64_t seed)
{
    gpu_require_backend();
    for (size_t s = 0; s < count; s++) {
        attn_problem p;
        attn_kernel_stats st = run_problem(&problems[s], seed + s, &attn_gpu_ops_lowrank,
                                           lowrank_reference, &p);
        attn_problem projected = p;
        projected.n = p.rank;
        attn_gpu_standard_plan plan;
        assert_int_equal(attn_gpu_standard_plan_for(&gpu_device, &projected, &plan), ATTN_OK);
        const bool decode = p.phase == ATTN_PHASE_DECODE;
        const uint64_t caches = u(p.batch * p.kv_heads), heads = u(p.batch * p.heads);
        const uint64_t k = u(p.rank), n_q = decode ? 1 : u(p.n), j = n_q;
        const uint64_t width = u(p.d_qk + p.d_v);
        /* decode adds the one token in a single pass over the state */
        const uint64_t blocks = decode ? 1 : ceil_div(p.rank, ATTN_GPU_PROJECT_ROWS);
        /* a KV head's group of query heads stacked: g·n_q rows per query-block walk */
        const uint64_t rows = n_q * u(p.heads / p.kv_heads);
        const uint64_t t_r = ceil_div(rows, plan.tiles.block_rows);
        const uint64_t saved = decode ? caches * k * width : 0;
        /* E and F, K and V per block of projected rows (and the saved state); then standard
         * over k rows, K' and V' once per KV head and block of stacked rows */
        assert_int_equal(st.bytes_read,
                         4 * (saved + caches * (2 * k * j + blocks * j * width + t_r * k * width) +
                              heads * (n_q * u(p.d_qk) + 2 * n_q * k)));
        assert_int_equal(st.bytes_written,
                         4 * (caches * k * width + heads * (2 * n_q * k + n_q * u(p.d_v))));
        assert_int_equal(st.flops, 2 * caches * k * j * width + 2 * heads * n_q * k * width);
    }
}

static void test_performer_large_inputs(void **state)
{
    (void)state;
    gpu_require_backend();
    attn_kernel_ops ops = attn_gpu_ops_performer;
    ops.setup = large_setup;
    for (int causal = 0; causal <= 1; causal++) {
        attn_problem p = causal_shapes[2];
        p.causal = causal;
        attn_problem run;
        run_problem(&p, 800 + (uint64_t)causal, &ops, large_reference, &run);
    }
}

static void test_lowrank(void **state)
{
    (void)state;
    check_lowrank(shapes, sizeof shapes / sizeof *shapes, 400);
}

static void test_lowrank_decode(void **state)
{
    (void)state;
    check_lowrank(decode_shapes, sizeof decode_shapes / sizeof *decode_shapes, 700);
}

static void test_unsupported_say_why(void **state)
{
    (void)state;
    attn_problem p = shapes[1];
    p.causal = true;
    assert_null(attn_gpu_ops_performer.unsupported(&p));
    assert_non_null(attn_gpu_ops_lowrank.unsupported(&p));
    p.causal = false;
    p.phase = ATTN_PHASE_DECODE;
    assert_null(attn_gpu_ops_performer.unsupported(&p));
    assert_null(attn_gpu_ops_lowrank.unsupported(&p));
    p.phase = ATTN_PHASE_PREFILL;
    p.features = 0;
    p.rank = 0;
    assert_non_null(attn_gpu_ops_performer.unsupported(&p));
    assert_non_null(attn_gpu_ops_lowrank.unsupported(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_performer),
        cmocka_unit_test(test_performer_causal),
        cmocka_unit_test(test_performer_decode),
        cmocka_unit_test(test_performer_large_inputs),
        cmocka_unit_test(test_lowrank),
        cmocka_unit_test(test_lowrank_decode),
        cmocka_unit_test(test_unsupported_say_why),
    };
    return gpu_exit_status(cmocka_run_group_tests_name(BACKEND " approx", tests,
                                                       gpu_find_backend, NULL));
}
