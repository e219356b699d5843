/* backend_cuda.c — the CUDA backend: the driver API (libcuda.so.1) is loaded at run time, as
 * hashcat does, so a binary built with CUDA support starts and runs everything else on a
 * machine without an NVIDIA driver; probe() then says why in one line.
 *
 * ATTNSCOPE_CUDA_DEVICE picks the device (default 0). The one kernel source is compiled by
 * NVRTC (cuda_nvrtc.c) to a cubin for the device's compute capability, once per set of -D
 * defines; a run's time is the span between CUDA events around its launches. Only cuda.h's
 * types are used at build time. `hw` traffic is the DRAM bytes CUPTI's range profiler reads
 * from the GPU's counters around one more call (cuda_cupti.c).
 */
#include <cuda.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cuda_cupti.h"
#include "cuda_nvrtc.h"
#include "gpu_job.h"

enum { MAX_DEVICES = 16 };

static struct {
    bool tried;
    int status;
    char why[200];
    CUresult (*init)(unsigned);
    CUresult (*device_count)(int *);
    CUresult (*device_get)(CUdevice *, int);
    CUresult (*device_name)(char *, int, CUdevice);
    CUresult (*device_attribute)(int *, CUdevice_attribute, CUdevice);
    CUresult (*device_memory)(size_t *, CUdevice);
    CUresult (*primary_retain)(CUcontext *, CUdevice);
    CUresult (*set_current)(CUcontext);
    CUresult (*module_load)(CUmodule *, const void *);
    CUresult (*module_function)(CUfunction *, CUmodule, const char *);
    CUresult (*module_unload)(CUmodule);
    CUresult (*mem_alloc)(CUdeviceptr *, size_t);
    CUresult (*mem_free)(CUdeviceptr);
    CUresult (*copy_in)(CUdeviceptr, const void *, size_t);
    CUresult (*copy_out)(void *, CUdeviceptr, size_t);
    CUresult (*launch)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                       unsigned, CUstream, void **, void **);
    CUresult (*synchronize)(void);
    CUresult (*event_create)(CUevent *, unsigned);
    CUresult (*event_record)(CUevent, CUstream);
    CUresult (*event_wait)(CUevent);
    CUresult (*event_elapsed)(float *, CUevent, CUevent);
    CUresult (*event_destroy)(CUevent);
    CUresult (*error_name)(CUresult, const char **);
    CUdevice device;
    int index;
    CUcontext context;
    char arch[16];
    attn_gpu_device limits;
    attn_gpu_cache modules;
} cu;

/* Each entry point by its ABI name (cuda.h maps the API names onto these versions). */
static int load_driver(void)
{
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(cu.why, sizeof cu.why, "no NVIDIA driver: libcuda.so.1 cannot be loaded");
        return ATTN_ERR_UNSUPPORTED;
    }
    struct {
        const char *name, *older;
        void **slot;
    } symbols[] = {
        {"cuInit", NULL, (void **)&cu.init},
        {"cuDeviceGetCount", NULL, (void **)&cu.device_count},
        {"cuDeviceGet", NULL, (void **)&cu.device_get},
        {"cuDeviceGetName", NULL, (void **)&cu.device_name},
        {"cuDeviceGetAttribute", NULL, (void **)&cu.device_attribute},
        {"cuDeviceTotalMem_v2", NULL, (void **)&cu.device_memory},
        {"cuDevicePrimaryCtxRetain", NULL, (void **)&cu.primary_retain},
        {"cuCtxSetCurrent", NULL, (void **)&cu.set_current},
        {"cuModuleLoadData", NULL, (void **)&cu.module_load},
        {"cuModuleGetFunction", NULL, (void **)&cu.module_function},
        {"cuModuleUnload", NULL, (void **)&cu.module_unload},
        {"cuMemAlloc_v2", NULL, (void **)&cu.mem_alloc},
        {"cuMemFree_v2", NULL, (void **)&cu.mem_free},
        {"cuMemcpyHtoD_v2", NULL, (void **)&cu.copy_in},
        {"cuMemcpyDtoH_v2", NULL, (void **)&cu.copy_out},
        {"cuLaunchKernel", NULL, (void **)&cu.launch},
        {"cuCtxSynchronize", NULL, (void **)&cu.synchronize},
        {"cuEventCreate", NULL, (void **)&cu.event_create},
        {"cuEventRecord", NULL, (void **)&cu.event_record},
        {"cuEventSynchronize", NULL, (void **)&cu.event_wait},
        {"cuEventElapsedTime_v2", "cuEventElapsedTime", (void **)&cu.event_elapsed},
        {"cuEventDestroy_v2", NULL, (void **)&cu.event_destroy},
        {"cuGetErrorName", NULL, (void **)&cu.error_name},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(lib, symbols[i].name);
        if (!*symbols[i].slot && symbols[i].older)
            *symbols[i].slot = dlsym(lib, symbols[i].older);
        if (!*symbols[i].slot) {
            snprintf(cu.why, sizeof cu.why, "libcuda.so.1 lacks %s (driver too old)",
                     symbols[i].name);
            return ATTN_ERR_UNSUPPORTED;
        }
    }
    return ATTN_OK;
}

