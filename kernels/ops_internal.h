/* ops_internal.h — helpers shared by the ops files (not for backends). */
#ifndef ATTN_OPS_INTERNAL_H
#define ATTN_OPS_INTERNAL_H

#include "ops.h"

/* The problem as kernels.h dims: decode is one query row against n cached tokens. */
attn_dims attn_ops_dims(const attn_problem *p);
/* a·b·c·d elements, or SIZE_MAX when negative or when its bytes (as doubles) overflow */
size_t attn_ops_elems(int64_t a, int64_t b, int64_t c, int64_t d);

/* Q, K, V in fp32 for a problem, seeded; NULL members on failure. */
typedef struct attn_qkv {
    attn_dims dims;
    float *q, *k, *v;
    size_t q_elems, k_elems, v_elems, o_elems;
} attn_qkv;
int attn_qkv_init(attn_qkv *qkv, const attn_problem *p);
void attn_qkv_free(attn_qkv *qkv);
/* Token i's keys and values of every (batch, KV head): k [batch][kv_heads][d_qk],
 * v [batch][kv_heads][d_v], as the recurrent decode kernels take them. */
void attn_qkv_token(const attn_qkv *qkv, int64_t i, float *k, float *v);
/* Inputs of standard and flash (ops_exact.c), shared with their GPU ops: Q, K, V, and in
 * decode the cache as stored when it is not contiguous fp32 (cache.k NULL otherwise). */
typedef struct attn_exact_work {
    attn_qkv qkv;
    attn_kv_owned cache;
} attn_exact_work;
int attn_exact_setup(const attn_problem *p, void **work, size_t *out_elems);
void attn_exact_teardown(void *work);
int attn_exact_reference(const attn_problem *p, void *work, double *out);
/* The contiguous decode cache as the GPU kernels read it: the stored copy, or the fp32 K and V;
 * rows per (sequence, KV head), n_kv and any padding (kernels.h, attn_kv_cache.head_rows). */
const void *attn_exact_cache_k(const attn_exact_work *w);
const void *attn_exact_cache_v(const attn_exact_work *w);
int64_t attn_exact_head_rows(const attn_exact_work *w);

/* Inputs of MLA (ops_mla.c), shared with its GPU ops (ops_gpu_mla.c): the weights, the
 * latent cache and the queries, as kernels.h's attn_mla_inputs. */
typedef struct attn_mla_work {
    attn_mla_dims dims;
    float *w_uk, *w_uv, *c, *k_r, *q_n, *q_r;
    attn_mla_inputs in;
    float *cache; /* mla-naive decode: decompressed Q, K, V (attn_mla_decompress) */
} attn_mla_work;
int attn_mla_baseline(const attn_problem *p, double *out);

/* The mean-of-V predictor (attn_kernel_ops.baseline): each query row the mean of the value
 * rows it sees (causal as kernels.h places the queries), in double. */
void attn_mean_v_baseline(const attn_dims *dims, const float *v, double *out);
/* The baseline of the ops built on attn_qkv inputs (exact, Performer, low-rank). */
int attn_qkv_baseline(const attn_problem *p, double *out);

/* Exact softmax attention in double: what the approximate variants are measured against. */
int attn_qkv_exact_reference(const attn_qkv *qkv, double *out);

#endif
