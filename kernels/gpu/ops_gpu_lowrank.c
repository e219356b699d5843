/* ops_gpu_lowrank.c — low-rank (Linformer) prefill and decode on the GPU backends
 * (kernels/gpu/lowrank.cl, then standard.cl over the k projected rows), on the inputs of the
 * CPU ops (ops_lowrank.c) and against their reference (exact softmax attention: the error is
 * the approximation's). Non-causal only, as on the CPU. Decode starts each run from the CPU's
 * saved [K' | V'] after t - 1 tokens (ops_recurrent.h), adds token t's E[:, t] k_t^T and
 * F[:, t] v_t^T, and attends the new query over the k rows: every run does the same work.
 *
 * Counted traffic: the kernels tally every float they load; with P = ceil(k / PK) blocks of
 * PK = ATTN_GPU_PROJECT_ROWS projected rows per KV head and J tokens projected (n in prefill,
 * the new one in decode), per sequence:
 *   projection: read 4·kv_heads·(2k·J + P·J·(d_qk + d_v))   (E and F; K and V per block)
 *               + in decode 4·kv_heads·k·(d_qk + d_v)        (the saved state),
 *               write 4·kv_heads·k·(d_qk + d_v), flops 2·kv_heads·k·J·(d_qk + d_v);
 * then ops_gpu_standard.c's counts with n_kv = k (n_q = 1 in decode; kernels.h's low-rank
 * count when P = 1 and standard's query blocks hold every row).
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
    const int64_t n = d.n_kv, first = decode ? n - 1 : 0, width = d.d_qk + d.d_v;
    const int64_t caches = d.batch * d.kv_heads, tokens = n - first;
    const int64_t blocks =
        (attn_lowrank_rank(p) + ATTN_GPU_PROJECT_ROWS - 1) / ATTN_GPU_PROJECT_ROWS;
    int64_t threads = 1;
    while (threads < width && threads * 2 <= PROJECT_THREADS_MAX &&
           threads * 2 <= (int64_t)device->max_group_size)
        threads *= 2;
    if (decode) /* K and V: token t of every KV head */
        attn_qkv_token(x, first, w->rec.k_tok, w->rec.v_tok);
    d.n_kv = attn_lowrank_rank(p);
    const size_t standard_tallies = attn_gpu_standard_tallies(&plan, &d);
    attn_gpu_define(job, "ATTN_LOWRANK", 1);
    attn_gpu_define(job, "CACHES", caches);
    attn_gpu_define(job, "N_SEQ", n);
    attn_gpu_define(job, "PK", ATTN_GPU_PROJECT_ROWS);
    attn_gpu_define(job, "BT", PROJECT_TOKENS);
    attn_gpu_define(job, "PT", threads);
    attn_gpu_define(job, "TALLY_PROJECT", (long long)standard_tallies);
    const size_t projection = (size_t)(attn_lowrank_rank(p) * n) * sizeof(float);
    const size_t state = (size_t)(caches * attn_lowrank_rank(p)) * sizeof(float);
    const int e = attn_gpu_buffer_add(job, w->e, projection);
    const int f = attn_gpu_buffer_add(job, w->f, projection);
    const int qkv[3] = {attn_gpu_buffer_add(job, x->q, x->q_elems * sizeof(float)),
                        attn_gpu_buffer_add(job, NULL, state * (size_t)d.d_qk),
                        attn_gpu_buffer_add(job, NULL, state * (size_t)d.d_v)};
    const int k = attn_gpu_buffer_add(job, decode ? w->rec.k_tok : x->k,
                                      (size_t)(caches * tokens * d.d_qk) * sizeof(float));
    const int v = attn_gpu_buffer_add(job, decode ? w->rec.v_tok : x->v,
                                      (size_t)(caches * tokens * d.d_v) * sizeof(float));
    job->output = attn_gpu_buffer_add(job, NULL, x->o_elems * sizeof(float));
    job->tally_count = standard_tallies + (size_t)(caches * blocks);
    job->tally = attn_gpu_buffer_add(job, NULL, job->tally_count * 4);
    if (decode)
        attn_gpu_launch_add(job, "attn_lowrank_absorb", (size_t)blocks, (size_t)d.kv_heads,
                            (size_t)d.batch, (size_t)threads, 8,
                            (const int[]){e, f, k, v,
                                          attn_gpu_buffer_add(job, w->rec.saved,
                                                              state * (size_t)width),
                                          qkv[1], qkv[2], job->tally});
    else
        attn_gpu_launch_add(job, "attn_lowrank_project", (size_t)blocks, (size_t)d.kv_heads,
                            (size_t)d.batch, (size_t)threads, 7,
                            (const int[]){e, f, k, v, qkv[1], qkv[2], job->tally});
    job->base.bytes_written = 4 * (uint64_t)(caches * attn_lowrank_rank(p) * width);
    job->base.flops = 2 * (uint64_t)(caches * attn_lowrank_rank(p) * tokens * width);
    attn_gpu_standard_add(job, &plan, &d, qkv);
    return ATTN_OK;
}

static int lowrank_reference(const attn_problem *p, void *work, double *out)
{
    return attn_cpu_ops_lowrank.reference(p, work, out);
}

const attn_kernel_ops attn_gpu_ops_lowrank = {attn_lowrank_setup, NULL, lowrank_reference,
                                              attn_lowrank_teardown, attn_lowrank_unsupported,
                                              lowrank_job, attn_qkv_baseline, false};
