/* backend_absent.c — the GPU backends a build left out (meson options opencl and cuda, or their
 * headers missing). They stay in the backend table so that `attnscope backends` and
 * `bench --backend` can say why they are not there instead of not knowing the name. */
#include <stdio.h>

#include "backend.h"

static int absent(const char *what, char *why, size_t len)
{
    snprintf(why, len, "not built: %s", what);
    return ATTN_ERR_UNSUPPORTED;
}

static size_t no_devices(attn_backend_device *list, size_t max)
{
    (void)list;
    (void)max;
    return 0;
}

static size_t no_sram_bytes(void)
{
    return 0;
}

static const char *not_built(const attn_kernel_ops *ops, const attn_problem *p)
{
    (void)ops;
    (void)p;
    return "this backend is not built";
}

static int no_alloc(void **ctx, const attn_kernel_ops *ops, const attn_problem *p,
                    size_t *out_elems)
{
    (void)ctx;
    (void)ops;
    (void)p;
    (void)out_elems;
    return ATTN_ERR_UNSUPPORTED;
}

#if !ATTN_HAVE_OPENCL
static int opencl_absent(char *why, size_t len)
{
    return absent("configured without OpenCL (-Dopencl, needs the ICD loader and headers)", why,
                  len);
}

const attn_backend attn_backend_opencl = {.name = "opencl", .kind = ATTN_BACKEND_KIND_GPU,
                                          .probe = opencl_absent, .devices = no_devices,
                                          .sram_bytes = no_sram_bytes, .supports = not_built,
                                        .alloc = no_alloc};
#endif

#if !ATTN_HAVE_CUDA
static int cuda_absent(char *why, size_t len)
{
    return absent("configured without CUDA (-Dcuda, needs cuda.h and nvrtc.h)", why, len);
}

const attn_backend attn_backend_cuda = {.name = "cuda", .kind = ATTN_BACKEND_KIND_GPU,
                                        .probe = cuda_absent, .devices = no_devices,
                                        .sram_bytes = no_sram_bytes, .supports = not_built,
                                        .alloc = no_alloc};
#endif
