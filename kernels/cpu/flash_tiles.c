/* flash_tiles.c — FlashAttention's tile sizes, and the cache that plays SRAM on a CPU.
 *
 * On a GPU, M is the shared memory of an SM; here it is the per-core L2, which is what a tile
 * of Q, K, V and O must fit in to be reused. Reading sysfs (cache_info.c) is the one piece of
 * I/O the kernels do, and it is optional: any failure falls back to 256 KiB.
 */
#include "cpu_internal.h"

#define FALLBACK_SRAM_BYTES ((size_t)256 * 1024)

attn_flash_tiles attn_flash_tiles_for(size_t sram_bytes, int64_t d)
{
    if (d < 1)
        d = 1;
    int64_t floats = (int64_t)(sram_bytes / sizeof(float));
    int64_t block_cols = attn_ceil_div(floats, 4 * d);
    if (block_cols < 1)
        block_cols = 1;
    return (attn_flash_tiles){.block_rows = attn_min64(block_cols, d), .block_cols = block_cols};
}

size_t attn_cpu_sram_bytes(void)
{
    attn_cpu_cache caches[16];
    const attn_cpu_cache *l2 = attn_cpu_cache_find(caches, attn_cpu_caches(caches, 16), 2, false);
    return l2 ? l2->bytes : FALLBACK_SRAM_BYTES;
}
