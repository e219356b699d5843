/* kv_cache.c — serving caches for decode: built from fp32 K and V (quantised, contiguous or
 * paged with blocks scattered at random, as a long-running vLLM pool ends up), and the bytes
 * a decode step over one reads (the formula attn_cpu_decode_cache's count must equal).
 * Both layouts' arrays are asked for transparent huge pages, as a serving engine's long-lived
 * pool would be (PyTorch's CPU allocator does so for buffers of 2 MiB and more under
 * C10_THP_MEM_ALLOC_ENABLE: c10/core/alloc_cpu.cpp): with 4 KiB pages every scattered 16-token
 * block costs a page walk that the contiguous layout's neighbouring pages share.
 * A contiguous cache gives each (sequence, KV head) an odd number of rows: at an even n_kv, one
 * row of padding. A row's bytes are 2^k times an odd number, so an odd count of rows is too,
 * and the rows of 4096 / 2^k neighbouring KV heads, which decode reads side by side (the
 * lanes hold up to 16), fall at different offsets within 4 KiB. Unpadded, at d 128 in fp16
 * and an n_kv that is a multiple of 16, they lie a multiple of 4 KiB apart, in the same L1 and
 * L2 sets. 8 heads on 8 KV heads, one core, cache in L3 (bench/decode_cycles fp16 8 4096,
 * heads 4096 rows apart, against 4097; three alternating rounds): 32.0 24.9 25.5 against
 * 25.3 23.4 24.3 ns per key and KV head.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu_internal.h"

int64_t attn_kv_head_rows(const attn_dims *dims, const attn_kv_cache *cache)
{
    return cache->head_rows ? cache->head_rows : dims->n_kv;
}

static int64_t len_of(const attn_dims *dims, const int32_t *seq_lens, int64_t b)
{
    return seq_lens ? seq_lens[b] : dims->n_kv;
}

void attn_decode_cache_count(const attn_dims *dims, const attn_kv_cache *cache,
                             attn_kernel_stats *stats)
{
    const uint64_t size = attn_dtype_size(cache->store);
    const uint64_t kv_heads = (uint64_t)dims->kv_heads, d = (uint64_t)(dims->d_qk + dims->d_v);
    const uint64_t q_rows = (uint64_t)(dims->batch * dims->heads);
    uint64_t tokens = 0, blocks = 0;
    for (int64_t b = 0; b < dims->batch; b++) {
        const int64_t len = len_of(dims, cache->seq_lens, b);
        tokens += (uint64_t)len;
        if (cache->layout == ATTN_KV_PAGED)
            blocks += (uint64_t)attn_ceil_div(len, cache->block_size);
    }
    const uint64_t scales = cache->store == ATTN_DTYPE_INT8 ? 2 * sizeof(float) : 0;
    memset(stats, 0, sizeof *stats);
    stats->bytes_read = kv_heads * tokens * (d * size + scales) + 4 * kv_heads * blocks
                        + (cache->seq_lens ? 4 * (uint64_t)dims->batch : 0)
                        + 4 * q_rows * (uint64_t)dims->d_qk;
    stats->bytes_written = 4 * q_rows * (uint64_t)dims->d_v;
    stats->flops = 2 * (uint64_t)dims->heads * tokens * d;
}

void attn_kv_cache_free(attn_kv_owned *owned)
{
    free(owned->k);
    free(owned->v);
    free(owned->k_scale);
    free(owned->v_scale);
    free(owned->block_table);
    free(owned->seq_lens);
    memset(owned, 0, sizeof *owned);
}

/* Block order: pool slot of the i-th block in sequence order, a seeded random permutation. */
static int32_t *scattered_blocks(int64_t count, uint64_t seed)
{
    int32_t *order = malloc((size_t)count * sizeof *order + 1);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (order && rng) {
        for (int64_t i = 0; i < count; i++)
            order[i] = (int32_t)i;
        gsl_rng_set(rng, (unsigned long)seed);
        gsl_ran_shuffle(rng, order, (size_t)count, sizeof *order);
    } else {
        free(order);
        order = NULL;
    }
    gsl_rng_free(rng);
    return order;
}

