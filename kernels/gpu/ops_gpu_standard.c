/* ops_gpu_standard.c — standard attention (Algorithm 0) on the GPU backends
 * (kernels/gpu/standard.cl), on the inputs and against the reference of the CPU ops
 * (ops_exact.c); decode is the same kernels with one query row, on an fp32 cache.
 *
 * Counted traffic: the kernels tally every float they load, so per query head, with the
 * tiles of FlashAttention for the device's M (B_r, B_c) and T_r = ceil(n_q / B_r):
 *   read  = 4·(n_q·d_qk + T_r·n_kv·(d_qk + d_v) + 2·n_q·n_kv)   (Q; K and V per query block;
 *                                                                S for the softmax; P for PV)
 *   write = 4·(2·n_q·n_kv + n_q·d_v)                             (S; P; O)
 * which is the CPU kernel's count (kernels.h) when one block holds every row (T_r = 1, as in
 * decode). flops = 2·n_q·n_kv·(d_qk + d_v), other_flops = 5·n_q·n_kv: causal masks in S.
 * Low-rank (ops_gpu_lowrank.c) runs the same kernels over its projected K and V.
 */
#include "gpu_job.h"
#include "ops_internal.h"

enum { SOFTMAX_PER_MAX = 128 }; /* row elements a softmax work-item holds privately */

int attn_gpu_standard_plan_for(const attn_gpu_device *device, const attn_problem *p,
                               attn_gpu_standard_plan *plan)
{
    attn_flash_tiles t;
    int rc = attn_gpu_flash_tiles(device, p, &t);
    if (rc)
        return rc;
    const int64_t n_kv = p->n, budget = (int64_t)attn_gpu_sram_bytes(device);
    const int64_t cap = (int64_t)device->max_group_size < 1024 ? (int64_t)device->max_group_size
                                                                  : 1024;
    int64_t threads = 1; /* a power of two for the tree reductions */
    while (threads * 2 <= cap && (threads < 32 || threads * 16 < n_kv))
        threads *= 2;
    const int64_t per = n_kv > threads ? (n_kv + threads - 1) / threads : 1;
    if (per > SOFTMAX_PER_MAX || p->d_v > (int64_t)device->max_group_size ||
        4 * (t.block_rows * t.block_cols + t.block_cols * p->d_v) > budget)
        return ATTN_ERR_UNSUPPORTED;
    *plan = (attn_gpu_standard_plan){t, threads, per};
    return ATTN_OK;
}

void attn_gpu_standard_add(attn_gpu_job *job, const attn_gpu_standard_plan *plan,
                           const attn_dims *d, const int qkv[3])
{
    const int64_t br = plan->tiles.block_rows, bc = plan->tiles.block_cols;
    const int64_t t_r = (d->n_q + br - 1) / br, heads = d->batch * d->heads;
    attn_gpu_define_dims(job, d);
    ATTN_GPU_DEFINES(job, {"CAUSAL", d->causal}, {"ATTN_STANDARD", 1}, {"BR", br}, {"BC", bc},
                     {"T_R", t_r}, {"THREADS", plan->softmax_threads},
                     {"PER", plan->softmax_per}, {"TALLY_SOFTMAX", heads * t_r},
                     {"TALLY_PV", heads * (t_r + d->n_q)});
    const int s = attn_gpu_buffer_add(job, NULL, (size_t)(heads * d->n_q * d->n_kv) * 4);
    if (t_r > 0) {
        attn_gpu_launch_add(job, "attn_std_scores", (size_t)t_r, (size_t)d->heads,
                            (size_t)d->batch, (size_t)bc, 4,
                            (const int[]){qkv[0], qkv[1], s, job->tally});
        attn_gpu_launch_add(job, "attn_std_softmax", (size_t)d->n_q, (size_t)d->heads,
                            (size_t)d->batch, (size_t)plan->softmax_threads, 2,
                            (const int[]){s, job->tally});
        attn_gpu_launch_add(job, "attn_std_pv", (size_t)t_r, (size_t)d->heads, (size_t)d->batch,
                            (size_t)d->d_v, 4, (const int[]){s, qkv[2], job->output, job->tally});
    }
    const uint64_t scores = (uint64_t)(heads * d->n_q * d->n_kv);
    job->base.bytes_written += 4 * (2 * scores + (uint64_t)(heads * d->n_q * d->d_v));
    job->base.flops += 2 * scores * (uint64_t)(d->d_qk + d->d_v);
    job->base.other_flops += 5 * scores;
}

size_t attn_gpu_standard_tallies(const attn_gpu_standard_plan *plan, const attn_dims *d)
{
    const int64_t t_r = (d->n_q + plan->tiles.block_rows - 1) / plan->tiles.block_rows;
    return (size_t)(d->batch * d->heads * (2 * t_r + d->n_q));
}

static int standard_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                        attn_gpu_job *job)
{
    attn_exact_work *w = work;
    const attn_dims *d = &w->qkv.dims;
    attn_gpu_standard_plan plan;
    int rc = attn_dims_check(d);
    if (!rc)
        rc = attn_gpu_standard_plan_for(device, p, &plan);
    if (rc)
        return rc;
    const int qkv[3] = {attn_gpu_buffer_add(job, w->qkv.q, w->qkv.q_elems * sizeof(float)),
                        attn_gpu_buffer_add(job, w->qkv.k, w->qkv.k_elems * sizeof(float)),
                        attn_gpu_buffer_add(job, w->qkv.v, w->qkv.v_elems * sizeof(float))};
    attn_gpu_job_tallied(job, w->qkv.o_elems * sizeof(float), attn_gpu_standard_tallies(&plan, d));
    attn_gpu_standard_add(job, &plan, d, qkv);
    return ATTN_OK;
}

/* K and V are loaded once per block of B_r query rows (attn_std_scores, attn_std_pv). */
static int standard_tiling(const attn_problem *p, const attn_gpu_device *device,
                           attn_kernel_tiling *out)
{
    attn_gpu_standard_plan plan;
    int rc = attn_gpu_standard_plan_for(device, p, &plan);
    if (!rc)
        out->query_rows = plan.tiles.block_rows;
    return rc;
}

static const char *gpu_standard_unsupported(const attn_problem *p)
{
    return attn_cpu_ops_standard.unsupported(p);
}

const attn_kernel_ops attn_gpu_ops_standard = {attn_exact_setup, NULL, attn_exact_reference,
                                               attn_exact_teardown, gpu_standard_unsupported,
                                               standard_job, attn_qkv_baseline, false,
                                               standard_tiling, NULL, false};
