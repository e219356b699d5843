/* engine_vllm.c — vLLM's rules for the KV budget (the V1 engine).
 *
 * vllm/v1/worker/gpu_worker.py, Worker.init_device: after NCCL is set up, a memory snapshot is
 * taken and requested_memory = total_memory x gpu_memory_utilization; vLLM refuses to start
 * when the free memory at that point is below it. Worker.determine_available_memory runs
 * GPUModelRunner.profile_run inside vllm/utils/mem_utils.py memory_profiling and sets
 *     available KV = requested_memory - (weights + torch peak increase + non-torch increase)
 * (MemoryProfilingResult.non_kv_cache_memory). CUDA graphs are captured after the KV cache
 * is allocated (Worker.compile_or_warm_up_model), so they use memory outside the budget;
 * only with VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 (vllm/envs.py, default 0) is an
 * estimate of the graph pool subtracted as well. The CUDA context stays outside too.
 *
 * profile_run (vllm/v1/worker/gpu_model_runner.py) runs _dummy_run(max_num_batched_tokens)
 * spread over min(max_num_seqs, tokens) requests, then _dummy_sampler_run on the last
 * pipeline stage: logits for one token per request, cast to fp32, and top-k/top-p sampling
 * that sorts them (vllm/v1/sample/ops/topk_topp_sampler.py, apply_top_k_top_p).
 *
 * Defaults (vllm/engine/arg_utils.py, EngineArgs._set_default_args, API server): devices of
 * 70 GiB or more whose name does not contain "a100" get max_num_batched_tokens 8192 and
 * max_num_seqs 1024, the others (A100s included) 2048 and 256; gpu_memory_utilization 0.92
 * (vllm/config/cache.py; 0.9 before v0.11); block_size 16. CUDA graphs are captured for batch sizes 1, 2, 4, 8..248 step 8, 256..max step 16 with
 * max = min(2 x max_num_seqs, 512) (vllm/config/compilation.py), once FULL and once PIECEWISE.
 *
 * Modelled (not measured) constants, each replaceable by a measured --overhead:
 *  - CUDA context: 512 MiB, outside the budget (it only decides the start-up refusal);
 *  - non-torch memory that appears during profiling: 256 MiB (lazily loaded kernels,
 *    cuBLAS/cuBLASLt handles), plus, with tp > 1, NCCL's buffers (NCCL_BUFFSIZE 4 MiB per
 *    channel and direction, 32 channels, ring and tree: 512 MiB) and vLLM's custom
 *    all-reduce buffer (8 MiB, vllm/distributed/device_communicators/custom_all_reduce.py);
 *  - CUDA graphs: the graph pool holds one forward pass at the largest captured size, plus
 *    1 MiB per graph (the floor vLLM's estimator applies per graph).
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

#define CUDA_CONTEXT (512 * ATTN_MIB)
#define NON_TORCH_BASE (256 * ATTN_MIB)
#define NCCL_BUFFERS (512 * ATTN_MIB)
#define CUSTOM_ALLREDUCE (8 * ATTN_MIB)
#define GRAPH_FLOOR ATTN_MIB
#define SAMPLER_BYTES_PER_LOGIT (2 + 4 + 4 + 8 + 4) /* bf16, fp32, sorted, int64 index, probs */

static void vllm_defaults(const attn_model *m, attn_engine_settings *s)
{
    (void)m;
    bool a100 = s->device_name && strcasestr(s->device_name, "a100");
    bool large = s->device_bytes >= 70 * ATTN_GIB && !a100;
    if (s->mem_util <= 0)
        s->mem_util = 0.92;
    if (s->block_size <= 0)
        s->block_size = 16;
    if (s->max_num_batched_tokens <= 0)
        s->max_num_batched_tokens = large ? 8192 : 2048;
    if (s->max_num_seqs <= 0)
        s->max_num_seqs = large ? 1024 : 256;
    if (s->cuda_graphs_in_budget < 0)
        s->cuda_graphs_in_budget = 0; /* VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 */
}

/* Number of batch sizes vLLM captures graphs for, up to `max`. */
static uint64_t capture_sizes(int64_t max)
{
    uint64_t n = 0;
    for (int64_t b = 1; b <= max; b = b < 8 ? b * 2 : b < 256 ? b + 8 : b + 16)
        n++;
    return n;
}

