/* kernels.h — real CPU attention kernels, each beside a plain double-precision reference.
 *
 * The kernels exist to measure what the analytic model predicts: every call reports the FLOPs
 * it performed, the bytes it moved between the caller's large buffers and its tiles or state
 * ("counted" traffic, defined per kernel below) and the peak workspace it allocated. They
 * know shapes and buffers only: no model files, no cost formulas, no I/O (except that flash
 * may read the L2 size from sysfs when asked to pick its own tile size).
 *
 * Layouts are row-major fp32 unless a store says otherwise:
 *   Q [batch][heads][n_q][d_qk]     K [batch][kv_heads][n_kv][d_qk]
 *   O [batch][heads][n_q][d_v]      V [batch][kv_heads][n_kv][d_v]
 * Scores are scaled by 1/sqrt(d_qk). Query head h reads KV head h / (heads / kv_heads).
 * Causal: query i sits at absolute position n_kv - n_q + i and sees keys at positions <= it;
 * a query that sees no key (n_q > n_kv, or n_kv == 0) outputs zeros, never NaN.
 *
 * Conventions: functions return ATTN_OK (0) or a negative ATTN_ERR_* code (ATTN_ERR_RANGE for
 * bad dims, ATTN_ERR_NOMEM, ATTN_ERR_UNSUPPORTED for a combination a kernel cannot do).
 * `stats` may be NULL; when given it is overwritten, not accumulated. The caller owns every
 * buffer it passes; *_state_init allocates (through the counting allocator) what the matching
 * *_state_free releases. peak_bytes is exact when one kernel runs at a time: it is the peak of
 * the process-wide counting allocator since the call began, minus what was live at that point.
 * Every dimension must fit in 32 bits (BLAS indexes with int).
 */
#ifndef ATTN_KERNELS_H
#define ATTN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnscope.h"

typedef struct attn_dims {
    int64_t batch, heads, kv_heads;  /* heads % kv_heads == 0 */
    int64_t n_q, n_kv;               /* prefill: n_q == n_kv == n; decode: n_q == 1, n_kv = t */
    int64_t d_qk, d_v;
    bool causal;
} attn_dims;

/* Cache storage is the public attn_dtype. fp8 follows the OCP 8-bit formats vLLM's fp8 caches
 * use (ATTN_DTYPE_FP8 = e4m3fn: no infinities, saturates at 448; ATTN_DTYPE_FP8_E5M2:
 * binary16's top byte), scale 1. int8 is symmetric with one fp32 scale per (token, KV head)
 * for K and one for V: value = scale x int8. The kernels hold no int4 cache: its size is 0 and
 * they refuse it (ATTN_ERR_UNSUPPORTED). */

typedef struct attn_kernel_stats {
    uint64_t flops;          /* matmul multiply-adds x 2 (softmax/exp not included) */
    uint64_t other_flops;    /* softmax, scaling, normalisers (approximate, see each kernel) */
    uint64_t bytes_read;     /* bytes moved from large buffers into tiles/registers */
    uint64_t bytes_written;  /* bytes written back to large buffers */
    uint64_t peak_bytes;     /* peak workspace the kernel allocated during the call */
} attn_kernel_stats;

/* ---- counting allocator (thread-safe; 64-byte aligned) ------------------------------- */

void *attn_kalloc(size_t bytes);  /* NULL when out of memory */
void attn_kfree(void *block);     /* NULL is a no-op */
size_t attn_kalloc_current(void); /* bytes live now */
size_t attn_kalloc_peak(void);    /* highest live bytes since the last mark */
size_t attn_kalloc_mark(void);    /* restart the peak from the live bytes; returns them */

/* ---- storage formats: IEEE binary16 and bfloat16, round-to-nearest-even ------------- */

uint16_t attn_f32_to_f16(float value);
float attn_f16_to_f32(uint16_t bits);
uint16_t attn_f32_to_bf16(float value);
float attn_bf16_to_f32(uint16_t bits);
size_t attn_dtype_size(attn_dtype store); /* bytes per element; 0 for one the kernels hold not */
/* Element-wise rounding (int8: round and clamp to [-127, 127] with no scale). */
void attn_dtype_from_f32(attn_dtype store, const float *src, size_t count, void *dst);
/* dst[i] = element first + i of the store-typed array src (int8: the integer, unscaled). */
void attn_dtype_to_f32(attn_dtype store, const void *src, size_t first, size_t count,
                       float *dst);