/* Zeroed like calloc and freed by free(); 2 MiB-aligned and advised huge when that large. */
static void *pool_alloc(size_t bytes)
{
    enum { HUGE = 2 << 20 };
    void *p = NULL;
    if (bytes < HUGE)
        return calloc(bytes, 1);
    if (posix_memalign(&p, HUGE, bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: 4 KiB pages still work if refused */
#endif
    memset(p, 0, bytes);
    return p;
}

static int build_alloc(attn_kv_owned *o, const attn_dims *dims, int64_t rows, bool int8)
{
    const size_t size = attn_dtype_size(o->cache.store);
    o->k = pool_alloc((size_t)(rows * dims->d_qk) * size + 1);
    o->v = pool_alloc((size_t)(rows * dims->d_v) * size + 1);
    if (int8) {
        o->k_scale = calloc((size_t)rows + 1, sizeof(float));
        o->v_scale = calloc((size_t)rows + 1, sizeof(float));
    }
    return o->k && o->v && (!int8 || (o->k_scale && o->v_scale)) ? ATTN_OK : ATTN_ERR_NOMEM;
}

/* Rows [token, token + count) of (b, kv_head) from the fp32 inputs into cache row `row`. */
static void build_rows(attn_kv_owned *o, const attn_dims *dims, const float *k, const float *v,
                       int64_t b, int64_t kv_head, int64_t token, int64_t count, int64_t row)
{
    const size_t size = attn_dtype_size(o->cache.store);
    const int64_t src = (b * dims->kv_heads + kv_head) * dims->n_kv + token;
    attn_dtype_rows(o->cache.store, k + src * dims->d_qk, (size_t)count, (size_t)dims->d_qk,
                    (char *)o->k + (size_t)(row * dims->d_qk) * size,
                    o->k_scale ? o->k_scale + row : NULL);
    attn_dtype_rows(o->cache.store, v + src * dims->d_v, (size_t)count, (size_t)dims->d_v,
                    (char *)o->v + (size_t)(row * dims->d_v) * size,
                    o->v_scale ? o->v_scale + row : NULL);
}

static int build_paged(attn_kv_owned *o, const attn_dims *dims, uint64_t seed, const float *k,
                       const float *v)
{
    const int64_t bs = o->cache.block_size, max_blocks = attn_ceil_div(dims->n_kv, bs);
    int64_t total = 0;
    for (int64_t b = 0; b < dims->batch; b++)
        total += attn_ceil_div(len_of(dims, o->seq_lens, b), bs);
    o->num_blocks = total > 0 ? total : 1;
    int32_t *order = scattered_blocks(o->num_blocks, seed);
    o->block_table = calloc((size_t)(dims->batch * max_blocks) + 1, sizeof *o->block_table);
    int rc = order && o->block_table ? ATTN_OK : ATTN_ERR_NOMEM;
    if (rc == ATTN_OK)
        rc = build_alloc(o, dims, o->num_blocks * dims->kv_heads * bs,
                         o->cache.store == ATTN_DTYPE_INT8);
    for (int64_t b = 0, next = 0; rc == ATTN_OK && b < dims->batch; b++) {
        const int64_t len = len_of(dims, o->seq_lens, b);
        for (int64_t i = 0; i * bs < len; i++) {
            const int32_t block = order[next++];
            o->block_table[b * max_blocks + i] = block;
            for (int64_t h = 0; h < dims->kv_heads; h++)
                build_rows(o, dims, k, v, b, h, i * bs, attn_min64(bs, len - i * bs),
                           (block * dims->kv_heads + h) * bs);
        }
    }
    free(order);
    o->cache.block_table = o->block_table;
    o->cache.max_blocks = max_blocks;
    o->cache.num_blocks = o->num_blocks;
    return rc;
}

int attn_kv_cache_build(const attn_dims *dims, attn_dtype store, attn_kv_layout layout,
                        int64_t block_size, uint64_t seed, const int32_t *seq_lens,
                        const float *k, const float *v, attn_kv_owned *out)
{
    memset(out, 0, sizeof *out);
    int rc = attn_dims_check(dims);
    if (rc)
        return rc;
    if (attn_dtype_size(store) == 0)
        return ATTN_ERR_UNSUPPORTED; /* int4: no kernel holds it */
    if ((layout == ATTN_KV_PAGED && block_size < 1)
        || (layout != ATTN_KV_PAGED && layout != ATTN_KV_CONTIGUOUS))
        return ATTN_ERR_RANGE;
    out->cache = (attn_kv_cache){.store = store, .layout = layout, .block_size = block_size};
    if (seq_lens) {
        out->seq_lens = malloc((size_t)dims->batch * sizeof *seq_lens);
        if (!out->seq_lens)
            return ATTN_ERR_NOMEM;
        memcpy(out->seq_lens, seq_lens, (size_t)dims->batch * sizeof *seq_lens);
        for (int64_t b = 0; b < dims->batch; b++)
            if (seq_lens[b] < 0 || seq_lens[b] > dims->n_kv) {
                attn_kv_cache_free(out);
                return ATTN_ERR_RANGE;
            }
    }
    if (layout == ATTN_KV_PAGED) {
        rc = build_paged(out, dims, seed, k, v);
    } else {
        out->cache.head_rows = dims->n_kv | 1;
        rc = build_alloc(out, dims, dims->batch * dims->kv_heads * out->cache.head_rows,
                         store == ATTN_DTYPE_INT8);
        for (int64_t c = 0; rc == ATTN_OK && c < dims->batch * dims->kv_heads; c++)
            build_rows(out, dims, k, v, c / dims->kv_heads, c % dims->kv_heads, 0, dims->n_kv,
                       c * out->cache.head_rows);
    }
    if (rc) {
        attn_kv_cache_free(out);
        return rc;
    }
    out->cache.k = out->k;
    out->cache.v = out->v;
    out->cache.k_scale = out->k_scale;
    out->cache.v_scale = out->v_scale;
    out->cache.seq_lens = out->seq_lens;
    return ATTN_OK;
}
