/* gpu_job.c — what the GPU backends share (gpu_job.h): building jobs (defines, buffers,
 * launches), the counted traffic of a run from the tallies its kernels wrote, the host half of
 * a run, and the cache of built programs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "gpu_job.h"

void attn_gpu_define(attn_gpu_job *job, const char *name, long long value)
{
    size_t used = strlen(job->defines);
    snprintf(job->defines + used, sizeof job->defines - used, "%s-D%s=%lld",
             used ? " " : "", name, value);
}

void attn_gpu_define_all(attn_gpu_job *job, const attn_gpu_def *defs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        attn_gpu_define(job, defs[i].name, defs[i].value);
}

int attn_gpu_buffer_add(attn_gpu_job *job, const void *host, size_t bytes)
{
    job->buffers[job->nbuffers] = (attn_gpu_buffer){host, bytes};
    return job->nbuffers++;
}

void attn_gpu_job_tallied(attn_gpu_job *job, size_t out_bytes, size_t tallies)
{
    job->output = attn_gpu_buffer_add(job, NULL, out_bytes);
    job->tally_count = tallies;
    job->tally = attn_gpu_buffer_add(job, NULL, tallies * sizeof(uint32_t));
    job->bytes_per_row = sizeof(float);
}

void attn_gpu_launch_add(attn_gpu_job *job, const char *kernel, size_t gx, size_t gy, size_t gz,
                         size_t local, int count, const int *args)
{
    attn_gpu_launch *launch = &job->launches[job->nlaunches++];
    *launch = (attn_gpu_launch){.kernel = kernel, .groups = {gx, gy, gz}, .local = local,
                                .nargs = count};
    memcpy(launch->args, args, (size_t)count * sizeof *args);
}

void attn_gpu_job_stats(const attn_gpu_job *job, const uint32_t *tally, attn_kernel_stats *out)
{
    *out = job->base;
    for (size_t i = 0; i < job->tally_count; i++)
        out->bytes_read += (uint64_t)tally[i] * job->bytes_per_row;
}

uint64_t attn_gpu_sram_bytes(const attn_gpu_device *device)
{
    return device->local_mem_bytes < ATTN_GPU_LOCAL_BYTES_MAX ? device->local_mem_bytes
                                                              : ATTN_GPU_LOCAL_BYTES_MAX;
}

int attn_gpu_host_init(attn_gpu_host *host, const attn_kernel_ops *ops, const attn_problem *p,
                       const attn_gpu_device *device)
{
    memset(host, 0, sizeof *host);
    if (!ops->gpu_job)
        return ATTN_ERR_UNSUPPORTED;
    host->ops = ops;
    host->problem = *p;
    int rc = ops->setup(p, &host->work, &host->out_elems);
    if (rc) {
        host->work = NULL;
        return rc;
    }
    rc = ops->gpu_job(p, host->work, device, &host->job);
    if (!rc && !(host->tally = calloc(host->job.tally_count + 1, sizeof *host->tally)))
        rc = ATTN_ERR_NOMEM;
    if (rc)
        attn_gpu_host_free(host);
    return rc;
}

void attn_gpu_host_free(attn_gpu_host *host)
{
    if (host->work)
        host->ops->teardown(host->work);
    free(host->tally);
    host->work = NULL;
    host->tally = NULL;
}

int attn_gpu_host_reference(void *ctx, double *out)
{
    const attn_gpu_host *host = ctx;
    return host->ops->reference(&host->problem, host->work, out);
}

int attn_gpu_host_ran(const attn_gpu_host *host, bool ok, double elapsed,
                      attn_kernel_stats *stats, double *seconds)
{
    if (ok)
        attn_gpu_job_stats(&host->job, host->tally, stats);
    return attn_backend_ran(ok ? ATTN_OK : ATTN_ERR_UNSUPPORTED, elapsed, seconds);
}

void *attn_gpu_cache_find(const attn_gpu_cache *cache, const char *key)
{
    for (int i = 0; i < cache->count; i++)
        if (strcmp(cache->keys[i], key) == 0)
            return cache->values[i];
    return NULL;
}

bool attn_gpu_cache_put(attn_gpu_cache *cache, const char *key, void *value)
{
    if (cache->count == ATTN_GPU_CACHE_SLOTS || strlen(key) >= sizeof cache->keys[0])
        return false;
    snprintf(cache->keys[cache->count], sizeof cache->keys[0], "%s", key);
    cache->values[cache->count++] = value;
    return true;
}
