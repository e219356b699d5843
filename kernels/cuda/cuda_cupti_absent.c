/* cuda_cupti_absent.c — the CUDA backend's `hw` traffic on a build whose CUDA toolkit has no
 * CUPTI range profiler headers (before CUDA 12.6): the reason, never a number (cuda_cupti.h). */
#include <stdio.h>

#include "attnscope.h"
#include "cuda_cupti.h"

int attn_cupti_dram_bytes(CUcontext ctx, int device_index, attn_cupti_work work, void *arg,
                          uint64_t *bytes, char *why, size_t len)
{
    (void)ctx, (void)device_index, (void)work, (void)arg;
    *bytes = 0;
    snprintf(why, len, "built without CUPTI's range profiler (its headers come with CUDA 12.6 "
                       "or later); rebuild against a newer toolkit");
    return ATTN_ERR_UNSUPPORTED;
}
