/* test_gpu_variants.c — standard, MLA absorbed and MLA naive through one backend (BACKEND, set
 * at build time), against the CPU ops' double references: n = 1, 7, 129 (not tile multiples),
 * GQA groups 1 and 4 for standard, 1 to 16 heads over one latent cache for MLA, causal and not,
 * prefill and decode. Counted traffic is checked against the formulas of ops_gpu_standard.c and
 * ops_gpu_mla.c, written out here from their definitions with only the tile sizes taken from
 * the plans. Skipped, visibly, where the backend cannot run (gpu_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpu_check.h"

static uint64_t u(int64_t value)
{
    return (uint64_t)value;
}

static const attn_problem standard_shapes[] = {
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 1, .kv_heads = 1, .n = 1, .d_qk = 64,
     .d_v = 64},
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 4, .kv_heads = 1, .n = 7, .d_qk = 80,
     .d_v = 64, .causal = true},
    {.phase = ATTN_PHASE_PREFILL, .batch = 2, .heads = 4, .kv_heads = 4, .n = 129, .d_qk = 64,
     .d_v = 64},
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 8, .kv_heads = 2, .n = 129, .d_qk = 64,
     .d_v = 32, .causal = true},
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 1, .kv_heads = 1, .n = 1, .d_qk = 64,
     .d_v = 64},
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 4, .kv_heads = 1, .n = 7, .d_qk = 64,
     .d_v = 64},
    {.phase = ATTN_PHASE_DECODE, .batch = 2, .heads = 8, .kv_heads = 2, .n = 1000, .d_qk = 128,
     .d_v = 128},
};

static void test_standard(void **state)
{
    (void)state;
    gpu_require_backend();
    for (size_t s = 0; s < sizeof standard_shapes / sizeof *standard_shapes; s++) {
        attn_problem p = standard_shapes[s];
        p.seed = 100 + s;
        char what[200];
        gpu_describe(&p, what, sizeof what);
        attn_gpu_standard_plan plan;
        assert_int_equal(attn_gpu_standard_plan_for(&gpu_device, &p, &plan), ATTN_OK);
        attn_kernel_stats st = gpu_run_and_check(&attn_gpu_ops_standard, &p, NULL, what);
        const uint64_t heads = u(p.batch * p.heads), n_kv = u(p.n);
        const uint64_t n_q = p.phase == ATTN_PHASE_DECODE ? 1 : n_kv;
        const uint64_t t_r = (n_q + u(plan.tiles.block_rows) - 1) / u(plan.tiles.block_rows);
        /* Q; K and V once per query block; S read by the softmax, P by PV */
        assert_int_equal(st.bytes_read, 4 * heads * (n_q * u(p.d_qk) +
                                                     t_r * n_kv * u(p.d_qk + p.d_v) +
                                                     2 * n_q * n_kv));
        assert_int_equal(st.bytes_written, 4 * heads * (2 * n_q * n_kv + n_q * u(p.d_v)));
        assert_int_equal(st.flops, 2 * heads * n_q * n_kv * u(p.d_qk + p.d_v));
    }
}

static int mla_reference(const attn_problem *p, double *out)
{
    void *work = NULL;
    size_t elems = 0;
    int rc = attn_cpu_ops_mla.setup(p, &work, &elems);
    if (!rc)
        rc = attn_cpu_ops_mla.reference(p, work, out);
    attn_cpu_ops_mla.teardown(work);
    return rc;
}

#define MLA_SMALL .d_c = 64, .d_r = 16, .d_n = 32, .d_v = 48
#define MLA_DEEPSEEK .d_c = 512, .d_r = 64, .d_n = 128, .d_v = 128

static const attn_problem mla_shapes[] = {
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 1, .n = 1, MLA_SMALL},
    {.phase = ATTN_PHASE_DECODE, .batch = 2, .heads = 4, .n = 7, MLA_SMALL},
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 16, .n = 129, MLA_DEEPSEEK},
    {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 4, .n = 1000, MLA_SMALL},
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 1, .n = 1, MLA_SMALL},
    {.phase = ATTN_PHASE_PREFILL, .batch = 2, .heads = 4, .n = 7, MLA_SMALL, .causal = true},
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 4, .n = 129, MLA_SMALL},
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 16, .n = 129, MLA_SMALL, .causal = true},
    /* more heads than one 256-work-item attend group holds: heads split into groups */
    {.phase = ATTN_PHASE_DECODE, .batch = 2, .heads = 40, .n = 129, MLA_DEEPSEEK},
    {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 33, .n = 37, MLA_SMALL, .causal = true},
};

/* Keys that position `last` of n_q sees. */
static uint64_t mla_visible(const attn_problem *p, int64_t n_q, int64_t last)
{
    int64_t seen = p->causal ? p->n - n_q + last + 1 : p->n;
    return seen < 0 ? 0 : u(seen < p->n ? seen : p->n);
}

