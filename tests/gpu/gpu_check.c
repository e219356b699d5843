/* gpu_check.c — the GPU kernel tests' shared harness (gpu_check.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpu_check.h"

#define ATOL 1e-5
#define RTOL 1e-4

const attn_backend *gpu_backend;
attn_gpu_device gpu_device;
static char unavailable[200];

int gpu_find_backend(void **state)
{
    (void)state;
    gpu_backend = attn_backend_find(BACKEND);
    if (!gpu_backend)
        snprintf(unavailable, sizeof unavailable, "no backend named %s", BACKEND);
    else if (gpu_backend->probe(unavailable, sizeof unavailable) == ATTN_OK) {
        attn_backend_device list[16];
        size_t count = gpu_backend->devices(list, 16);
        for (size_t i = 0; i < count && i < 16; i++)
            if (list[i].selected)
                gpu_device = (attn_gpu_device){list[i].compute_units, list[i].local_mem_bytes,
                                               list[i].max_group_size};
        unavailable[0] = '\0';
    }
    return 0;
}

void gpu_require_backend(void)
{
    if (unavailable[0]) {
        print_message("skipped: %s backend unavailable: %s\n", BACKEND, unavailable);
        skip();
    }
}

int gpu_exit_status(int failed)
{
    return failed ? failed : unavailable[0] ? 77 : 0;
}

attn_kernel_stats gpu_run_and_check(const attn_kernel_ops *ops, const attn_problem *p,
                                    gpu_reference_fn reference, const char *what)
{
    void *ctx = NULL;
    size_t elems = 0;
    attn_kernel_stats stats = {0};
    double seconds = -1;
    assert_int_equal(gpu_backend->alloc(&ctx, ops, p, &elems), ATTN_OK);
    assert_int_equal(gpu_backend->run(ctx, &stats, &seconds), ATTN_OK);
    assert_int_equal(gpu_backend->sync(ctx), ATTN_OK);
    assert_true(seconds >= 0);
    float *got = calloc(elems + 1, sizeof *got);
    double *ref = calloc(elems + 1, sizeof *ref);
    assert_non_null(got);
    assert_non_null(ref);
    assert_int_equal(gpu_backend->download(ctx, got), ATTN_OK);
    assert_int_equal(reference ? reference(p, ref) : gpu_backend->reference(ctx, ref), ATTN_OK);
    for (size_t i = 0; i < elems; i++)
        if (!isfinite(got[i]) || fabs((double)got[i] - ref[i]) > ATOL + RTOL * fabs(ref[i]))
            fail_msg("%s: element %zu is %.9g, reference %.9g", what, i, (double)got[i],
                     ref[i]);
    free(got);
    free(ref);
    gpu_backend->free(ctx);
    return stats;
}

void gpu_describe(const attn_problem *p, char *text, size_t len)
{
    static const char *const stores[] = {"fp32", "fp16", "bf16"};
    snprintf(text, len, "%s %s b=%lld h=%lld kv=%lld n=%lld d=%lld/%lld%s %s sram=%zu", BACKEND,
             p->phase == ATTN_PHASE_DECODE ? "decode" : "prefill", (long long)p->batch,
             (long long)p->heads, (long long)p->kv_heads, (long long)p->n, (long long)p->d_qk,
             (long long)p->d_v, p->causal ? " causal" : "", stores[p->store], p->sram_bytes);
}

uint64_t gpu_flash_kv_rows(int64_t n, bool causal, int64_t block_rows, int64_t block_cols)
{
    uint64_t rows = 0;
    for (int64_t i0 = 0; i0 < n; i0 += block_rows) {
        int64_t last = i0 + block_rows < n ? i0 + block_rows : n;
        int64_t seen = causal ? last : n;
        int64_t loaded = (seen + block_cols - 1) / block_cols * block_cols;
        rows += (uint64_t)(loaded < n ? loaded : n);
    }
    return rows;
}