static int selected_index(void)
{
    const char *text = getenv("ATTNSCOPE_CUDA_DEVICE");
    char *end = NULL;
    long index = text && *text ? strtol(text, &end, 10) : 0;
    return text && *text && (*end || index < 0 || index >= MAX_DEVICES) ? -1 : (int)index;
}

static int attribute(CUdevice_attribute which, CUdevice device)
{
    int value = 0;
    return cu.device_attribute(&value, which, device) == CUDA_SUCCESS ? value : 0;
}

static int driver_devices(void)
{
    int count = 0;
    return cu.init(0) == CUDA_SUCCESS && cu.device_count(&count) == CUDA_SUCCESS ? count : 0;
}

static int cuda_init(void)
{
    if (cu.tried)
        return cu.status;
    cu.tried = true;
    cu.status = ATTN_ERR_UNSUPPORTED;
    if (load_driver())
        return cu.status;
    int count = driver_devices(), index = selected_index();
    if (count == 0) {
        snprintf(cu.why, sizeof cu.why, "the NVIDIA driver reports no CUDA device");
        return cu.status;
    }
    if (index < 0 || index >= count) {
        snprintf(cu.why, sizeof cu.why, "ATTNSCOPE_CUDA_DEVICE is not a device index below %d",
                 count);
        return cu.status;
    }
    cu.index = index;
    if (cu.device_get(&cu.device, index) != CUDA_SUCCESS ||
        cu.primary_retain(&cu.context, cu.device) != CUDA_SUCCESS ||
        cu.set_current(cu.context) != CUDA_SUCCESS) {
        snprintf(cu.why, sizeof cu.why, "cannot create a context on CUDA device %d", index);
        return cu.status;
    }
    if (attn_nvrtc_load(cu.why, sizeof cu.why))
        return cu.status;
    snprintf(cu.arch, sizeof cu.arch, "sm_%d%d",
             attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cu.device),
             attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cu.device));
    cu.limits = (attn_gpu_device){
        (unsigned)attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, cu.device),
        (uint64_t)attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, cu.device),
        (size_t)attribute(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, cu.device)};
    return cu.status = ATTN_OK;
}

static int cuda_probe(char *why, size_t len)
{
    int rc = cuda_init();
    if (rc)
        snprintf(why, len, "%s", cu.why);
    return rc;
}

static size_t cuda_devices(attn_backend_device *list, size_t max)
{
    if (!cu.init && load_driver())
        return 0;
    int count = driver_devices();
    for (int i = 0; i < count && (size_t)i < max; i++) {
        attn_backend_device *d = &list[i];
        CUdevice device;
        size_t memory = 0;
        memset(d, 0, sizeof *d);
        if (cu.device_get(&device, i) != CUDA_SUCCESS)
            continue;
        cu.device_name(d->name, (int)sizeof d->name - 1, device);
        cu.device_memory(&memory, device);
        snprintf(d->detail, sizeof d->detail, "compute capability %d.%d; hw traffic: CUPTI "
                 "dram__bytes_read.sum + dram__bytes_write.sum",
                 attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                 attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device));
        d->compute_units = (unsigned)attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
        d->local_mem_bytes =
            (uint64_t)attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, device);
        d->global_mem_bytes = memory;
        d->max_group_size = (size_t)attribute(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, device);
        d->selected = i == selected_index();
    }
    return count > 0 ? (size_t)count : 0;
}

