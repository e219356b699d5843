/* backend_opencl.c — the OpenCL backend: any device an ICD (ocl-icd) offers, PoCL on CPUs in CI.
 *
 * Devices of every platform are numbered in order; ATTNSCOPE_OPENCL_DEVICE picks one (default
 * 0). The embedded kernel source is built once per set of -D defines (clBuildProgram), jobs
 * (gpu_job.h) upload their inputs once, and a run's time is the profiling events' span from
 * the first kernel's start to the last one's end. The state is process-wide and made on first
 * use; a machine without a platform or device gets one line saying so.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "gpu_job.h"

enum { MAX_DEVICES = 16 };

static struct {
    bool tried;
    int status;
    char why[200];
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    attn_gpu_device limits;
    attn_gpu_cache programs;
} cl;

/* Every device of every platform, in order; returns how many (at most max). */
static cl_uint list_devices(cl_device_id *devices, cl_uint max)
{
    cl_platform_id platforms[8];
    cl_uint nplatforms = 0, total = 0;
    if (clGetPlatformIDs(8, platforms, &nplatforms) != CL_SUCCESS)
        return 0;
    for (cl_uint p = 0; p < nplatforms && p < 8 && total < max; p++) {
        cl_uint found = 0;
        if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, max - total, devices + total,
                           &found) == CL_SUCCESS)
            total += found < max - total ? found : max - total;
    }
    return total;
}

static int selected_index(void)
{
    const char *text = getenv("ATTNSCOPE_OPENCL_DEVICE");
    char *end = NULL;
    long index = text && *text ? strtol(text, &end, 10) : 0;
    return text && *text && (*end || index < 0 || index >= MAX_DEVICES) ? -1 : (int)index;
}

static int fail_init(const char *fmt, long long value)
{
    snprintf(cl.why, sizeof cl.why, fmt, value);
    return cl.status = ATTN_ERR_UNSUPPORTED;
}