/* rows x d values into the store; int8 also writes scales[r] = max |row r| / 127 (1 for an
 * all-zero row), others leave scales alone (it may be NULL for them). */
void attn_dtype_rows(attn_dtype store, const float *src, size_t rows, size_t d, void *dst,
                     float *scales);
/* OCP fp8, round to nearest even; e4m3 saturates to +-448 (never writes its NaN code),
 * e5m2 overflows to infinity like binary16. */
uint8_t attn_f32_to_e4m3(float value);
float attn_e4m3_to_f32(uint8_t bits);
uint8_t attn_f32_to_e5m2(float value);
float attn_e5m2_to_f32(uint8_t bits);

/* ---- shapes and tiles ---------------------------------------------------------------- */

int attn_dims_check(const attn_dims *dims);

/* FlashAttention's tiles for M = sram_bytes / 4 floats: block_cols = ceil(M / 4d),
 * block_rows = min(ceil(M / 4d), d), with d = max(d_qk, d_v). */
typedef struct attn_flash_tiles {
    int64_t block_rows, block_cols;
} attn_flash_tiles;
attn_flash_tiles attn_flash_tiles_for(size_t sram_bytes, int64_t d);
/* The CPU's "SRAM": the L2 size from sysfs, or 256 KiB when it cannot be read. */
size_t attn_cpu_sram_bytes(void);

/* One cache of cpu0 as sysfs describes it (cache_info.c); a field sysfs lacks is 0. */
typedef struct attn_cpu_cache {
    int level;           /* 1, 2, 3 */
    char type;           /* 'D' data, 'I' instruction, 'U' unified */
    size_t bytes;
    unsigned ways, line_bytes;
} attn_cpu_cache;
/* Up to max caches of cpu0, in sysfs order; the number found (0: sysfs has none). */
size_t attn_cpu_caches(attn_cpu_cache *list, size_t max);
/* The cache of `level` that holds data (instruction: that holds instructions), or with
 * level 0 the last level that does; NULL when there is none. */
const attn_cpu_cache *attn_cpu_cache_find(const attn_cpu_cache *list, size_t count, int level,
                                          bool instruction);

/* ---- exact attention ----------------------------------------------------------------- */

int attn_ref_attention(const attn_dims *dims, const float *q, const float *k, const float *v,
                       double *o);

/* Standard (FlashAttention's Algorithm 0): per (batch, head), S = scale·Q K^T (sgemm), row
 * softmax in place, O = P V (sgemm). Heads run one after another (BLAS threads the GEMMs,
 * OpenMP the softmax), so the workspace is exactly one S: n_q·n_kv·4 bytes.
 * Counted, per query head (K and V are re-read for each head of a GQA group):
 *   read  = 4·(n_q·d_qk + n_kv·d_qk + n_kv·d_v + 2·n_q·n_kv)   (Q, K, V; S; P)
 *   write = 4·(2·n_q·n_kv + n_q·d_v)                            (S; P; O)
 *   flops = 2·n_q·n_kv·(d_qk + d_v); other_flops = 5·n_q·n_kv. Causal masks inside the full S. */
int attn_cpu_standard(const attn_dims *dims, const float *q, const float *k, const float *v,
                      float *o, attn_kernel_stats *stats);

/* FlashAttention-2 loop order: query blocks of B_r rows outer (OpenMP over batch, head, query
 * block), key/value blocks of B_c rows inner, online softmax; n_q·n_kv is never materialised.
 * sram_bytes = 0 picks attn_cpu_sram_bytes(). Counted, per query head, T_r = ceil(n_q / B_r):
 *   read  = 4·(n_q·d_qk + kv_rows·(d_qk + d_v)),  write = 4·n_q·d_v
 * where kv_rows = T_r·n_kv non-causal; causal skips key blocks that every row of a query block
 * masks, so kv_rows = Σ_blocks min(n_kv, ceil(L/B_c)·B_c), L = the block's last row's number of
 * visible keys (0 when it sees none). No logsumexp is written (this is forward only).
 *   flops = Σ_processed tiles 2·rows·cols·(d_qk + d_v); other_flops = 5 per tile score. */
int attn_cpu_flash(const attn_dims *dims, size_t sram_bytes, const float *q, const float *k,
                   const float *v, float *o, attn_kernel_stats *stats);