static const char *cuda_supports(const attn_kernel_ops *ops, const attn_problem *p)
{
    return cuda_init() ? cu.why : attn_backend_supports_kernels(ops, p);
}

static const attn_gpu_device *cuda_gpu_limits(void)
{
    return cuda_init() ? NULL : &cu.limits;
}

static size_t cuda_sram_bytes(void)
{
    return cuda_init() ? 0 : (size_t)attn_gpu_sram_bytes(&cu.limits);
}

/* A driver call that failed, as one line on stderr naming the call and the error; returns err. */
static CUresult reported(CUresult err, const char *call, const char *kernel)
{
    const char *name = NULL;
    if (err != CUDA_SUCCESS) {
        if (cu.error_name(err, &name) != CUDA_SUCCESS || !name)
            name = "unknown CUDA error";
        fprintf(stderr, "attnscope: cuda: %s%s%s: %s (%d)\n", call, kernel ? " of " : "",
                kernel ? kernel : "", name, (int)err);
    }
    return err;
}

/* The module for a job, compiled on first use; *owned when the cache was full. */
static CUmodule module_for(const attn_gpu_job *job, bool *owned)
{
    char defines[ATTN_GPU_KEY_BYTES], *cubin = NULL, why[400];
    CUmodule module = NULL;
    *owned = false;
    if (attn_nvrtc_job_defines(job, defines, sizeof defines))
        return NULL;
    if ((module = attn_gpu_cache_find(&cu.modules, defines)))
        return module;
    size_t size = 0;
    if (attn_nvrtc_compile(defines, cu.arch, false, &cubin, &size, why, sizeof why)) {
        fprintf(stderr, "attnscope: cuda: %s\n", why);
        return NULL;
    }
    CUresult err = reported(cu.module_load(&module, cubin), "cuModuleLoadData", NULL);
    free(cubin);
    if (err != CUDA_SUCCESS)
        return NULL;
    *owned = !attn_gpu_cache_put(&cu.modules, defines, module);
    return module;
}

typedef struct cuda_context {
    attn_gpu_host host; /* first: attn_gpu_host_reference and _ran read it through the context */
    CUmodule module;
    bool owns_module;
    CUdeviceptr buffers[ATTN_GPU_MAX_BUFFERS];
    CUfunction functions[ATTN_GPU_MAX_LAUNCHES];
    CUevent start, end;
} cuda_context;

static void cuda_free(void *ctx)
{
    cuda_context *c = ctx;
    if (!c)
        return;
    for (int i = 0; i < ATTN_GPU_MAX_BUFFERS; i++)
        if (c->buffers[i])
            cu.mem_free(c->buffers[i]);
    if (c->start)
        cu.event_destroy(c->start);
    if (c->end)
        cu.event_destroy(c->end);
    if (c->owns_module)
        cu.module_unload(c->module);
    attn_gpu_host_free(&c->host);
    free(c);
}

static int cuda_bind(cuda_context *c)
{
    const attn_gpu_job *job = &c->host.job;
    CUresult err = CUDA_SUCCESS;
    for (int i = 0; i < job->nbuffers && err == CUDA_SUCCESS; i++) {
        const attn_gpu_buffer *b = &job->buffers[i];
        err = reported(cu.mem_alloc(&c->buffers[i], b->bytes ? b->bytes : 4), "cuMemAlloc",
                       NULL);
        if (err == CUDA_SUCCESS && b->host && b->bytes)
            err = reported(cu.copy_in(c->buffers[i], b->host, b->bytes), "cuMemcpyHtoD", NULL);
    }
    for (int i = 0; i < job->nlaunches && err == CUDA_SUCCESS; i++)
        err = reported(cu.module_function(&c->functions[i], c->module, job->launches[i].kernel),
                       "cuModuleGetFunction", job->launches[i].kernel);
    if (err == CUDA_SUCCESS)
        err = cu.event_create(&c->start, CU_EVENT_DEFAULT);
    if (err == CUDA_SUCCESS)
        err = cu.event_create(&c->end, CU_EVENT_DEFAULT);
    return err == CUDA_SUCCESS ? ATTN_OK
           : err == CUDA_ERROR_OUT_OF_MEMORY ? ATTN_ERR_NOMEM : ATTN_ERR_UNSUPPORTED;
}

