/* performer_decode.c — Performer decode: a recurrent state per sequence instead of a KV cache.
 *
 * The state of each (batch, KV head) is S = Σ φ(k) v^T and z = Σ φ(k) with its running shift
 * (favor.c): m·(d_v + 1) + 1 floats whatever the number of tokens. A step absorbs the new
 * token's key and value and answers the new queries of the group from it, exactly the last row
 * of the causal prefill; it reads and writes the state once.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

/* The state of (sequence, KV head) `cache`: its slices of s, z and shift. */
static attn_favor_state state_of(const attn_performer_state *state, int64_t cache)
{
    const int64_t m = state->m;
    return (attn_favor_state){state->s + cache * m * state->dims.d_v, state->z + cache * m,
                              state->shift + cache};
}

int attn_performer_state_init(attn_performer_state *state, const attn_dims *dims, int64_t m)
{
    if (!state || !dims)
        return ATTN_ERR_RANGE;
    attn_dims step = *dims;
    step.n_q = 1;
    step.n_kv = 0;
    const int64_t state_size[] = {dims->batch, dims->kv_heads, m, dims->d_v + 1};
    int rc = attn_dims_check(&step);
    if (rc || m < 1 || attn_checked_product(4, state_size) < 0)
        return rc ? rc : ATTN_ERR_RANGE;
    const int64_t caches = step.batch * step.kv_heads;
    *state = (attn_performer_state){.dims = step, .m = m};
    state->s = attn_kalloc((size_t)(caches * m * step.d_v) * sizeof(float));
    state->z = attn_kalloc((size_t)(caches * m) * sizeof(float));
    state->shift = attn_kalloc((size_t)caches * sizeof(float));
    if (!state->s || !state->z || !state->shift) {
        attn_performer_state_free(state);
        return ATTN_ERR_NOMEM;
    }
    const attn_favor fv = {.m = m, .d_qk = step.d_qk, .d_v = step.d_v};
    for (int64_t c = 0; c < caches; c++)
        attn_favor_state_init(&fv, state_of(state, c));
    return ATTN_OK;
}

void attn_performer_state_free(attn_performer_state *state)
{
    if (!state)
        return;
    attn_kfree(state->s);
    attn_kfree(state->z);
    attn_kfree(state->shift);
    memset(state, 0, sizeof *state);
}

/* Tokens absorbed per call in a fill: u [FILL_ROWS][m] per thread (malloc, not the counting
 * allocator: a setup must not move a measured peak). */
enum { FILL_ROWS = 256 };

int attn_performer_state_fill(attn_performer_state *state, const float *omega, const float *k,
                              const float *v, int64_t count, int64_t ld)
{
    if (!state || !state->s || !omega || !k || !v || count < 0 || ld < count)
        return ATTN_ERR_RANGE;
    const attn_dims *d = &state->dims;
    const int64_t m = state->m;
    const attn_favor fv = {.omega = omega, .m = m, .d_qk = d->d_qk, .d_v = d->d_v};
    float *u = malloc((size_t)(omp_get_max_threads() * FILL_ROWS * m) * sizeof *u);
    if (!u)
        return ATTN_ERR_NOMEM;
#pragma omp parallel for if (count > 0)
    for (int64_t cache = 0; cache < d->batch * d->kv_heads; cache++) {
        const attn_favor_state st = state_of(state, cache);
        float *mine = u + omp_get_thread_num() * FILL_ROWS * m;
        for (int64_t j = 0; j < count; j += FILL_ROWS)
            attn_favor_absorb(&fv, k + (cache * ld + j) * d->d_qk, v + (cache * ld + j) * d->d_v,
                              attn_min64(FILL_ROWS, count - j), mine, st);
    }
    free(u);
    state->dims.n_kv += count;
    return ATTN_OK;
}

static void count_step(const attn_performer_state *state, attn_kernel_stats *stats)
{
    const attn_dims *d = &state->dims;
    const uint64_t caches = (uint64_t)(d->batch * d->kv_heads);
    const uint64_t queries = (uint64_t)(d->batch * d->heads), m = (uint64_t)state->m;
    const uint64_t state_floats = caches * (m * (uint64_t)(d->d_v + 1) + 1);
    stats->bytes_read = 4 * (queries * (uint64_t)d->d_qk + caches * (uint64_t)(d->d_qk + d->d_v)
                             + state_floats + m * (uint64_t)d->d_qk);
    stats->bytes_written = 4 * (queries * (uint64_t)d->d_v + state_floats);
    const attn_favor fv = {.m = state->m, .d_qk = d->d_qk, .d_v = d->d_v};
    attn_favor_count(&fv, caches, queries, stats);
}

int attn_cpu_performer_decode(attn_performer_state *state, const float *omega, const float *q,
                              const float *k, const float *v, float *o,
                              attn_kernel_stats *stats)
{
    if (!state || !state->s)
        return ATTN_ERR_RANGE;
    attn_counter counter;
    attn_counter_begin(&counter);
    const attn_dims *d = &state->dims;
    const int64_t m = state->m, group = d->heads / d->kv_heads;
    const attn_favor fv = {.omega = omega, .m = m, .d_qk = d->d_qk, .d_v = d->d_v};
    const int threads = omp_get_max_threads();
    float *u = attn_kalloc((size_t)(threads * group * m) * sizeof *u);
    if (!u)
        return ATTN_ERR_NOMEM;
#pragma omp parallel for
    for (int64_t cache = 0; cache < d->batch * d->kv_heads; cache++) {
        const attn_favor_state st = state_of(state, cache);
        float *mine = u + omp_get_thread_num() * group * m;
        const int64_t first_query = (cache / d->kv_heads) * d->heads
                                    + (cache % d->kv_heads) * group;
        attn_favor_absorb(&fv, k + cache * d->d_qk, v + cache * d->d_v, 1, mine, st);
        attn_favor_readout(&fv, q + first_query * d->d_qk, group, mine, st,
                           o + first_query * d->d_v);
    }
    attn_kfree(u);
    state->dims.n_kv++;
    count_step(state, &counter.stats);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
