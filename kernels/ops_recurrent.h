/* ops_recurrent.h — decode for variants whose cache is a fixed state (Performer, low-rank).
 *
 * Setup absorbs the first t - 1 cached tokens into the state in one call (the variant's fill)
 * and saves it; each run absorbs token t together with the new query. Before each timed or
 * simulated call the harness rewinds the state to the saved one (the ops' `rewind`), outside
 * the call, so every call does the same work and neither its time nor its traffic includes
 * the copy.
 */
#ifndef ATTN_OPS_RECURRENT_H
#define ATTN_OPS_RECURRENT_H

#include "ops_internal.h"

/* Where a variant keeps its state: up to three float arrays and a token counter. */
typedef struct attn_state_view {
    float *part[3];
    size_t floats[3];
    int64_t *tokens;
} attn_state_view;

typedef struct attn_recurrent_kind {
    /* Runs the variant's decode kernel: absorb (k, v) of one token, answer q into o. */
    int (*absorb)(void *ctx, const float *k, const float *v, const float *q, float *o,
                  attn_kernel_stats *stats);
    attn_state_view (*view)(void *ctx);
    /* Absorbs rows 0 .. count - 1 of k [groups][ld][d_qk], v [groups][ld][d_v] at once, as
     * count absorbs would, answering nothing. */
    int (*fill)(void *ctx, const float *k, const float *v, int64_t count, int64_t ld);
} attn_recurrent_kind;

typedef struct attn_recurrent {
    attn_qkv qkv; /* Q of the new token; K, V of all t cached tokens */
    float *k_tok, *v_tok;
    float *saved; /* the state after t - 1 tokens */
    int64_t saved_tokens;
} attn_recurrent;

/* qkv must be initialised; fills the state with tokens 0 .. t - 2 and saves it. */
int attn_recurrent_prepare(attn_recurrent *r, const attn_recurrent_kind *kind, void *ctx);
int attn_recurrent_step(attn_recurrent *r, const attn_recurrent_kind *kind, void *ctx,
                        float *out, attn_kernel_stats *stats);
/* Puts back the state prepare saved (a copy, outside the measured step). */
void attn_recurrent_rewind(attn_recurrent *r, const attn_recurrent_kind *kind, void *ctx);
void attn_recurrent_free(attn_recurrent *r);

/* Inputs and decode state of Performer (ops_performer.c) and low-rank (ops_lowrank.c), shared
 * with their GPU ops: Q, K, V in rec.qkv, the random features omega [m][d_qk], and the
 * mean-pooling projections e = f [k][n]; the states exist in decode only. */
typedef struct attn_performer_work {
    attn_recurrent rec;
    float *omega;
    attn_performer_state state;
    size_t s_floats, z_floats, shift_floats;
} attn_performer_work;
int attn_performer_setup(const attn_problem *p, void **work, size_t *out_elems);
void attn_performer_teardown(void *work);

typedef struct attn_lowrank_work {
    attn_recurrent rec;
    float *e, *f;
    attn_lowrank_state state;
    size_t k_floats, v_floats;
} attn_lowrank_work;
int attn_lowrank_setup(const attn_problem *p, void **work, size_t *out_elems);
void attn_lowrank_teardown(void *work);
const char *attn_lowrank_unsupported(const attn_problem *p);
/* The rank the low-rank ops run: min(k, n) (ops_lowrank.c). */
int64_t attn_lowrank_rank(const attn_problem *p);

#endif