static int cuda_alloc(void **ctx, const attn_kernel_ops *ops, const attn_problem *p,
                      size_t *out_elems)
{
    int rc = cuda_init();
    if (rc)
        return rc;
    cuda_context *c = calloc(1, sizeof *c);
    if (!c)
        return ATTN_ERR_NOMEM;
    cu.set_current(cu.context);
    rc = attn_gpu_host_init(&c->host, ops, p, &cu.limits);
    if (!rc && !(c->module = module_for(&c->host.job, &c->owns_module)))
        rc = ATTN_ERR_UNSUPPORTED;
    if (!rc)
        rc = cuda_bind(c);
    if (rc) {
        cuda_free(c);
        return rc;
    }
    *ctx = c;
    *out_elems = c->host.out_elems;
    return ATTN_OK;
}

/* The job's launches, in order, on the default stream. */
static CUresult launch_all(cuda_context *c)
{
    const attn_gpu_job *job = &c->host.job;
    CUresult err = CUDA_SUCCESS;
    for (int i = 0; i < job->nlaunches && err == CUDA_SUCCESS; i++) {
        const attn_gpu_launch *l = &job->launches[i];
        void *params[ATTN_GPU_MAX_ARGS];
        for (int a = 0; a < l->nargs; a++)
            params[a] = &c->buffers[l->args[a]];
        err = reported(cu.launch(c->functions[i], (unsigned)l->groups[0], (unsigned)l->groups[1],
                                 (unsigned)l->groups[2], (unsigned)l->local, 1, 1, 0, NULL,
                                 params, NULL),
                       "cuLaunchKernel", l->kernel);
    }
    return err;
}

static int cuda_run(void *ctx, attn_kernel_stats *stats, double *seconds)
{
    cuda_context *c = ctx;
    const attn_gpu_job *job = &c->host.job;
    CUresult err = cu.event_record(c->start, NULL);
    if (err == CUDA_SUCCESS)
        err = launch_all(c);
    if (err == CUDA_SUCCESS)
        err = cu.event_record(c->end, NULL);
    if (err == CUDA_SUCCESS)
        err = reported(cu.event_wait(c->end), "the kernels", NULL);
    float ms = 0;
    if (err == CUDA_SUCCESS)
        err = cu.event_elapsed(&ms, c->start, c->end);
    if (err == CUDA_SUCCESS && job->tally_count)
        err = cu.copy_out(c->host.tally, c->buffers[job->tally],
                          job->tally_count * sizeof *c->host.tally);
    return attn_gpu_host_ran(&c->host, err == CUDA_SUCCESS, 1e-3 * (double)ms, stats, seconds);
}

static int cuda_sync(void *ctx)
{
    (void)ctx;
    return cu.synchronize() == CUDA_SUCCESS ? ATTN_OK : ATTN_ERR_UNSUPPORTED;
}

static int cuda_download(void *ctx, float *out)
{
    cuda_context *c = ctx;
    if (!c->host.out_elems)
        return ATTN_OK;
    return cu.copy_out(out, c->buffers[c->host.job.output], c->host.out_elems * sizeof *out) ==
                   CUDA_SUCCESS
               ? ATTN_OK
               : ATTN_ERR_UNSUPPORTED;
}

/* One call for the profiler: launched and finished. */
static int launch_and_wait(void *ctx)
{
    CUresult err = launch_all(ctx);
    if (err == CUDA_SUCCESS)
        err = reported(cu.synchronize(), "the kernels", NULL);
    return err == CUDA_SUCCESS ? ATTN_OK : ATTN_ERR_UNSUPPORTED;
}

static int cuda_hw_traffic(void *ctx, uint64_t *bytes, char *why, size_t len)
{
    return attn_cupti_dram_bytes(cu.context, cu.index, launch_and_wait, ctx, bytes, why, len);
}

const attn_backend attn_backend_cuda = {
    .name = "cuda",
    .kind = ATTN_BACKEND_KIND_GPU,
    .probe = cuda_probe,
    .devices = cuda_devices,
    .sram_bytes = cuda_sram_bytes,
    .gpu_limits = cuda_gpu_limits,
    .supports = cuda_supports,
    .alloc = cuda_alloc,
    .run = cuda_run,
    .sync = cuda_sync,
    .download = cuda_download,
    .reference = attn_gpu_host_reference,
    .hw_traffic = cuda_hw_traffic,
    .free = cuda_free,
};
