/* cost.h — the analytic cost of one layer for one sequence (internal).
 *
 * Variants compute in elements and FLOPs; plan_cost.c turns elements into bytes, sums the
 * layers (each with its own window) and multiplies by the batch. Formulas follow DESIGN.md:
 * FlashAttention's Algorithm 0 for standard attention, Algorithm 1 (Theorem 2) and the
 * FlashAttention-2 loop order for flash.
 */
#ifndef ATTN_COST_H
#define ATTN_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "attnscope.h"

/* What one layer is asked. */
typedef struct attn_cost_point {
    attn_phase phase;
    int64_t n;         /* prefill tokens, or decode cached tokens */
    int64_t window;    /* 0 = global; windows apply to causal prefill and to decode */
    bool causal;
    long double sram;  /* M, in elements */
    int64_t kv_block;  /* decode: paged cache block in tokens, 0 = contiguous */
    long double index_elems, scale_elems; /* a 4-byte table entry, per-token scales, in elements */
    /* A kernel's fixed tiles (kernel_tiles.c); 0 = Algorithm 1's from M. */
    int64_t tile_rows, tile_cols;
    /* The cache-aware model (cost_dram.c); llc 0 = no cache known, dram = the IO model. */
    long double llc;      /* last-level cache (GPU L2, CPU LLC), in elements */
    int64_t batch;        /* sequences in the grid (which K/V caches run side by side) */
    int64_t parallel;     /* tiles (thread blocks, CPU threads) resident at once; 0 = 1 */
    bool tiles_in_llc;    /* the tiles live in the same cache (CPU), not in separate SRAM */
    bool write_allocate;  /* a store that misses fills the line first (CPU caches) */
    double dropout;         /* training step: dropout probability on P (0 = none) */
    long double elem_bytes; /* bytes per element: a dropout mask is 1 byte whatever the type */
    attn_kernel_tiling tiling; /* the kernel's re-reads (attnscope.h); zero: none */
} attn_cost_point;

/* The CPU MLA kernel's blocking (kernels/cpu/mla_absorbed.c): stacked query rows of all heads,
 * max(1, 64 / h) positions per block, 64 latent rows per key tile; the model (variants/mla.c)
 * and the cache walk (dram_steps.c) read it from here. */
enum { ATTN_MLA_BLOCK_ROWS = 64, ATTN_MLA_KEY_TILE = 64 };
static inline int64_t attn_mla_block_positions(int64_t heads)
{
    return heads < ATTN_MLA_BLOCK_ROWS ? ATTN_MLA_BLOCK_ROWS / heads : 1;
}

/* Passes over an operand that a kernel's blocks of `block` (0 = one block) take of `rows`. */
long double attn_tiling_passes(int64_t rows, int64_t block);

/* One layer, one sequence, in elements. */
typedef struct attn_layer_cost {
    long double flops;
    long double other_flops;
    long double read;        /* elements read per sequence */
    long double write;       /* elements written per sequence */
    long double batch_read;  /* elements read once per batch (weights, projections) */
    long double kv;          /* cache or state elements held after the step */
    long double extra;       /* HBM working memory */
    bool unsupported;
    const char *note;
    /* What the algorithm computes at its tile granularity (whole diagonal tiles, the full
     * n x n of a materialised causal S); 0 means the same as flops. */
    long double flops_executed;
    /* The parts of read and write that are the KV cache or recurrent state: they move at the
     * plan's KV precision, the rest at the activation dtype. batch_read is weights. */
    long double kv_read;
    long double kv_write;
    /* Weights a kernel reads again for each sequence (part of read, unlike batch_read). */
    long double weight_read;
    long double dram;        /* cache-aware elements per sequence (cost_dram.c); < 0 = as IO */
} attn_layer_cost;

/* Query-key pairs one head scores: n^2 non-causal, sum_i min(i + 1, window) causal;
 * decode: min(t, window). */
long double attn_pairs(const attn_cost_point *p);
/* Tokens a decode step attends to: min(t, window). */
int64_t attn_tokens_held(const attn_cost_point *p);