/* Saturating, as attn_forward_peak_bytes: absurd settings must not wrap. */
static uint64_t sampler_peak(const attn_model *m, int64_t tokens, int64_t reqs)
{
    long double bytes = (long double)tokens * (long double)m->hidden * 2 +
                        (long double)reqs * (long double)m->vocab * SAMPLER_BYTES_PER_LOGIT +
                        (long double)reqs * (long double)m->hidden * 2;
    return bytes < (long double)UINT64_MAX ? (uint64_t)bytes : UINT64_MAX;
}

static int vllm_terms(const attn_model *m, attn_engine_result *r, bool last_stage,
                      attn_diag *diag)
{
    (void)diag;
    const attn_engine_settings *s = &r->settings;
    int64_t start, end;
    attn_pp_stage_range(m->layers, s->pp, r->stage, &start, &end);
    int64_t tokens = s->max_num_batched_tokens;
    int64_t reqs = s->max_num_seqs < tokens ? s->max_num_seqs : tokens;

    uint64_t forward = attn_forward_peak_bytes(m, s->tp, start, end, tokens);
    uint64_t sampling = last_stage ? sampler_peak(m, tokens, reqs) : 0;
    r->activation_peak_bytes = forward > sampling ? forward : sampling;

    if (s->overhead_bytes >= 0)
        r->non_torch_bytes = (uint64_t)s->overhead_bytes;
    else
        r->non_torch_bytes =
            NON_TORCH_BASE + (s->tp > 1 || s->pp > 1 ? NCCL_BUFFERS : 0) +
            (s->tp > 1 ? CUSTOM_ALLREDUCE : 0);
    r->outside_bytes = CUDA_CONTEXT;

    if (!s->enforce_eager) {
        int64_t max_size = 2 * s->max_num_seqs < 512 ? 2 * s->max_num_seqs : 512;
        uint64_t pool = attn_forward_peak_bytes(m, s->tp, start, end, max_size);
        uint64_t per_graph = 2 * capture_sizes(max_size) * GRAPH_FLOOR;
        r->cuda_graph_bytes = pool < UINT64_MAX - per_graph ? pool + per_graph : UINT64_MAX;
    }

    r->budget_bytes = (uint64_t)((long double)s->device_bytes * (long double)s->mem_util);
    long double kv = (long double)r->budget_bytes - (long double)r->weights_bytes -
                     (long double)r->activation_peak_bytes - (long double)r->non_torch_bytes -
                     (s->cuda_graphs_in_budget ? (long double)r->cuda_graph_bytes : 0);
    r->kv_budget_bytes = kv < -9.0e18L ? INT64_MIN : (int64_t)kv;
    /* graphs captured after the KV cache use what the budget left: the context, plus the
     * activations the profile run freed */
    long double after_kv = (long double)r->outside_bytes + (long double)r->budget_bytes -
                           (long double)r->activation_peak_bytes;
    if (!s->cuda_graphs_in_budget && !s->enforce_eager &&
        after_kv + (long double)r->cuda_graph_bytes > (long double)s->device_bytes)
        snprintf(r->reason, sizeof r->reason,
                 "vllm: CUDA graph capture (%.2f GiB) would not fit in what the KV cache leaves "
                 "(vllm/v1/worker/gpu_worker.py, compile_or_warm_up_model); lower "
                 "gpu_memory_utilization or --enforce-eager",
                 (double)r->cuda_graph_bytes / (double)ATTN_GIB);
    if (r->outside_bytes + r->budget_bytes > s->device_bytes)
        snprintf(r->reason, sizeof r->reason,
                 "vllm: free memory at start-up (%.2f of %.2f GiB, after the CUDA context) is "
                 "less than gpu_memory_utilization %.2f asks for (%.2f GiB) "
                 "(vllm/v1/worker/gpu_worker.py, Worker.init_device)",
                 (double)(s->device_bytes - r->outside_bytes) / (double)ATTN_GIB,
                 (double)s->device_bytes / (double)ATTN_GIB, s->mem_util,
                 (double)r->budget_bytes / (double)ATTN_GIB);
    return ATTN_OK;
}

const attn_engine_rules attn_engine_vllm = {vllm_defaults, vllm_terms};