static int opencl_init(void)
{
    if (cl.tried)
        return cl.status;
    cl.tried = true;
    cl_device_id devices[MAX_DEVICES];
    cl_uint count = list_devices(devices, MAX_DEVICES);
    int index = selected_index();
    if (count == 0)
        return fail_init("no OpenCL device: the ICD loader lists %lld (install pocl-opencl-icd "
                         "or a GPU's OpenCL driver)", 0);
    if (index < 0 || (cl_uint)index >= count)
        return fail_init("ATTNSCOPE_OPENCL_DEVICE is not a device index below %lld",
                         (long long)count);
    cl.device = devices[index];
    cl_int err = CL_SUCCESS;
    cl.context = clCreateContext(NULL, 1, &cl.device, NULL, NULL, &err);
    if (err != CL_SUCCESS)
        return fail_init("clCreateContext failed (error %lld)", err);
    cl.queue = clCreateCommandQueue(cl.context, cl.device, CL_QUEUE_PROFILING_ENABLE, &err);
    if (err != CL_SUCCESS)
        return fail_init("clCreateCommandQueue failed (error %lld)", err);
    cl_uint units = 0;
    cl_ulong local = 0;
    size_t group = 0;
    clGetDeviceInfo(cl.device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    clGetDeviceInfo(cl.device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    clGetDeviceInfo(cl.device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof group, &group, NULL);
    cl.limits = (attn_gpu_device){units ? units : 1, local, group ? group : 1};
    return cl.status = ATTN_OK;
}

static int opencl_probe(char *why, size_t len)
{
    int rc = opencl_init();
    if (rc)
        snprintf(why, len, "%s", cl.why);
    return rc;
}

static size_t opencl_devices(attn_backend_device *list, size_t max)
{
    cl_device_id devices[MAX_DEVICES];
    cl_uint count = list_devices(devices, MAX_DEVICES);
    for (cl_uint i = 0; i < count && i < max; i++) {
        attn_backend_device *d = &list[i];
        cl_platform_id platform;
        char name[256] = "", platform_name[256] = "", version[256] = "";
        cl_uint units = 0;
        cl_ulong local = 0, global = 0;
        memset(d, 0, sizeof *d);
        clGetDeviceInfo(devices[i], CL_DEVICE_NAME, sizeof name - 1, name, NULL);
        clGetDeviceInfo(devices[i], CL_DEVICE_VERSION, sizeof version - 1, version, NULL);
        clGetDeviceInfo(devices[i], CL_DEVICE_PLATFORM, sizeof platform, &platform, NULL);
        clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof platform_name - 1, platform_name,
                          NULL);
        clGetDeviceInfo(devices[i], CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
        clGetDeviceInfo(devices[i], CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
        clGetDeviceInfo(devices[i], CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global, &global, NULL);
        clGetDeviceInfo(devices[i], CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_group_size,
                        &d->max_group_size, NULL);
        snprintf(d->name, sizeof d->name, "%s", name);
        snprintf(d->detail, sizeof d->detail, "%.40s; %.80s", platform_name, version);
        d->compute_units = units;
        d->local_mem_bytes = local;
        d->global_mem_bytes = global;
        d->selected = (int)i == selected_index();
    }
    return count;
}

static const char *opencl_supports(const attn_kernel_ops *ops, const attn_problem *p)
{
    return opencl_init() ? cl.why : attn_backend_supports_kernels(ops, p);
}

static const attn_gpu_device *opencl_gpu_limits(void)
{
    return opencl_init() ? NULL : &cl.limits;
}

static size_t opencl_sram_bytes(void)
{
    return opencl_init() ? 0 : (size_t)attn_gpu_sram_bytes(&cl.limits);
}

/* The program for a job's defines, built on first use; *owned when the cache was full. */
static cl_program program_for(const char *defines, bool *owned)
{
    cl_program program = attn_gpu_cache_find(&cl.programs, defines);
    *owned = false;
    if (program)
        return program;
    const char *source = attn_gpu_source;
    cl_int err = CL_SUCCESS;
    program = clCreateProgramWithSource(cl.context, 1, &source, NULL, &err);
    if (err != CL_SUCCESS)
        return NULL;
    if (clBuildProgram(program, 1, &cl.device, defines, NULL, NULL) != CL_SUCCESS) {
        char log[4096] = "";
        clGetProgramBuildInfo(program, cl.device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log,
                              NULL);
        fprintf(stderr, "attnscope: opencl: kernel build failed (%s):\n%s\n", defines, log);
        clReleaseProgram(program);
        return NULL;
    }
    *owned = !attn_gpu_cache_put(&cl.programs, defines, program);
    return program;
}

typedef struct opencl_context {
    attn_gpu_host host; /* first: attn_gpu_host_reference and _ran read it through the context */
    cl_program program;
    bool owns_program;
    cl_mem buffers[ATTN_GPU_MAX_BUFFERS];
    cl_kernel kernels[ATTN_GPU_MAX_LAUNCHES];
} opencl_context;

static void opencl_free(void *ctx)
{
    opencl_context *c = ctx;
    if (!c)
        return;
    for (int i = 0; i < ATTN_GPU_MAX_LAUNCHES; i++)
        if (c->kernels[i])
            clReleaseKernel(c->kernels[i]);
    for (int i = 0; i < ATTN_GPU_MAX_BUFFERS; i++)
        if (c->buffers[i])
            clReleaseMemObject(c->buffers[i]);
    if (c->owns_program)
        clReleaseProgram(c->program);
    attn_gpu_host_free(&c->host);
    free(c);
}

/* Buffers made (inputs copied in), kernels made and their arguments set. */
static int opencl_bind(opencl_context *c)
{
    const attn_gpu_job *job = &c->host.job;
    cl_int err = CL_SUCCESS;
    for (int i = 0; i < job->nbuffers && err == CL_SUCCESS; i++) {
        const attn_gpu_buffer *b = &job->buffers[i];
        cl_mem_flags flags = CL_MEM_READ_WRITE | (b->host && b->bytes ? CL_MEM_COPY_HOST_PTR : 0);
        c->buffers[i] = clCreateBuffer(cl.context, flags, b->bytes ? b->bytes : 4,
                                       b->bytes ? (void *)b->host : NULL, &err);
    }
    for (int i = 0; i < job->nlaunches && err == CL_SUCCESS; i++) {
        const attn_gpu_launch *launch = &job->launches[i];
        c->kernels[i] = clCreateKernel(c->program, launch->kernel, &err);
        for (int a = 0; a < launch->nargs && err == CL_SUCCESS; a++)
            err = clSetKernelArg(c->kernels[i], (cl_uint)a, sizeof(cl_mem),
                                 &c->buffers[launch->args[a]]);
    }
    return err == CL_SUCCESS ? ATTN_OK : err == CL_OUT_OF_RESOURCES ||
                                                 err == CL_MEM_OBJECT_ALLOCATION_FAILURE ||
                                                 err == CL_OUT_OF_HOST_MEMORY
                                             ? ATTN_ERR_NOMEM
                                             : ATTN_ERR_UNSUPPORTED;
}

static int opencl_alloc(void **ctx, const attn_kernel_ops *ops, const attn_problem *p,
                        size_t *out_elems)
{
    int rc = opencl_init();
    if (rc)
        return rc;
    opencl_context *c = calloc(1, sizeof *c);
    if (!c)
        return ATTN_ERR_NOMEM;
    rc = attn_gpu_host_init(&c->host, ops, p, &cl.limits);
    if (!rc && !(c->program = program_for(c->host.job.defines, &c->owns_program)))
        rc = ATTN_ERR_UNSUPPORTED;
    if (!rc)
        rc = opencl_bind(c);
    if (rc) {
        opencl_free(c);
        return rc;
    }
    *ctx = c;
    *out_elems = c->host.out_elems;
    return ATTN_OK;
}

static int opencl_run(void *ctx, attn_kernel_stats *stats, double *seconds)
{
    opencl_context *c = ctx;
    const attn_gpu_job *job = &c->host.job;
    cl_event events[ATTN_GPU_MAX_LAUNCHES];
    cl_int err = CL_SUCCESS;
    int launched = 0;
    for (; launched < job->nlaunches && err == CL_SUCCESS; launched++) {
        const attn_gpu_launch *l = &job->launches[launched];
        size_t global[3] = {l->groups[0] * l->local, l->groups[1], l->groups[2]};
        size_t local[3] = {l->local, 1, 1};
        err = clEnqueueNDRangeKernel(cl.queue, c->kernels[launched], 3, NULL, global, local, 0,
                                     NULL, &events[launched]);
        if (err != CL_SUCCESS)
            break;
    }
    if (err == CL_SUCCESS && launched)
        err = clWaitForEvents(1, &events[launched - 1]);
    cl_ulong start = 0, end = 0;
    if (err == CL_SUCCESS && launched) {
        clGetEventProfilingInfo(events[0], CL_PROFILING_COMMAND_START, sizeof start, &start, NULL);
        clGetEventProfilingInfo(events[launched - 1], CL_PROFILING_COMMAND_END, sizeof end, &end,
                                NULL);
    }
    for (int i = 0; i < launched; i++)
        clReleaseEvent(events[i]);
    if (err == CL_SUCCESS && job->tally_count)
        err = clEnqueueReadBuffer(cl.queue, c->buffers[job->tally], CL_TRUE, 0,
                                  job->tally_count * sizeof *c->host.tally, c->host.tally, 0,
                                  NULL, NULL);
    const double elapsed = end > start ? 1e-9 * (double)(end - start) : 0.0;
    return attn_gpu_host_ran(&c->host, err == CL_SUCCESS, elapsed, stats, seconds);
}

static int opencl_sync(void *ctx)
{
    (void)ctx;
    return clFinish(cl.queue) == CL_SUCCESS ? ATTN_OK : ATTN_ERR_UNSUPPORTED;
}

static int opencl_download(void *ctx, float *out)
{
    opencl_context *c = ctx;
    if (!c->host.out_elems)
        return ATTN_OK;
    cl_int err = clEnqueueReadBuffer(cl.queue, c->buffers[c->host.job.output], CL_TRUE, 0,
                                     c->host.out_elems * sizeof *out, out, 0, NULL, NULL);
    return err == CL_SUCCESS ? ATTN_OK : ATTN_ERR_UNSUPPORTED;
}

const attn_backend attn_backend_opencl = {
    .name = "opencl",
    .kind = ATTN_BACKEND_KIND_GPU,
    .probe = opencl_probe,
    .devices = opencl_devices,
    .sram_bytes = opencl_sram_bytes,
    .gpu_limits = opencl_gpu_limits,
    .supports = opencl_supports,
    .alloc = opencl_alloc,
    .run = opencl_run,
    .sync = opencl_sync,
    .download = opencl_download,
    .reference = attn_gpu_host_reference,
    .free = opencl_free,
};
