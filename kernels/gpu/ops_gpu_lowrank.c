/* ops_gpu_lowrank.c — low-rank (Linformer) prefill and decode on the GPU backends
 * (kernels/gpu/lowrank.cl, then standard.cl over the k projected rows), on the inputs of the
 * CPU ops (ops_lowrank.c) and against their reference (exact softmax attention: the error is
 * the approximation's). Non-causal only, as on the CPU. Decode starts each run from the CPU's
 * saved [K' | V'] after t - 1 tokens (ops_recurrent.h), adds token t's E[:, t] k_t^T and
 * F[:, t] v_t^T, and attends the new query over the k rows: every run does the same work.
 *
 * The attention runs, as on the CPU (cpu/lowrank.c), over each KV head's group of query heads
 * stacked as g·n_q rows of one head (Q's layout already holds them so), so K' and V' are read
 * once per KV head and query block, not once per query head.
 *
 * Counted traffic: the kernels tally every float they load; with P = ceil(k / PK) blocks of
 * PK = ATTN_GPU_PROJECT_ROWS projected rows per KV head and n tokens, per sequence:
 *   prefill projection: read 4·kv_heads·(2k·n + P·n·(d_qk + d_v))   (E and F; K, V per block)
 *   decode step:        read 4·kv_heads·(2k + (k + 1)·(d_qk + d_v)) (E, F columns; the token;
 *                                                                     the saved state)
 *   both: write 4·kv_heads·k·(d_qk + d_v), flops 2·kv_heads·k·J·(d_qk + d_v) (J = n or 1);
 * then ops_gpu_standard.c's counts for kv_heads heads of g·n_q rows over n_kv = k (kernels.h's
 * low-rank count when P = 1 and standard's query blocks hold every stacked row, as in decode).
 */
#include "gpu_job.h"
#include "ops_recurrent.h"

enum { PROJECT_TOKENS = 32, PROJECT_THREADS_MAX = 256 };

static int lowrank_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                       attn_gpu_job *job)
{
    attn_lowrank_work *w = work;
    const attn_qkv *x = &w->rec.qkv;
    const bool decode = p->phase == ATTN_PHASE_DECODE;
    attn_dims d = x->dims;
    attn_problem projected = *p;
    projected.n = attn_lowrank_rank(p);
    attn_gpu_standard_plan plan;
    int rc = attn_dims_check(&d);
    if (!rc)
        rc = attn_gpu_standard_plan_for(device, &projected, &plan);
    if (rc)
        return rc;
    const int64_t n = d.n_kv, rank = attn_lowrank_rank(p), width = d.d_qk + d.d_v;
    const int64_t caches = d.batch * d.kv_heads, tokens = decode ? 1 : n;
    const int64_t blocks = decode ? 1 : (rank + ATTN_GPU_PROJECT_ROWS - 1) / ATTN_GPU_PROJECT_ROWS;
    int64_t threads = 1;
    while (threads < width && threads * 2 <= PROJECT_THREADS_MAX &&
           threads * 2 <= (int64_t)device->max_group_size)
        threads *= 2;
    if (decode) /* K and V: token t of every KV head */
        attn_qkv_token(x, n - 1, w->rec.k_tok, w->rec.v_tok);
    /* the group's query heads stacked as the rows of one head per KV head (non-causal) */
    attn_dims stacked = d;
    stacked.n_kv = rank;
    stacked.n_q = d.n_q * (d.heads / d.kv_heads);
    stacked.heads = d.kv_heads;
    const size_t standard_tallies = attn_gpu_standard_tallies(&plan, &stacked);
    ATTN_GPU_DEFINES(job, {"ATTN_LOWRANK", 1}, {"CACHES", caches}, {"N_SEQ", n},
                     {"PK", ATTN_GPU_PROJECT_ROWS}, {"BT", PROJECT_TOKENS}, {"PT", threads},
                     {"TALLY_PROJECT", (long long)standard_tallies});
    const size_t projection = (size_t)(rank * n) * sizeof(float);
    const size_t state = (size_t)(caches * rank) * sizeof(float);
    const int e = attn_gpu_buffer_add(job, w->e, projection);
    const int f = attn_gpu_buffer_add(job, w->f, projection);
    const int qkv[3] = {attn_gpu_buffer_add(job, x->q, x->q_elems * sizeof(float)),
                        attn_gpu_buffer_add(job, NULL, state * (size_t)d.d_qk),
                        attn_gpu_buffer_add(job, NULL, state * (size_t)d.d_v)};
    const int k = attn_gpu_buffer_add(job, decode ? w->rec.k_tok : x->k,
                                      (size_t)(caches * tokens * d.d_qk) * sizeof(float));
    const int v = attn_gpu_buffer_add(job, decode ? w->rec.v_tok : x->v,
                                      (size_t)(caches * tokens * d.d_v) * sizeof(float));
    attn_gpu_job_tallied(job, x->o_elems * sizeof(float),
                         standard_tallies + (size_t)(caches * blocks));
    if (decode)
        attn_gpu_launch_add(job, "attn_lowrank_step", 1, (size_t)d.kv_heads, (size_t)d.batch,
                            (size_t)threads, 8,
                            (const int[]){e, f, k, v,
                                          attn_gpu_buffer_add(job, w->rec.saved,
                                                              state * (size_t)width),
                                          qkv[1], qkv[2], job->tally});
    else
        attn_gpu_launch_add(job, "attn_lowrank_project", (size_t)blocks, (size_t)d.kv_heads,
                            (size_t)d.batch, (size_t)threads, 7,
                            (const int[]){e, f, k, v, qkv[1], qkv[2], job->tally});
    job->base.bytes_written = 4 * (uint64_t)(caches * rank * width);
    job->base.flops = 2 * (uint64_t)(caches * rank * tokens * width);
    attn_gpu_standard_add(job, &plan, &stacked, qkv);
    return ATTN_OK;
}

/* Prefill loads K and V once per block of PK projected rows; both phases load K' and V' once per
 * block of the standard kernels' B_r stacked query rows. */
static int lowrank_tiling(const attn_problem *p, const attn_gpu_device *device,
                          attn_kernel_tiling *out)
{
    attn_problem projected = *p;
    projected.n = attn_lowrank_rank(p);
    attn_gpu_standard_plan plan;
    int rc = attn_gpu_standard_plan_for(device, &projected, &plan);
    if (rc)
        return rc;
    out->query_rows = plan.tiles.block_rows;
    out->project_rows = p->phase == ATTN_PHASE_DECODE ? 0 : ATTN_GPU_PROJECT_ROWS;
    return ATTN_OK;
}

static int lowrank_reference(const attn_problem *p, void *work, double *out)
{
    return attn_cpu_ops_lowrank.reference(p, work, out);
}

const attn_kernel_ops attn_gpu_ops_lowrank = {attn_lowrank_setup, NULL, lowrank_reference,
                                              attn_lowrank_teardown, attn_lowrank_unsupported,
                                              lowrank_job, attn_qkv_baseline, false,
                                              lowrank_tiling, NULL, false};