static void test_mla_absorbed(void **state)
{
    (void)state;
    gpu_require_backend();
    for (size_t s = 0; s < sizeof mla_shapes / sizeof *mla_shapes; s++) {
        attn_problem p = mla_shapes[s];
        p.kv_heads = p.heads;
        p.seed = 200 + s;
        char what[200];
        gpu_describe(&p, what, sizeof what);
        attn_gpu_mla_plan plan;
        assert_int_equal(attn_gpu_mla_plan_for(&gpu_device, &p, &plan), ATTN_OK);
        attn_kernel_stats st = gpu_run_and_check(&attn_gpu_ops_mla, &p, mla_reference, what);
        const int64_t n_q = p.phase == ATTN_PHASE_DECODE ? 1 : p.n;
        const uint64_t rows = u(p.batch * n_q * p.heads), w = u(p.d_c + p.d_r);
        const uint64_t passes = u((n_q + plan.chunk - 1) / plan.chunk), splits = u(plan.splits);
        uint64_t latent_rows = 0;
        for (int64_t i0 = 0; i0 < n_q; i0 += plan.positions) {
            const int64_t last = i0 + plan.positions < n_q ? i0 + plan.positions - 1 : n_q - 1;
            latent_rows += mla_visible(&p, n_q, last);
        }
        assert_int_equal(st.bytes_read,
                         4 * (rows * u(p.d_n + p.d_r) +
                              u(p.batch * p.heads) * passes * u(p.d_c * (p.d_n + p.d_v)) +
                              splits * rows * w +
                              u(p.batch) * u(plan.head_groups) * latent_rows * w +
                              splits * rows * u(p.d_c + 2)));
        assert_int_equal(st.bytes_written,
                         4 * (rows * w + splits * rows * u(p.d_c + 2) + rows * u(p.d_v)));
        if (p.phase == ATTN_PHASE_DECODE) /* the latent cache once per group of heads */
            assert_int_equal(latent_rows, u(p.n));
        assert_true(plan.rows * plan.slices <= 256 &&
                    plan.rows == plan.positions * plan.group_heads);
        assert_true(plan.group_heads * plan.head_groups >= p.heads &&
                    plan.group_heads * (plan.head_groups - 1) < p.heads);
    }
}

static void test_mla_naive(void **state)
{
    (void)state;
    gpu_require_backend();
    for (size_t s = 0; s < sizeof mla_shapes / sizeof *mla_shapes; s++) {
        attn_problem p = mla_shapes[s];
        p.kv_heads = p.heads;
        p.seed = 300 + s;
        char what[200];
        gpu_describe(&p, what, sizeof what);
        attn_kernel_stats st = gpu_run_and_check(&attn_gpu_ops_mla_naive, &p, mla_reference,
                                                 what);
        /* the decompressed heads, as the flash kernels see them */
        attn_problem heads = p;
        heads.d_qk = p.d_n + p.d_r;
        const int64_t n_q = p.phase == ATTN_PHASE_DECODE ? 1 : p.n;
        const uint64_t h = u(p.batch * p.heads), d_qk = u(heads.d_qk), n_kv = u(p.n);
        if (p.phase == ATTN_PHASE_DECODE) {
            /* decode reads the decompressed per-head cache the ops built: flash-decoding's
             * counts alone, the latent never touched */
            attn_gpu_decode_plan plan;
            assert_int_equal(attn_gpu_decode_plan_for(&gpu_device, &heads, &plan), ATTN_OK);
            assert_int_equal(st.bytes_read,
                             4 * h * (n_kv * (d_qk + u(p.d_v)) + u(plan.splits) * d_qk));
            assert_int_equal(st.bytes_written, 4 * h * u(p.d_v));
            continue;
        }
        const uint64_t jb = u(attn_gpu_mla_token_block(&gpu_device, &p));
        const uint64_t blocks = (n_kv + jb - 1) / jb;
        uint64_t read = h * (n_kv * u(p.d_c + p.d_r) + blocks * u(p.d_c * (p.d_n + p.d_v)) +
                             u(n_q) * d_qk);
        attn_flash_tiles t;
        assert_int_equal(attn_gpu_flash_tiles(&gpu_device, &heads, &t), ATTN_OK);
        read += h * (n_kv * d_qk + gpu_flash_kv_rows(p.n, p.causal, t.block_rows,
                                                     t.block_cols) * (d_qk + u(p.d_v)));
        assert_int_equal(st.bytes_read, 4 * read);
        assert_int_equal(st.bytes_written,
                         4 * h * (n_kv * (d_qk + u(p.d_v)) + u(n_q) * d_qk + u(n_q) * u(p.d_v)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard),
        cmocka_unit_test(test_mla_absorbed),
        cmocka_unit_test(test_mla_naive),
    };
    return gpu_exit_status(cmocka_run_group_tests_name(BACKEND " variants", tests,
                                                       gpu_find_backend, NULL));
}
