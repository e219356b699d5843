/* performer.c — Performer (FAVOR+) prefill: linear-time attention through random features.
 *
 * Per (batch, KV head), OpenMP over them: non-causal absorbs every key into the state
 * (S = φ(K)^T V, z = φ(K)^T 1, blocks of keys at a time) and then reads each query of the
 * group out of it; causal walks the tokens in order, absorbing key j and then answering the
 * queries that sit at position j (a prefix sum). The state is an m×(d_v + 1) tile in workspace,
 * so nothing grows with n.
 */
#include <omp.h>
#include <string.h>

#include "cpu_internal.h"

enum { FAVOR_BLOCK = 64 }; /* rows whose feature exponents are computed at once */

typedef struct performer_ws {
    float *u;
    attn_favor_state state;
} performer_ws;

static void performer_kv_head(const attn_dims *d, const attn_favor *fv, int64_t b,
                              int64_t kv_head, const float *q, const float *k, const float *v,
                              float *o, const performer_ws *ws)
{
    const int64_t group = d->heads / d->kv_heads, first_head = kv_head * group;
    const float *k_head = k + (b * d->kv_heads + kv_head) * d->n_kv * d->d_qk;
    const float *v_head = v + (b * d->kv_heads + kv_head) * d->n_kv * d->d_v;
    attn_favor_state_init(fv, ws->state);
    if (!d->causal) {
        for (int64_t j0 = 0; j0 < d->n_kv; j0 += FAVOR_BLOCK)
            attn_favor_absorb(fv, k_head + j0 * d->d_qk, v_head + j0 * d->d_v,
                              attn_min64(FAVOR_BLOCK, d->n_kv - j0), ws->u, ws->state);
        for (int64_t h = first_head; h < first_head + group; h++)
            for (int64_t i0 = 0; i0 < d->n_q; i0 += FAVOR_BLOCK)
                attn_favor_readout(fv, q + attn_q_offset(d, b, h) + i0 * d->d_qk,
                                   attn_min64(FAVOR_BLOCK, d->n_q - i0), ws->u, ws->state,
                                   o + attn_o_offset(d, b, h) + i0 * d->d_v);
        return;
    }
    const int64_t first_position = d->n_kv - d->n_q; /* query i sits at first_position + i */
    const int64_t unseeing = first_position < 0 ? attn_min64(-first_position, d->n_q) : 0;
    for (int64_t h = first_head; h < first_head + group; h++)
        memset(o + attn_o_offset(d, b, h), 0, (size_t)(unseeing * d->d_v) * sizeof *o);
    for (int64_t j = 0; j < d->n_kv; j++) {
        attn_favor_absorb(fv, k_head + j * d->d_qk, v_head + j * d->d_v, 1, ws->u, ws->state);
        const int64_t i = j - first_position;
        if (i < 0)
            continue;
        for (int64_t h = first_head; h < first_head + group; h++)
            attn_favor_readout(fv, q + attn_q_offset(d, b, h) + i * d->d_qk, 1, ws->u, ws->state,
                               o + attn_o_offset(d, b, h) + i * d->d_v);
    }
}

static void count_performer(const attn_dims *d, const attn_favor *fv, attn_kernel_stats *stats)
{
    const uint64_t q_rows = (uint64_t)(d->batch * d->heads * d->n_q);
    const uint64_t k_rows = (uint64_t)(d->batch * d->kv_heads * d->n_kv);
    stats->bytes_read = 4 * (q_rows * (uint64_t)d->d_qk + k_rows * (uint64_t)(d->d_qk + d->d_v)
                             + (uint64_t)(fv->m * d->d_qk));
    stats->bytes_written = 4 * q_rows * (uint64_t)d->d_v;
    attn_favor_count(fv, k_rows, q_rows, stats);
}

int attn_cpu_performer(const attn_dims *dims, int64_t m, const float *omega, const float *q,
                       const float *k, const float *v, float *o, attn_kernel_stats *stats)
{
    int rc = attn_dims_check(dims);
    const int64_t state_size[] = {m, dims ? dims->d_v + FAVOR_BLOCK + 1 : 0};
    if (rc || m < 1 || attn_checked_product(2, state_size) < 0)
        return rc ? rc : ATTN_ERR_RANGE;
    attn_counter counter;
    attn_counter_begin(&counter);
    const attn_favor fv = {.omega = omega, .m = m, .d_qk = dims->d_qk, .d_v = dims->d_v};
    const int threads = omp_get_max_threads();
    const int64_t per_thread = m * (FAVOR_BLOCK + dims->d_v + 1) + 1;
    float *floats = attn_kalloc((size_t)(threads * per_thread) * sizeof *floats);
    if (!floats)
        return ATTN_ERR_NOMEM;
#pragma omp parallel for schedule(dynamic)
    for (int64_t cache = 0; cache < dims->batch * dims->kv_heads; cache++) {
        float *mine = floats + omp_get_thread_num() * per_thread;
        const performer_ws ws = {
            .u = mine,
            .state = {.s = mine + m * FAVOR_BLOCK, .z = mine + m * (FAVOR_BLOCK + dims->d_v),
                      .shift = mine + per_thread - 1},
        };
        performer_kv_head(dims, &fv, cache / dims->kv_heads, cache % dims->kv_heads, q, k, v, o,
                          &ws);
    }
    attn_kfree(floats);
    count_performer(dims, &fv, &counter.stats);
    attn_counter_end(&counter, stats);
    return ATTN_OK;
}
