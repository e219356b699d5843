/* kernel_tiling.c — a backend's kernel tiling for a problem (kernel_tiling.h): the selected
 * device's limits, as the GPU backends read them, given to the ops' plan. */
#include <string.h>

#include "gpu_job.h"
#include "kernel_tiling.h"

enum { TILING_DEVICES_MAX = 16 };

int attn_kernel_tiling_of(const attn_backend *backend, const attn_kernel_ops *ops,
                          const attn_problem *p, attn_kernel_tiling *out)
{
    memset(out, 0, sizeof *out);
    if (backend->kind != ATTN_BACKEND_KIND_GPU || !ops || !ops->gpu_tiling)
        return ATTN_OK;
    attn_backend_device list[TILING_DEVICES_MAX];
    size_t count = backend->devices(list, TILING_DEVICES_MAX);
    for (size_t i = 0; i < count && i < TILING_DEVICES_MAX; i++)
        if (list[i].selected) {
            const attn_gpu_device device = {list[i].compute_units ? list[i].compute_units : 1,
                                            list[i].local_mem_bytes,
                                            list[i].max_group_size ? list[i].max_group_size : 1};
            return ops->gpu_tiling(p, &device, out);
        }
    return ATTN_OK;
}
