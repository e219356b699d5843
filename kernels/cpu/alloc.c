/* alloc.c — the counting allocator every kernel takes its workspace from.
 *
 * Peak workspace is a result (standard attention materialises the n×n scores, flash must
 * not), so it is measured rather than estimated: each block carries its size in a header, and
 * the live and peak byte counts are atomics, so OpenMP threads may allocate concurrently.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels.h"

enum { KALLOC_ALIGN = 64 };

static atomic_size_t live_bytes;
static atomic_size_t peak_live_bytes;

static void raise_peak(size_t now)
{
    size_t seen = atomic_load(&peak_live_bytes);
    while (now > seen && !atomic_compare_exchange_weak(&peak_live_bytes, &seen, now))
        ;
}

void *attn_kalloc(size_t bytes)
{
    if (bytes > SIZE_MAX - 2 * KALLOC_ALIGN)
        return NULL;
    size_t total = (bytes + 2 * KALLOC_ALIGN - 1) / KALLOC_ALIGN * KALLOC_ALIGN;
    unsigned char *block = aligned_alloc(KALLOC_ALIGN, total);
    if (!block)
        return NULL;
    memcpy(block, &bytes, sizeof bytes);
    raise_peak(atomic_fetch_add(&live_bytes, bytes) + bytes);
    return block + KALLOC_ALIGN;
}

void attn_kfree(void *block)
{
    if (!block)
        return;
    unsigned char *start = (unsigned char *)block - KALLOC_ALIGN;
    size_t bytes;
    memcpy(&bytes, start, sizeof bytes);
    atomic_fetch_sub(&live_bytes, bytes);
    free(start);
}

size_t attn_kalloc_current(void)
{
    return atomic_load(&live_bytes);
}

size_t attn_kalloc_peak(void)
{
    return atomic_load(&peak_live_bytes);
}

size_t attn_kalloc_mark(void)
{
    size_t now = atomic_load(&live_bytes);
    atomic_store(&peak_live_bytes, now);
    return now;
}
