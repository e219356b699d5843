/* ops_gpu_lowrank.c — low-rank (Linformer) prefill on the GPU backends
 * (kernels/gpu/lowrank.cl, then standard.cl over the k projected rows), on the inputs of the
 * CPU ops (ops_lowrank.c) and against their reference (exact softmax attention: the error is
 * the approximation's). Non-causal only, as on the CPU; decode has no GPU kernel yet.
 *
 * Counted traffic: the kernels tally every float they load; with P = ceil(k / PK) blocks of
 * PK = ATTN_GPU_PROJECT_ROWS projected rows per KV head, per sequence:
 *   projection: read 4·kv_heads·(2k·n + P·n·(d_qk + d_v))   (E and F; K and V per block),
 *               write 4·kv_heads·k·(d_qk + d_v), flops 2·kv_heads·k·n·(d_qk + d_v);
 * then ops_gpu_standard.c's counts with n_kv = k (kernels.h's low-rank count when P = 1 and
 * standard's query blocks hold every row).
 */
#include "gpu_job.h"
#include "ops_recurrent.h"

enum { PROJECT_TOKENS = 32, PROJECT_THREADS_MAX = 256 };

static int lowrank_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                       attn_gpu_job *job)
{
    attn_lowrank_work *w = work;
    const attn_qkv *x = &w->rec.qkv;
    attn_dims d = x->dims;
    attn_problem projected = *p;
    projected.n = p->rank;
    attn_gpu_standard_plan plan;
    int rc = attn_dims_check(&d);
    if (!rc)
        rc = attn_gpu_standard_plan_for(device, &projected, &plan);
    if (rc)
        return rc;
    const int64_t n = d.n_kv, width = d.d_qk + d.d_v, caches = d.batch * d.kv_heads;
    const int64_t blocks = (p->rank + ATTN_GPU_PROJECT_ROWS - 1) / ATTN_GPU_PROJECT_ROWS;
    int64_t threads = 1;
    while (threads < width && threads * 2 <= PROJECT_THREADS_MAX &&
           threads * 2 <= (int64_t)device->max_group_size)
        threads *= 2;
    d.n_kv = p->rank;
    const size_t standard_tallies = attn_gpu_standard_tallies(&plan, &d);
    attn_gpu_define(job, "ATTN_LOWRANK", 1);
    attn_gpu_define(job, "N_SEQ", n);
    attn_gpu_define(job, "PK", ATTN_GPU_PROJECT_ROWS);
    attn_gpu_define(job, "BT", PROJECT_TOKENS);
    attn_gpu_define(job, "PT", threads);
    attn_gpu_define(job, "XPER", (width + threads - 1) / threads);
    attn_gpu_define(job, "T_P", blocks);
    attn_gpu_define(job, "TALLY_PROJECT", (long long)standard_tallies);
    const size_t projection = (size_t)(p->rank * n) * sizeof(float);
    const int e = attn_gpu_buffer_add(job, w->e, projection);
    const int f = attn_gpu_buffer_add(job, w->f, projection);
    const int qkv[3] = {
        attn_gpu_buffer_add(job, x->q, x->q_elems * sizeof(float)),
        attn_gpu_buffer_add(job, NULL, (size_t)(caches * p->rank * d.d_qk) * sizeof(float)),
        attn_gpu_buffer_add(job, NULL, (size_t)(caches * p->rank * d.d_v) * sizeof(float))};
    const int k = attn_gpu_buffer_add(job, x->k, x->k_elems * sizeof(float));
    const int v = attn_gpu_buffer_add(job, x->v, x->v_elems * sizeof(float));
    job->output = attn_gpu_buffer_add(job, NULL, x->o_elems * sizeof(float));
    job->tally_count = standard_tallies + (size_t)(caches * blocks);
    job->tally = attn_gpu_buffer_add(job, NULL, job->tally_count * 4);
    attn_gpu_launch_add(job, "attn_lowrank_project", (size_t)blocks, (size_t)d.kv_heads,
                        (size_t)d.batch, (size_t)threads, 7,
                        (const int[]){e, f, k, v, qkv[1], qkv[2], job->tally});
    job->base.bytes_written = 4 * (uint64_t)(caches * p->rank * width);
    job->base.flops = 2 * (uint64_t)(caches * p->rank * n * width);
    attn_gpu_standard_add(job, &plan, &d, qkv);
    return ATTN_OK;
}

static int lowrank_reference(const attn_problem *p, void *work, double *out)
{
    return attn_cpu_ops_lowrank.reference(p, work, out);
}

static const char *gpu_lowrank_unsupported(const attn_problem *p)
{
    if (p->phase == ATTN_PHASE_DECODE)
        return "low-rank decode has no GPU kernel yet";
    return attn_lowrank_unsupported(p);
}

const attn_kernel_ops attn_gpu_ops_lowrank = {attn_lowrank_setup, NULL, lowrank_reference,
                                              attn_lowrank_teardown, gpu_lowrank_unsupported,
                                              lowrank_job};
