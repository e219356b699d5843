/* cpu_internal.h — pieces the CPU kernels share: per-head geometry, call accounting, the
 * online softmax, tile arithmetic and the one-head standard algorithm.
 *
 * Not installed and not for callers: kernels.h is the interface. Each piece lives in its own
 * file (dims.c, counter.c, online_softmax.c, tile_math.c, dense_head.c, reference.c).
 */
#ifndef ATTN_CPU_INTERNAL_H
#define ATTN_CPU_INTERNAL_H

#include "../int_math.h"
#include "../kernels.h"

/* One head's problem: n_q queries against n_kv keys. */
typedef struct attn_head_shape {
    int64_t n_q, n_kv, d_qk, d_v;
    bool causal;
} attn_head_shape;

static inline attn_head_shape attn_head_shape_of(const attn_dims *dims)
{
    return (attn_head_shape){dims->n_q, dims->n_kv, dims->d_qk, dims->d_v, dims->causal};
}

/* How many keys query i sees: all, or (causal) those up to its absolute position. */
static inline int64_t attn_visible_keys(const attn_head_shape *shape, int64_t i)
{
    if (!shape->causal)
        return shape->n_kv;
    int64_t limit = shape->n_kv - shape->n_q + i + 1;
    return limit < 0 ? 0 : (limit > shape->n_kv ? shape->n_kv : limit);
}

/* The references' own statement of the mask, kept apart from attn_visible_keys so that a
 * mistake in one is caught by the other: query i sits at position n_kv - n_q + i. */
static inline bool attn_ref_sees(const attn_head_shape *shape, int64_t i, int64_t j)
{
    return !shape->causal || j <= shape->n_kv - shape->n_q + i;
}

static inline attn_head_shape attn_mla_head_shape(const attn_mla_dims *dims)
{
    return (attn_head_shape){dims->n_q, dims->n_kv, dims->d_n + dims->d_r, dims->d_v,
                             dims->causal};
}

/* Element offsets of head h of batch b in the Q/O and K/V layouts of kernels.h. */
static inline size_t attn_q_offset(const attn_dims *d, int64_t b, int64_t h)
{
    return (size_t)((b * d->heads + h) * d->n_q * d->d_qk);
}
static inline size_t attn_o_offset(const attn_dims *d, int64_t b, int64_t h)
{
    return (size_t)((b * d->heads + h) * d->n_q * d->d_v);
}
static inline size_t attn_k_offset(const attn_dims *d, int64_t b, int64_t h)
{
    int64_t kv_head = h / (d->heads / d->kv_heads);
    return (size_t)((b * d->kv_heads + kv_head) * d->n_kv * d->d_qk);
}
static inline size_t attn_v_offset(const attn_dims *d, int64_t b, int64_t h)
{
    int64_t kv_head = h / (d->heads / d->kv_heads);
    return (size_t)((b * d->kv_heads + kv_head) * d->n_kv * d->d_v);
}

/* Product of `count` non-negative factors, or -1 when it would pass 2^62 (so that a byte
 * count of it still fits). */
int64_t attn_checked_product(int count, const int64_t *factors);

/* ---- call accounting (counter.c) ---- */

typedef struct attn_counter {
    attn_kernel_stats stats;
    size_t mark;
} attn_counter;

void attn_counter_begin(attn_counter *counter);
/* Adds a part's counts (not its peak); safe from concurrent OpenMP threads. */
void attn_counter_add(attn_counter *counter, const attn_kernel_stats *part);
/* Fills peak_bytes and copies the stats to `out` when it is not NULL. */
void attn_counter_end(attn_counter *counter, attn_kernel_stats *out);

/* ---- softmax (online_softmax.c) ---- */

/* Softmax of row[0, visible) in place, zeros in row[visible, len); all zeros when visible is 0. */
void attn_softmax_row(float *row, int64_t visible, int64_t len);

/* Online softmax over key blocks for `rows` query rows: running max m, running sum l and
 * unnormalised output acc [rows][d_v] (leading dimension d_v). */
void attn_online_init(int64_t rows, int64_t d_v, float *m, float *l, float *acc);
/* Scores s [rows][lds] of keys key0 .. key0 + cols - 1; row r sees keys below limit[r].
 * Turns s into unnormalised probabilities (masked ones 0), updates m and l, and rescales acc
 * so that adding s·V_block to it keeps it consistent. */
void attn_online_block(float *s, int64_t lds, int64_t rows, int64_t cols, int64_t key0,
                       const int64_t *limit, float *m, float *l, float *acc, int64_t d_v);
/* out row r = acc row r / l[r], or zeros when the row saw no key. */
void attn_online_finish(int64_t rows, int64_t d_v, const float *l, const float *acc, float *out,
                        int64_t ld_out);

/* ---- tile arithmetic (tile_math.c), for use inside OpenMP regions ---- */

/* s[r][c] = scale · q_r · k_c, r < rows, c < cols, over d elements. */
void attn_tile_scores(int64_t rows, int64_t cols, int64_t d, float scale, const float *q,
                      int64_t ldq, const float *k, int64_t ldk, float *s, int64_t lds);
/* acc[r] += Σ_c p[r][c] · v_c over d_v elements. */
void attn_tile_accumulate(int64_t rows, int64_t cols, int64_t d_v, const float *p, int64_t ldp,
                          const float *v, int64_t ldv, float *acc, int64_t ldacc);

/* ---- the standard algorithm for one head (dense_head.c) ---- */

/* S = Q K^T / sqrt(d_qk), masked softmax, O = P V; s is n_q·n_kv floats of workspace. */
void attn_dense_head(const attn_head_shape *shape, const float *q, const float *k,
                     const float *v, float *s, float *o);
/* Adds the Algorithm 0 traffic and FLOPs of one attn_dense_head call. */
void attn_dense_head_count(const attn_head_shape *shape, attn_kernel_stats *stats);

/* ---- FAVOR+ feature map and state (favor.c), for use inside OpenMP regions ---- */

typedef struct attn_favor {
    const float *omega; /* [m][d_qk] */
    int64_t m, d_qk, d_v;
} attn_favor;

/* One KV head's state: s [m][d_v] = Σ phi(k) v^T, z [m] = Σ phi(k), both · exp(-*shift). */
typedef struct attn_favor_state {
    float *s, *z, *shift;
} attn_favor_state;

void attn_favor_state_init(const attn_favor *fv, attn_favor_state state);
/* Folds `rows` keys k [rows][d_qk] and values v [rows][d_v] into the state; u is rows·m floats
 * of workspace. */
void attn_favor_absorb(const attn_favor *fv, const float *k, const float *v, int64_t rows,
                       float *u, attn_favor_state state);
/* o [rows][d_v] = phi(q) s / phi(q)·z, zeros where the denominator is 0 (no key yet). */
void attn_favor_readout(const attn_favor *fv, const float *q, int64_t rows, float *u,
                        attn_favor_state state, float *o);
/* Adds the FLOPs of absorbing key_rows keys and reading out query_rows queries. */
void attn_favor_count(const attn_favor *fv, uint64_t key_rows, uint64_t query_rows,
                      attn_kernel_stats *stats);

/* ---- the double reference for one head (reference.c) ---- */

int attn_ref_head(const attn_head_shape *shape, const double *q, const double *k,
                  const double *v, double *o);
/* dst[i] = (double)src[i]: references widen their fp32 inputs. */
void attn_widen(const float *src, size_t count, double *dst);

#endif