/* Decode (flash-decoding): n_q == 1 query per head against n_kv = t cached tokens stored as
 * `store` in the K/V layouts above: attn_cpu_decode_cache on a contiguous cache without
 * scales (so ATTN_ERR_RANGE for int8, which needs them). Each (batch, KV head) cache is split
 * across threads; a split reads its tokens once for the whole group of query heads, and the
 * partial softmaxes (max, sum, unnormalised output, in workspace) are merged. Counted:
 *   read  = batch·kv_heads·t·(d_qk + d_v)·store_size + 4·batch·heads·d_qk,
 *   write = 4·batch·heads·d_v;  flops = 2·batch·heads·t·(d_qk + d_v). t = 0 outputs zeros.
 * dims->causal does not matter: the one query sits at the last position and sees every token.
 * ATTN_ERR_RANGE unless n_q == 1. */
int attn_cpu_decode(const attn_dims *dims, attn_dtype store, const float *q,
                    const void *k_cache, const void *v_cache, float *o,
                    attn_kernel_stats *stats);
/* The reference on the cache values as stored (fp16/bf16/fp8 rounded), i.e. what decode
 * computes; int8 values are taken unscaled (use attn_ref_decode_cache). */
int attn_ref_decode(const attn_dims *dims, attn_dtype store, const float *q,
                    const void *k_cache, const void *v_cache, double *o);

/* ---- decode over a serving cache: any store, contiguous or paged (decode_cache.c) ------ */

/* Contiguous: k [batch][kv_heads][head_rows][d_qk] of which the first n_kv rows hold tokens, v
 * likewise with d_v; int8 scales [batch][kv_heads][head_rows]. head_rows >= n_kv (0: n_kv) leaves
 * rows of padding after each KV head's tokens: attn_kv_cache_build makes it odd, so that the rows
 * of neighbouring KV heads that decode reads side by side do not lie a multiple of 4 KiB apart,
 * where they would share L1 and L2 sets (attn_kv_head_rows). Paged, as vLLM's PagedAttention
 * addresses it: a pool of blocks of block_size tokens, k [num_blocks][kv_heads][block_size][d_qk]
 * (each KV head's part of a block is one contiguous run), scales
 * [num_blocks][kv_heads][block_size], and block_table [batch][max_blocks]: token j of sequence b
 * lies in block block_table[b][j / block_size] at slot j % block_size. (vLLM's FlashAttention pool
 * puts a token's KV heads side by side, [num_blocks][block_size][kv_heads][head_dim]: 8/8 and
 * 32/4 fp16 ran 16-35% slower so, bench/decode_peers.md "Seventh pass".) vLLM's CUDA pool puts the
 * head dimension in x-wide slices (csrc/attention/attention_kernels.cuh: k_cache [num_blocks,
 * num_kv_heads, head_size/x, block_size, x]); a CPU reads a token's row whole, so this pool keeps
 * rows intact. */
typedef enum attn_kv_layout { ATTN_KV_CONTIGUOUS, ATTN_KV_PAGED } attn_kv_layout;

typedef struct attn_kv_cache {
    attn_dtype store;
    attn_kv_layout layout;
    const void *k, *v;
    const float *k_scale, *v_scale; /* int8 only */
    int64_t block_size, max_blocks; /* paged only: tokens per block, table row length */
    int64_t num_blocks;             /* paged only: blocks in the pool (entries are checked) */
    const int32_t *block_table;     /* paged only */
    const int32_t *seq_lens;        /* [batch] tokens per sequence (<= n_kv); NULL: all n_kv */
    int64_t head_rows;              /* contiguous only: rows per (sequence, KV head), >= n_kv;
                                       0: n_kv */
} attn_kv_cache;

/* Rows from one (sequence, KV head)'s first row to the next's in a contiguous cache. */
int64_t attn_kv_head_rows(const attn_dims *dims, const attn_kv_cache *cache);

