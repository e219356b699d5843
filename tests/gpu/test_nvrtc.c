/* test_nvrtc.c — the CUDA half of "one kernel source": NVRTC compiles every GPU job (flash,
 * standard, MLA absorbed and naive, Performer prefill, causal and decode, low-rank prefill and
 * decode), with the defines its job builder
 * gives, to PTX and to cubins for sm_80 (A100) and sm_90 (H100): the cubin runs ptxas, which
 * checks shared memory and fits registers to the job's launch bounds (portable.h). No GPU or
 * driver is needed; when libnvrtc cannot be loaded every test is skipped, visibly, with the
 * reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cuda_nvrtc.h"
#include "gpu_job.h"

/* An A100's limits: 108 SMs, 48 KiB of static shared memory, 1024 threads per block. */
static const attn_gpu_device a100 = {108, 48 * 1024, 1024};

static void require_nvrtc(void)
{
    char why[200];
    if (attn_nvrtc_load(why, sizeof why)) {
        print_message("skipped: %s\n", why);
        skip();
    }
}

/* Builds the job of p and compiles it for both architectures; each PTX names its target and
 * every kernel the job launches. */
static void compile_job(const attn_kernel_ops *ops, attn_problem p)
{
    void *work = NULL;
    size_t elems = 0;
    attn_gpu_job job = {0};
    assert_int_equal(ops->setup(&p, &work, &elems), ATTN_OK);
    assert_int_equal(ops->gpu_job(&p, work, &a100, &job), ATTN_OK);
    static const char *const archs[] = {"sm_80", "sm_90"};
    char defines[ATTN_GPU_KEY_BYTES];
    assert_int_equal(attn_nvrtc_job_defines(&job, defines, sizeof defines), ATTN_OK);
    for (size_t a = 0; a < 2; a++) {
        char *ptx = NULL, why[1000], target[32];
        size_t size = 0;
        int rc = attn_nvrtc_compile(defines, archs[a], true, &ptx, &size, why, sizeof why);
        if (rc)
            fail_msg("%s for %s: %s", defines, archs[a], why);
        snprintf(target, sizeof target, ".target %s", archs[a]);
        assert_non_null(strstr(ptx, target));
        for (int l = 0; l < job.nlaunches; l++) {
            char entry[96];
            snprintf(entry, sizeof entry, ".entry %s(", job.launches[l].kernel);
            if (!strstr(ptx, entry))
                fail_msg("%s: no %s in the PTX for %s", defines, entry, archs[a]);
        }
        free(ptx);
        char *cubin = NULL;
        rc = attn_nvrtc_compile(defines, archs[a], false, &cubin, &size, why, sizeof why);
        if (rc)
            fail_msg("%s: no cubin for %s: %s", defines, archs[a], why);
        free(cubin);
    }
    ops->teardown(work);
}

static void test_flash_prefill_compiles(void **state)
{
    (void)state;
    require_nvrtc();
    attn_problem p = {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 8, .kv_heads = 2,
                      .n = 129, .d_qk = 128, .d_v = 128, .seed = 1};
    compile_job(&attn_gpu_ops_flash, p);
    p.causal = true;
    compile_job(&attn_gpu_ops_flash, p);
}

static void test_decode_compiles(void **state)
{
    (void)state;
    require_nvrtc();
    for (int store = ATTN_DTYPE_FP32; store <= ATTN_DTYPE_BF16; store++) {
        attn_problem p = {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 32, .kv_heads = 8,
                          .n = 300, .d_qk = 128, .d_v = 128, .store = (attn_dtype)store,
                          .seed = 1};
        compile_job(&attn_gpu_ops_flash, p);
    }
}

static void test_standard_compiles(void **state)
{
    (void)state;
    require_nvrtc();
    attn_problem p = {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 8, .kv_heads = 2,
                      .n = 129, .d_qk = 128, .d_v = 128, .causal = true, .seed = 1};
    compile_job(&attn_gpu_ops_standard, p);
    p.phase = ATTN_PHASE_DECODE;
    p.n = 4096;
    compile_job(&attn_gpu_ops_standard, p);
}

/* DeepSeek-V3's MLA: 128 heads over a 512 + 64 latent, absorbed and naive. */
static void test_mla_compiles(void **state)
{
    (void)state;
    require_nvrtc();
    attn_problem p = {.phase = ATTN_PHASE_DECODE, .batch = 1, .heads = 128, .kv_heads = 128,
                      .n = 300, .d_qk = 192, .d_v = 128, .d_c = 512, .d_r = 64, .d_n = 128,
                      .seed = 1};
    compile_job(&attn_gpu_ops_mla, p);
    compile_job(&attn_gpu_ops_mla_naive, p);
    p.batch = 16; /* 1024-thread attend blocks: registers capped to 64 by the launch bounds */
    p.n = 4096;
    compile_job(&attn_gpu_ops_mla, p);
    p.batch = 1;
    p.n = 300;
    p.phase = ATTN_PHASE_PREFILL;
    p.causal = true;
    compile_job(&attn_gpu_ops_mla, p);
    compile_job(&attn_gpu_ops_mla_naive, p);
}

/* Performer (m = 256 features, in chunks) prefill, causal or not, and decode; low-rank
 * (k = 256) prefill and decode. */
static void test_approx_compiles(void **state)
{
    (void)state;
    require_nvrtc();
    attn_problem p = {.phase = ATTN_PHASE_PREFILL, .batch = 1, .heads = 8, .kv_heads = 2,
                      .n = 1000, .d_qk = 128, .d_v = 128, .features = 256, .rank = 256,
                      .seed = 1};
    compile_job(&attn_gpu_ops_performer, p);
    compile_job(&attn_gpu_ops_lowrank, p);
    p.causal = true;
    compile_job(&attn_gpu_ops_performer, p);
    p.causal = false;
    p.phase = ATTN_PHASE_DECODE;
    compile_job(&attn_gpu_ops_performer, p);
    compile_job(&attn_gpu_ops_lowrank, p);
}

/* A compile error comes back as a reason, not a crash or an empty image. */
static void test_bad_defines_fail_cleanly(void **state)
{
    (void)state;
    require_nvrtc();
    char *ptx = NULL, why[400] = "";
    size_t size = 0;
    assert_int_not_equal(attn_nvrtc_compile("-DATTN_DECODE=1", "sm_80", true, &ptx, &size, why,
                                            sizeof why),
                         0);
    assert_null(ptx);
    assert_non_null(strstr(why, "NVRTC"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_prefill_compiles),
        cmocka_unit_test(test_decode_compiles),
        cmocka_unit_test(test_standard_compiles),
        cmocka_unit_test(test_mla_compiles),
        cmocka_unit_test(test_approx_compiles),
        cmocka_unit_test(test_bad_defines_fail_cleanly),
    };
    int failed = cmocka_run_group_tests_name("nvrtc", tests, NULL, NULL);
    return failed ? failed : attn_nvrtc_load(NULL, 0) ? 77 : 0; /* 77: meson's "skipped" */
}
