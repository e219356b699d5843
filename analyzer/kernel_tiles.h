/* kernel_tiles.h — the tiles shipped FlashAttention kernels choose (internal).
 *
 * The IO model's tiles come from the SRAM size M (Algorithm 1: B_c = ceil(M / 4d)); real
 * kernels fix theirs per head dim and mask in their sources, and how many thread blocks an
 * SM holds at once follows from those tiles. Both feed the HBM count (tile re-reads) and the
 * cache-aware count (blocks in flight).
 */
#ifndef ATTN_KERNEL_TILES_H
#define ATTN_KERNEL_TILES_H

#include <stdbool.h>
#include <stdint.h>

#include "attnscope.h"

typedef struct attn_kernel_tile {
    int64_t rows;     /* kBlockM: query rows per thread block */
    int64_t cols;     /* kBlockN: keys per K/V tile */
    int ctas_per_sm;  /* thread blocks an SM runs at once */
} attn_kernel_tile;

/* The forward tile of `kind` for head dim d (the larger of d_qk, d_v); false for
 * ATTN_TILES_SRAM, which has no fixed tile, and for head dims the kernel does not ship. */
bool attn_kernel_tile_for(attn_tiles kind, int64_t d, bool causal, attn_kernel_tile *out);

#endif