/* Flash-decoding over the cache: each (sequence, KV head) is split into ranges of whole
 * blocks and chunks (no barrier between blocks); a task converts a chunk into fp32 tiles that
 * stay in L1 (or reads it in place: groups that fill the vector lanes, a lone query head),
 * serves every query head of the GQA group from that one read, keeps an online softmax per
 * head, and the partials are merged at the end. Paged runs prefetch the
 * next block. Counted (L_b = seq_lens[b]; S = store size; scales only for int8; table only
 * when paged; lens only when seq_lens is given):
 *   read  = kv_heads * sum_b L_b * ((d_qk + d_v) * S + 8)     cache (+ 4 B per K and V scale)
 *         + 4 * kv_heads * sum_b ceil(L_b / block_size)         block-table entries
 *         + 4 * batch (lens) + 4 * batch * heads * d_qk         (q)
 *   write = 4 * batch * heads * d_v
 *   flops = 2 * heads * sum_b L_b * (d_qk + d_v).
 * A partial last block is read only up to L_b (its padding slots are held, not read). */
int attn_cpu_decode_cache(const attn_dims *dims, const attn_kv_cache *cache, const float *q,
                          float *o, attn_kernel_stats *stats);
/* The double reference, addressing the cache on its own. */
int attn_ref_decode_cache(const attn_dims *dims, const attn_kv_cache *cache, const float *q,
                          double *o);
/* The counted formula above, for callers that predict (bench, tests). */
void attn_decode_cache_count(const attn_dims *dims, const attn_kv_cache *cache,
                             attn_kernel_stats *stats);

/* A cache built from fp32 K and V in the kernels.h layouts: quantised to `store`, either kept
 * contiguous or paged into a pool whose blocks are placed at random (GSL shuffle of `seed`).
 * seq_lens may be NULL (all n_kv); it is copied. The owner frees with attn_kv_cache_free. */
typedef struct attn_kv_owned {
    attn_kv_cache cache;
    void *k, *v;
    float *k_scale, *v_scale;
    int32_t *block_table, *seq_lens;
    int64_t num_blocks;
} attn_kv_owned;
int attn_kv_cache_build(const attn_dims *dims, attn_dtype store, attn_kv_layout layout,
                        int64_t block_size, uint64_t seed, const int32_t *seq_lens,
                        const float *k, const float *v, attn_kv_owned *out);
void attn_kv_cache_free(attn_kv_owned *owned);

/* ---- Performer (FAVOR+) ---------------------------------------------------------------- */

/* omega [m][d]: ceil(m/d) blocks of d×d Gaussians (GSL mt19937 seeded with `seed`),
 * orthogonalised by QR (sign-fixed so the directions are Haar), each row rescaled to the norm
 * of a fresh Gaussian d-vector (chi, d degrees of freedom). Same seed, same omega. */
int attn_performer_features(int64_t m, int64_t d, uint64_t seed, float *omega);

/* phi(x) = exp(w·x' - |x'|²/2 - max) / sqrt(m), x' = x / d_qk^(1/4), omega [m][d_qk] shared by
 * all heads. Queries subtract their own max over features; keys share one max per KV head (a
 * running max: the state is rescaled when it grows), so both cancel in the ratio.
 * Non-causal: S = φ(K)^T V, z = φ(K)^T 1 per KV head, O = φ(Q) S / φ(Q)·z. Causal: the same
 * state as a prefix sum, token by token. The state (m·(d_v + 1) per KV head) lives in
 * workspace (OpenMP over batch × KV head). Counted: read = 4·(batch·heads·n_q·d_qk
 * + batch·kv_heads·n_kv·(d_qk + d_v) + m·d_qk) (Q, K, V, omega), write = 4·batch·heads·n_q·d_v;
 * flops = 2m·(d_qk + d_v + 1)·(Q rows + K rows), with K rows = batch·kv_heads·n_kv (features,
 * state S and normaliser z) and Q rows = batch·heads·n_q (features, numerator, denominator). */
int attn_cpu_performer(const attn_dims *dims, int64_t m, const float *omega, const float *q,
                       const float *k, const float *v, float *o, attn_kernel_stats *stats);
/* The same estimator evaluated directly in double: weight(q, k) = Σ_f exp(u_f(q) + u_f(k)) / m. */
int attn_ref_performer(const attn_dims *dims, int64_t m, const float *omega, const float *q,
                       const float *k, const float *v, double *o);

/* Recurrent decode state, per sequence (not per token): s [batch][kv_heads][m][d_v],
 * z [batch][kv_heads][m], both scaled by exp(-shift[batch][kv_heads]). */
