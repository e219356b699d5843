/* backends.c — the table of backends. A GPU backend left out of the
 * build is still listed (backend_absent.c), so that it can say why it is not there. */
#include <string.h>

#include "backend.h"

extern const attn_backend attn_backend_cpu;
extern const attn_backend attn_backend_opencl;
extern const attn_backend attn_backend_cuda;

static const attn_backend *const backends[] = {&attn_backend_cpu, &attn_backend_opencl,
                                               &attn_backend_cuda};

size_t attn_backend_count(void)
{
    return sizeof backends / sizeof backends[0];
}

const attn_backend *attn_backend_at(size_t index)
{
    return index < attn_backend_count() ? backends[index] : NULL;
}

const attn_backend *attn_backend_find(const char *name)
{
    for (size_t i = 0; i < attn_backend_count(); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

const char *attn_backend_supports_kernels(const attn_kernel_ops *ops, const attn_problem *p)
{
    if (!ops)
        return "no kernel for this backend (analytic only)";
    if (p->phase == ATTN_PHASE_DECODE && !attn_dtype_size(p->store))
        return "the kernels hold no cache in this precision (int4)";
    if (p->seq_lens && !ops->honours_seq_lens)
        return "this kernel decodes sequences of one length (per-sequence lengths: flash on "
               "the CPU)";
    return ops->unsupported ? ops->unsupported(p) : NULL;
}

int attn_backend_ran(int rc, double elapsed, double *seconds)
{
    if (rc)
        return rc;
    *seconds = elapsed;
    return ATTN_OK;
}
