/* kernel_tiling.c — a backend's kernel tiling for a problem (kernel_tiling.h): the limits the
 * backend builds its jobs from, given to the ops' plan. */
#include <string.h>

#include "kernel_tiling.h"

int attn_kernel_tiling_of(const attn_backend *backend, const attn_kernel_ops *ops,
                          const attn_problem *p, attn_kernel_tiling *out)
{
    memset(out, 0, sizeof *out);
    const struct attn_gpu_device *device =
        backend->gpu_limits && ops && ops->gpu_tiling ? backend->gpu_limits() : NULL;
    return device ? ops->gpu_tiling(p, device, out) : ATTN_OK;
}
