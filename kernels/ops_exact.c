/* ops_exact.c — standard and flash attention as backend ops (CPU).
 *
 * Prefill runs attn_cpu_standard / attn_cpu_flash; decode runs the standard kernel on one
 * query row (fp32 cache) or flash-decoding over a cache stored as fp32, fp16 or bf16. The
 * inputs and the reference are shared with the GPU ops of the same variants (ops_gpu_exact.c).
 */
#include <stdlib.h>

#include "ops_internal.h"

int attn_exact_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    attn_exact_work *w = calloc(1, sizeof *w);
    if (!w || attn_qkv_init(&w->qkv, p)) {
        free(w);
        return ATTN_ERR_NOMEM;
    }
    if (p->phase == ATTN_PHASE_DECODE && p->store != ATTN_STORE_FP32) {
        size_t size = attn_store_size(p->store);
        w->k_store = malloc(w->qkv.k_elems * size + 1);
        w->v_store = malloc(w->qkv.v_elems * size + 1);
        if (!w->k_store || !w->v_store) {
            free(w->k_store);
            free(w->v_store);
            attn_qkv_free(&w->qkv);
            free(w);
            return ATTN_ERR_NOMEM;
        }
        attn_store_from_f32(p->store, w->qkv.k, w->qkv.k_elems, w->k_store);
        attn_store_from_f32(p->store, w->qkv.v, w->qkv.v_elems, w->v_store);
    }
    *work = w;
    *out_elems = w->qkv.o_elems;
    return ATTN_OK;
}

void attn_exact_teardown(void *work)
{
    attn_exact_work *w = work;
    if (!w)
        return;
    free(w->k_store);
    free(w->v_store);
    attn_qkv_free(&w->qkv);
    free(w);
}

const void *attn_exact_cache_k(const attn_exact_work *w)
{
    return w->k_store ? w->k_store : w->qkv.k;
}

const void *attn_exact_cache_v(const attn_exact_work *w)
{
    return w->v_store ? w->v_store : w->qkv.v;
}

static int standard_run(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats)
{
    (void)p;
    attn_exact_work *w = work;
    return attn_cpu_standard(&w->qkv.dims, w->qkv.q, w->qkv.k, w->qkv.v, out, stats);
}

static int flash_run(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats)
{
    attn_exact_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE)
        return attn_cpu_decode(&w->qkv.dims, p->store, w->qkv.q, attn_exact_cache_k(w),
                               attn_exact_cache_v(w), out, stats);
    return attn_cpu_flash(&w->qkv.dims, p->sram_bytes, w->qkv.q, w->qkv.k, w->qkv.v, out, stats);
}

int attn_exact_reference(const attn_problem *p, void *work, double *out)
{
    attn_exact_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE)
        return attn_ref_decode(&w->qkv.dims, p->store, w->qkv.q, attn_exact_cache_k(w),
                               attn_exact_cache_v(w), out);
    return attn_ref_attention(&w->qkv.dims, w->qkv.q, w->qkv.k, w->qkv.v, out);
}

static const char *standard_unsupported(const attn_problem *p)
{
    if (p->phase == ATTN_PHASE_DECODE && p->store != ATTN_STORE_FP32)
        return "the standard kernel reads an fp32 cache (flash-decoding reads fp16/bf16)";
    return NULL;
}

static const char *flash_unsupported(const attn_problem *p)
{
    (void)p;
    return NULL;
}

const attn_kernel_ops attn_cpu_ops_standard = {attn_exact_setup, standard_run,
                                               attn_exact_reference, attn_exact_teardown,
                                               standard_unsupported, NULL, attn_qkv_baseline,
                                               false};
const attn_kernel_ops attn_cpu_ops_flash = {attn_exact_setup, flash_run,
                                            attn_exact_reference, attn_exact_teardown,
                                            flash_unsupported, NULL, attn_qkv_baseline, true};
