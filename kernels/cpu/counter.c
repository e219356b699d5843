/* counter.c — what a kernel call reports: its counts, and the peak workspace it allocated.
 *
 * Kernels add their FLOPs and bytes to a local attn_counter and hand it over at the end, so a
 * failed call never leaves half-filled stats behind. Threads add their parts atomically.
 */
#include <string.h>

#include "cpu_internal.h"

void attn_counter_begin(attn_counter *counter)
{
    memset(&counter->stats, 0, sizeof counter->stats);
    counter->mark = attn_kalloc_mark();
}

void attn_counter_add(attn_counter *counter, const attn_kernel_stats *part)
{
    attn_kernel_stats *total = &counter->stats;
#pragma omp atomic
    total->flops += part->flops;
#pragma omp atomic
    total->other_flops += part->other_flops;
#pragma omp atomic
    total->bytes_read += part->bytes_read;
#pragma omp atomic
    total->bytes_written += part->bytes_written;
}

void attn_counter_end(attn_counter *counter, attn_kernel_stats *out)
{
    counter->stats.peak_bytes = attn_kalloc_peak() - counter->mark;
    if (out)
        *out = counter->stats;
}
