/* flash_tiles.c — FlashAttention's tile sizes, and the cache that plays SRAM on a CPU.
 *
 * On a GPU, M is the shared memory of an SM; here it is the per-core L2, which is what a tile
 * of Q, K, V and O must fit in to be reused. Reading sysfs is the one piece of I/O the kernels
 * do, and it is optional: any failure falls back to 256 KiB.
 */
#include <stdio.h>

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

/* Size of the level-`level` cache of cpu0 from sysfs, or 0. */
static size_t sysfs_cache_bytes(int index, int level)
{
    char path[96];
    int found_level = 0;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
    FILE *file = fopen(path, "r");
    if (!file)
        return 0;
    int ok = fscanf(file, "%d", &found_level) == 1;
    fclose(file);
    if (!ok || found_level != level)
        return 0;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
    file = fopen(path, "r");
    if (!file)
        return 0;
    unsigned long value = 0;
    char unit = 0;
    int fields = fscanf(file, "%lu%c", &value, &unit);
    fclose(file);
    if (fields < 1)
        return 0;
    if (fields == 2 && unit == 'K')
        return (size_t)value * 1024;
    if (fields == 2 && unit == 'M')
        return (size_t)value * 1024 * 1024;
    return (size_t)value;
}

size_t attn_cpu_sram_bytes(void)
{
    for (int index = 0; index < 8; index++) {
        size_t bytes = sysfs_cache_bytes(index, 2);
        if (bytes)
            return bytes;
    }
    return FALLBACK_SRAM_BYTES;
}
