/* test_gpu_approx.c — Performer (FAVOR+) and low-rank prefill through one backend (BACKEND, set
 * at build time), against the double references of the same estimators on the CPU ops' inputs
 * (attn_ref_performer, attn_ref_lowrank; the ops' own reference is exact attention, which
 * these approximate): n = 1, 7, 129, GQA groups 1 and 4, non-causal. Counted traffic is checked
 * against the formulas of ops_gpu_performer.c and ops_gpu_lowrank.c, written out here with only
 * the tile sizes taken from the plans. Causal and decode report unsupported. Skipped, visibly,
 * where the backend cannot run (gpu_check.h).
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

static int performer_reference(const attn_problem *p, double *out)
{
    void *work = NULL;
    size_t elems = 0;
    int rc = attn_performer_setup(p, &work, &elems);
    const attn_performer_work *w = work;
    if (!rc)
        rc = attn_ref_performer(&w->rec.qkv.dims, p->features, w->omega, w->rec.qkv.q,
                                w->rec.qkv.k, w->rec.qkv.v, out);
    attn_performer_teardown(work);
    return rc;
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

/* Runs shapes[s] (seeded with s) with `ops` against `reference`; *p is the problem run. */
static attn_kernel_stats run_shape(size_t s, const attn_kernel_ops *ops,
                                   gpu_reference_fn reference, attn_problem *p)
{
    *p = shapes[s];
    p->seed = 400 + s;
    char what[200];
    gpu_describe(p, what, sizeof what);
    return gpu_run_and_check(ops, p, reference, what);
}

static void test_performer(void **state)
{
    (void)state;
    gpu_require_backend();
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        attn_problem p;
        attn_kernel_stats st = run_shape(s, &attn_gpu_ops_performer, performer_reference, &p);
        attn_gpu_performer_plan plan;
        assert_int_equal(attn_gpu_performer_plan_for(&gpu_device, &p, &plan), ATTN_OK);
        const uint64_t caches = u(p.batch * p.kv_heads), heads = u(p.batch * p.heads);
        const uint64_t m = u(p.features), n = u(p.n), ch = u(plan.chunks);
        const uint64_t t_q = ceil_div(p.n, plan.queries);
        /* omega and K, V per chunk; per query block omega, [S | z] and the shifts */
        assert_int_equal(st.bytes_read,
                         4 * (caches * (m * u(p.d_qk) + ch * n * u(p.d_qk + p.d_v)) +
                              heads * (n * u(p.d_qk) + t_q * (m * u(p.d_qk + p.d_v + 1) + ch))));
        assert_int_equal(st.bytes_written,
                         4 * (caches * (m * u(p.d_v + 1) + ch) + heads * n * u(p.d_v)));
        assert_int_equal(st.flops, 2 * m * u(p.d_qk + p.d_v) * (caches + heads) * n +
                                       2 * m * heads * n);
    }
}

static void test_lowrank(void **state)
{
    (void)state;
    gpu_require_backend();
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        attn_problem p;
        attn_kernel_stats st = run_shape(s, &attn_gpu_ops_lowrank, lowrank_reference, &p);
        attn_problem projected = p;
        projected.n = p.rank;
        attn_gpu_standard_plan plan;
        assert_int_equal(attn_gpu_standard_plan_for(&gpu_device, &projected, &plan), ATTN_OK);
        const uint64_t caches = u(p.batch * p.kv_heads), heads = u(p.batch * p.heads);
        const uint64_t k = u(p.rank), n = u(p.n), width = u(p.d_qk + p.d_v);
        const uint64_t blocks = ceil_div(p.rank, ATTN_GPU_PROJECT_ROWS), t_r = ceil_div(p.n, plan.tiles.block_rows);
        /* E and F, K and V per block of projected rows; then standard over k rows */
        assert_int_equal(st.bytes_read,
                         4 * (caches * (2 * k * n + blocks * n * width) +
                              heads * (n * u(p.d_qk) + t_r * k * width + 2 * n * k)));
        assert_int_equal(st.bytes_written,
                         4 * (caches * k * width + heads * (2 * n * k + n * u(p.d_v))));
        assert_int_equal(st.flops, 2 * caches * k * n * width + 2 * heads * n * k * width);
    }
}

static void test_unsupported_say_why(void **state)
{
    (void)state;
    attn_problem p = shapes[1];
    p.causal = true;
    assert_non_null(attn_gpu_ops_performer.unsupported(&p));
    assert_non_null(attn_gpu_ops_lowrank.unsupported(&p));
    p.causal = false;
    p.phase = ATTN_PHASE_DECODE;
    assert_non_null(attn_gpu_ops_performer.unsupported(&p));
    assert_non_null(attn_gpu_ops_lowrank.unsupported(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_performer),
        cmocka_unit_test(test_lowrank),
        cmocka_unit_test(test_unsupported_say_why),
    };
    return gpu_exit_status(cmocka_run_group_tests_name(BACKEND " approx", tests,
                                                       gpu_find_backend, NULL));
}