typedef struct attn_performer_state {
    attn_dims dims;   /* n_kv counts the tokens absorbed so far */
    int64_t m;
    float *s, *z, *shift;
} attn_performer_state;
int attn_performer_state_init(attn_performer_state *state, const attn_dims *dims, int64_t m);
void attn_performer_state_free(attn_performer_state *state);
/* Absorb one new token (k [batch][kv_heads][d_qk], v [batch][kv_heads][d_v]), then answer
 * q [batch][heads][d_qk] into o [batch][heads][d_v]: the causal prefill's last row. Counted:
 * read = 4·(q + k + v + state + m·d_qk), write = 4·(o + state), in elements: q = batch·heads·d_qk,
 * k + v = batch·kv_heads·(d_qk + d_v), o = batch·heads·d_v, state = batch·kv_heads·(m·(d_v+1)+1).
 * flops as prefill's with one key row per KV head and one query row per head. */
int attn_cpu_performer_decode(attn_performer_state *state, const float *omega, const float *q,
                              const float *k, const float *v, float *o,
                              attn_kernel_stats *stats);
/* Absorbs `count` tokens into every state at once, answering no query: rows 0 .. count - 1 of
 * k [batch][kv_heads][ld][d_qk] and v [batch][kv_heads][ld][d_v]. The state is what count
 * steps leave, up to rounding (the shift moves once per run of rows, not once per token). For
 * a decode setup, so not counted. */
int attn_performer_state_fill(attn_performer_state *state, const float *omega, const float *k,
                              const float *v, int64_t count, int64_t ld);

/* ---- low-rank (Linformer) ------------------------------------------------------------- */

/* K' = E K, V' = F V per KV head (E, F [k][n_kv], shared by all heads), then exact attention
 * of Q over the k projected rows. Non-causal only (ATTN_ERR_UNSUPPORTED otherwise). Counted:
 * per KV head read 4·(2k·n_kv + n_kv·(d_qk + d_v)), write 4·k·(d_qk + d_v); then per KV head
 * the standard kernel's counts with n_q = group·n_q stacked query rows and n_kv = k. */
int attn_cpu_lowrank(const attn_dims *dims, int64_t k, const float *e, const float *f,
                     const float *q, const float *kk, const float *v, float *o,
                     attn_kernel_stats *stats);
int attn_ref_lowrank(const attn_dims *dims, int64_t k, const float *e, const float *f,
                     const float *q, const float *kk, const float *v, double *o);

/* Decode form: the projected K', V' are a per-sequence state of k rows. Token t (0-based)
 * adds E[:, t] k_t^T to K' and F[:, t] v_t^T to V' (E, F are [k][n_max], copied by init), so
 * after t tokens the state equals the prefill projection over the first t tokens; the new
 * query then attends to the k projected rows. After n_max tokens the last output equals
 * attn_cpu_lowrank's last row. */
typedef struct attn_lowrank_state {
    attn_dims dims;   /* n_kv counts the tokens absorbed so far */
    int64_t k, n_max;
    float *k_proj, *v_proj; /* [batch][kv_heads][k][d_qk], [batch][kv_heads][k][d_v] */
    float *e_t, *f_t;       /* E^T, F^T [n_max][k]: token t's column is row t */
} attn_lowrank_state;
int attn_lowrank_state_init(attn_lowrank_state *state, const attn_dims *dims, int64_t k,
                            int64_t n_max, const float *e, const float *f);
void attn_lowrank_state_free(attn_lowrank_state *state);
/* q [batch][heads][d_qk], k_new [batch][kv_heads][d_qk], v_new [batch][kv_heads][d_v].
 * ATTN_ERR_RANGE once n_max tokens have been absorbed. Counted per KV head: read
 * 4·(2k + d_qk + d_v + k·(d_qk + d_v)) (E, F columns, the token, the state), write
 * 4·k·(d_qk + d_v) (the state); then standard's counts with n_q = the group's query heads,
 * n_kv = k (the state read once for the group). */
int attn_cpu_lowrank_decode(attn_lowrank_state *state, const float *q, const float *k_new,
                            const float *v_new, float *o, attn_kernel_stats *stats);
/* Absorbs `count` tokens into every state at once, answering no query: rows 0 .. count - 1 of
 * k [batch][kv_heads][ld][d_qk] and v [batch][kv_heads][ld][d_v] as tokens t .. t + count - 1
 * (t = dims.n_kv): K' += E[:, t .. t + count) K_rows and V' likewise, one GEMM each per KV
 * head. What count steps leave, up to rounding. ATTN_ERR_RANGE past n_max. For a decode setup,
 * so not counted. */