/* FlashAttention tiles from M elements and head dim d: B_c = ceil(M / 4d),
 * B_r = min(B_c, d). */
void attn_tile_sizes(long double sram, int64_t d, int64_t *block_cols, int64_t *block_rows);

/* Per-head HBM elements of tiled prefill: reads and writes. */
typedef struct attn_traffic {
    long double read;
    long double write;
} attn_traffic;
/* Algorithm 1 (K/V blocks outer): reads K, V once; Q_i, O_i, l_i, m_i read and written once
 * per visited (K block, Q block) pair. Non-causal: 2Nd + T_c (3Nd + 4N) for d_qk = d_v. */
attn_traffic attn_flash1_traffic(const attn_cost_point *p, int64_t d_qk, int64_t d_v);
/* FlashAttention-2 order (Q blocks outer): Q read and O, L written once; K and V read once
 * per Q block. Non-causal: 2Nd + 2Nd T_r + N. */
attn_traffic attn_flash2_traffic(const attn_cost_point *p, int64_t d_qk, int64_t d_v);

/* What a kernel with query blocks of block_rows rows and key tiles of block_cols keys visits
 * (cost_executed.c): per head, the scored pairs of the tiles it computes whole and the key
 * rows it loads. Causal prefill skips key tiles that every row of a block masks, as the CPU
 * flash and MLA kernels do; non-causal and decode visit every key once per block. */
typedef struct attn_tiled_visit {
    long double pairs;
    long double key_rows;
} attn_tiled_visit;
attn_tiled_visit attn_tiled_visit_count(const attn_cost_point *p, int64_t block_rows,
                                        int64_t block_cols);

/* Closed forms (cost_tiles.c), O(log n) for any n and tile. Keys all FA-2 query blocks of
 * one head see, causal, block-aligned; rows all Algorithm-1 key blocks are seen by; and the
 * keys of those FA-2 sweeps longer than `longer_than` keys. */
long double attn_causal_cols(const attn_cost_point *p, int64_t bc, int64_t br);
long double attn_causal_rows(const attn_cost_point *p, int64_t bc, int64_t br);
long double attn_causal_cols_beyond(const attn_cost_point *p, int64_t bc, int64_t br,
                                    long double longer_than);
/* The FA-2 tiles a point uses: the kernel's when given, else Algorithm 1's from M. */
void attn_point_tiles(const attn_cost_point *p, int64_t d, int64_t *block_cols,
                      int64_t *block_rows);

/* Cache-aware elements of one layer for one sequence (cost_dram.c), on a GPU never above the
 * IO model's read + write. FA-2 loop order: Q, O, L once, each K/V cache once, plus the sweeps
 * of it that miss the last-level cache. */
long double attn_flash2_dram(const attn_shape *s, const attn_cost_point *p,
                             const attn_layer_cost *io);
/* The same on a CPU, non-causal, where the tiles share the LLC: kernels/cpu/flash.c's passes
 * walked (dram_steps.c); above the IO model where the tiles outgrow the cache. */
long double attn_flash2_cpu_dram(const attn_shape *s, const attn_cost_point *p,
                                 const attn_layer_cost *io);
/* Algorithm 1: K, V once, and the Q/O/l/m rows re-read per key block only when one head's
 * rows do not stay in the cache. */
long double attn_flash1_dram(const attn_shape *s, const attn_cost_point *p,
                             const attn_layer_cost *io);
/* The variants whose kernels are whole-buffer passes, each step walked against the cache
 * (dram_steps.c, dram_walk.c). */
long double attn_standard_dram(const attn_shape *s, const attn_cost_point *p,
                               const attn_layer_cost *io);
long double attn_performer_dram(const attn_shape *s, const attn_cost_point *p,
                                const attn_layer_cost *io);
long double attn_lowrank_dram(const attn_shape *s, const attn_cost_point *p,
                              const attn_layer_cost *io);
long double attn_mla_naive_dram(const attn_shape *s, const attn_cost_point *p,
                                const attn_layer_cost *io);
long double attn_mla_dram(const attn_shape *s, const attn_cost_point *p,
                          const attn_layer_cost *io);
#endif
