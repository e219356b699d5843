/* backend_cpu.c — the CPU backend: the kernels run on the host, so upload and download are
 * copies of nothing and the time is the wall clock around one call (the kernels are
 * synchronous; OpenMP threads have joined when they return). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"

typedef struct cpu_context {
    const attn_kernel_ops *ops;
    attn_problem problem;
    void *work;
    float *out;
    size_t out_elems;
} cpu_context;

static int cpu_probe(char *why, size_t len)
{
    (void)why;
    (void)len;
    return ATTN_OK;
}

/* The host as one device: its "SRAM" is the L2 that flash tiles are sized for. */
static size_t cpu_devices(attn_backend_device *list, size_t max)
{
    if (max < 1)
        return 1;
    attn_backend_device *d = &list[0];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "host CPU");
    snprintf(d->detail, sizeof d->detail, "OpenMP + OpenBLAS threads");
    d->compute_units = (unsigned)attn_kernels_threads();
    d->local_mem_bytes = attn_cpu_sram_bytes();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    d->global_mem_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    d->max_group_size = 1;
    d->selected = true;
    return 1;
}

static size_t cpu_sram_bytes(void)
{
    return attn_cpu_sram_bytes();
}

static void cpu_free(void *ctx)
{
    cpu_context *c = ctx;
    if (!c)
        return;
    if (c->work)
        c->ops->teardown(c->work);
    free(c->out);
    free(c);
}

static int cpu_alloc(void **ctx, const attn_kernel_ops *ops, const attn_problem *p,
                     size_t *out_elems)
{
    cpu_context *c = calloc(1, sizeof *c);
    if (!c)
        return ATTN_ERR_NOMEM;
    c->ops = ops;
    c->problem = *p;
    int rc = ops->setup(p, &c->work, &c->out_elems);
    if (!rc && !(c->out = calloc(c->out_elems ? c->out_elems : 1, sizeof *c->out)))
        rc = ATTN_ERR_NOMEM;
    if (rc) {
        cpu_free(c);
        return rc;
    }
    *ctx = c;
    *out_elems = c->out_elems;
    return ATTN_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cpu_run(void *ctx, attn_kernel_stats *stats, double *seconds)
{
    cpu_context *c = ctx;
    if (c->ops->rewind)
        c->ops->rewind(&c->problem, c->work);
    double start = now();
    int rc = c->ops->run(&c->problem, c->work, c->out, stats);
    return attn_backend_ran(rc, now() - start, seconds);
}

static int cpu_sync(void *ctx)
{
    (void)ctx;
    return ATTN_OK;
}

static int cpu_download(void *ctx, float *out)
{
    cpu_context *c = ctx;
    memcpy(out, c->out, c->out_elems * sizeof *out);
    return ATTN_OK;
}

static int cpu_reference(void *ctx, double *out)
{
    cpu_context *c = ctx;
    return c->ops->reference(&c->problem, c->work, out);
}

const attn_backend attn_backend_cpu = {
    .name = "cpu",
    .kind = ATTN_BACKEND_KIND_CPU,
    .probe = cpu_probe,
    .devices = cpu_devices,
    .sram_bytes = cpu_sram_bytes,
    .supports = attn_backend_supports_kernels,
    .alloc = cpu_alloc,
    .run = cpu_run,
    .sync = cpu_sync,
    .download = cpu_download,
    .reference = cpu_reference,
    .free = cpu_free,
};