int attn_lowrank_state_fill(attn_lowrank_state *state, const float *k, const float *v,
                            int64_t count, int64_t ld);

/* ---- MLA (DeepSeek multi-head latent attention) ---------------------------------------- */

/* Weights w_uk [heads][d_n][d_c], w_uv [heads][d_v][d_c]. Per sequence: latent c
 * [batch][n_kv][d_c] and rope key k_r [batch][n_kv][d_r] shared by all heads; queries q_n
 * [batch][heads][n_q][d_n], q_r [batch][heads][n_q][d_r]; o [batch][heads][n_q][d_v].
 * Scale 1/sqrt(d_n + d_r). Decode is n_q == 1. */
typedef struct attn_mla_dims {
    int64_t batch, heads, n_q, n_kv;
    int64_t d_c, d_r, d_n, d_v;
    bool causal;
} attn_mla_dims;

typedef struct attn_mla_inputs {
    const float *w_uk, *w_uv, *c, *k_r, *q_n, *q_r;
} attn_mla_inputs;

int attn_mla_dims_check(const attn_mla_dims *dims);

/* Naive (a decompressed cache): per (batch, head) decompress K = [c W_UK^T | k_r],
 * V = c W_UV^T and the concatenated Q = [q_n | q_r] into workspace, then attn_cpu_flash on
 * them (d_qk = d_n + d_r, one KV head per head, tiles from sram_bytes; 0 = the L2). Counted per
 * (batch, head): read 4·(2·n_kv·d_c + n_kv·d_r + d_c·(d_n + d_v) + n_q·(d_n + d_r)) (c once for
 * K and once for V, k_r, the head's weights, q_n and q_r), write 4·(n_kv·(d_n + d_r + d_v)
 * + n_q·(d_n + d_r)) (the decompressed K, V and Q), plus attn_cpu_flash's counts; flops add
 * 2·n_kv·d_c·(d_n + d_v) for the decompression. A decode step over a decompressed cache is
 * attn_cpu_decode on what attn_mla_decompress builds. */
int attn_cpu_mla_naive(const attn_mla_dims *dims, const attn_mla_inputs *in, size_t sram_bytes,
                       float *o, attn_kernel_stats *stats);
/* The exact-attention shape of the decompressed heads, and the decompression itself (not
 * counted) into q [b][h][n_q][d_n + d_r], k [b][h][n_kv][d_n + d_r], v [b][h][n_kv][d_v]. */
attn_dims attn_mla_naive_dims(const attn_mla_dims *dims);
void attn_mla_decompress(const attn_mla_dims *dims, const attn_mla_inputs *in, float *q,
                         float *k, float *v);

/* Absorbed: q_c = W_UK^T q_n (d_c wide), scores = q_c·c + q_r·k_r, o_c = P c, O = W_UV o_c.
 * Query rows of all heads are stacked (position-major) and run flash-style over latent tiles
 * [c | k_r], one pass per block of query positions, so a decode step reads the latent cache
 * once per sequence for all heads. Counted (R = batch·n_q·heads stacked rows, W = heads·d_c·
 * (d_n + d_v) the weights, read once per sequence, or once per call in decode, where one GEMM
 * per head serves every sequence):
 *   read  = 4·(R·(d_n + d_r) + W·(decode ? 1 : batch) + batch·Σ_blocks kv_rows·(d_c + d_r)
 *             [+ R·(d_c + d_r) + R·d_c])
 *   write = 4·(R·d_v [+ R·(d_c + d_r) + R·d_c])
 * (q_n, q_r; weights; latent tiles; O; in brackets the stacked queries and o_c, written and
 * read back when a sequence has more than one block). kv_rows as flash's, per block of
 * max(1, 64 / heads) positions; a decode step is one block, so its latent term is
 * batch·t·(d_c + d_r). flops = 2·R·d_n·d_c + Σ_tiles 2·rows·cols·(2·d_c + d_r) + 2·R·d_c·d_v. */
int attn_cpu_mla_absorbed(const attn_mla_dims *dims, const attn_mla_inputs *in, float *o,
                          attn_kernel_stats *stats);
int attn_ref_mla(const attn_mla_dims *dims, const attn_mla_inputs *in, double *o);

#endif
