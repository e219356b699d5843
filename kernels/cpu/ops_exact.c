/* ops_exact.c — standard and flash attention as backend ops (CPU).
 *
 * Prefill runs attn_cpu_standard / attn_cpu_flash; decode runs the standard kernel on one
 * query row (fp32 cache) or flash-decoding over a cache in any store, contiguous or paged. The
 * inputs and the reference are shared with the GPU ops of the same variants (ops_gpu_exact.c).
 */
#include <stdlib.h>

#include "ops_internal.h"

/* The cache as a server holds it: any store, contiguous or paged (attn_kv_cache_build). */
static bool needs_cache(const attn_problem *p)
{
    return p->phase == ATTN_PHASE_DECODE
           && (p->store != ATTN_DTYPE_FP32 || p->kv_layout != ATTN_KV_CONTIGUOUS
               || p->seq_lens);
}

int attn_exact_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    attn_exact_work *w = calloc(1, sizeof *w);
    if (!w || attn_qkv_init(&w->qkv, p)) {
        free(w);
        return ATTN_ERR_NOMEM;
    }
    if (needs_cache(p)) {
        int rc = attn_kv_cache_build(&w->qkv.dims, p->store, p->kv_layout, p->block_size,
                                     p->seed ^ 0x9e3779b97f4a7c15ull, p->seq_lens, w->qkv.k,
                                     w->qkv.v, &w->cache);
        if (rc) {
            attn_qkv_free(&w->qkv);
            free(w);
            return rc;
        }
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
    attn_kv_cache_free(&w->cache);
    attn_qkv_free(&w->qkv);
    free(w);
}

/* The cache decode reads: the built one, or the fp32 K and V in place. */
static attn_kv_cache cache_of(const attn_exact_work *w)
{
    if (w->cache.k)
        return w->cache.cache;
    return (attn_kv_cache){.store = ATTN_DTYPE_FP32, .layout = ATTN_KV_CONTIGUOUS,
                           .k = w->qkv.k, .v = w->qkv.v};
}

const void *attn_exact_cache_k(const attn_exact_work *w)
{
    return cache_of(w).k;
}

const void *attn_exact_cache_v(const attn_exact_work *w)
{
    return cache_of(w).v;
}

int64_t attn_exact_head_rows(const attn_exact_work *w)
{
    const attn_kv_cache cache = cache_of(w);
    return attn_kv_head_rows(&w->qkv.dims, &cache);
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
    if (p->phase == ATTN_PHASE_DECODE) {
        const attn_kv_cache cache = cache_of(w);
        return attn_cpu_decode_cache(&w->qkv.dims, &cache, w->qkv.q, out, stats);
    }
    return attn_cpu_flash(&w->qkv.dims, p->sram_bytes, w->qkv.q, w->qkv.k, w->qkv.v, out, stats);
}

int attn_exact_reference(const attn_problem *p, void *work, double *out)
{
    attn_exact_work *w = work;
    if (p->phase == ATTN_PHASE_DECODE) {
        const attn_kv_cache cache = cache_of(w);
        return attn_ref_decode_cache(&w->qkv.dims, &cache, w->qkv.q, out);
    }
    return attn_ref_attention(&w->qkv.dims, w->qkv.q, w->qkv.k, w->qkv.v, out);
}

static const char *standard_unsupported(const attn_problem *p)
{
    if (needs_cache(p))
        return "the standard kernel reads a contiguous fp32 cache (flash-decoding reads every "
               "store and layout)";
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
                                               false, NULL, NULL, false};
const attn_kernel_ops attn_cpu_ops_flash = {attn_exact_setup, flash_run,
                                            attn_exact_reference, attn_exact_teardown,
                                            flash_unsupported, NULL, attn_qkv_baseline, true, NULL,
                                            NULL, true};
