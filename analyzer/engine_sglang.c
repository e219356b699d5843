/* engine_sglang.c — SGLang's rules for the KV pool.
 *
 * python/sglang/srt/model_executor/model_runner.py: ModelRunner measures the free memory
 * after the distributed set-up (total_gpu_memory, in init_torch_distributed), loads the
 * weights, and profile_max_num_token sets
 *     rest = free after weights - total_gpu_memory x (1 - mem_fraction_static)
 *     max_total_num_tokens = rest / cell_size
 * i.e. KV = free at start x mem_fraction_static - weights. mem_fraction_static budgets only
 * weights and KV: activations, CUDA graphs and other buffers must fit in the rest. It raises
 * "Not enough memory" when the pool is empty (init_memory_pool); it starts even when one
 * request of the context length does not fit.
 *
 * Default mem_fraction_static (python/sglang/srt/server_args.py, ServerArgs.__post_init__):
 * 0.79 for tp >= 16, 0.81 for tp >= 8, 0.85 for tp >= 4, 0.87 for tp >= 2, else 0.88; KV is
 * allocated per token (page_size 1); chunked_prefill_size 8192 bounds a prefill step.
 * The CUDA context and NCCL buffers (same modelled sizes as engine_vllm.c) come off before
 * the fraction is taken.
 */
#include "engine_internal.h"

#define CUDA_CONTEXT (512 * ATTN_MIB)
#define NCCL_BUFFERS (512 * ATTN_MIB)

static void sglang_defaults(const attn_model *m, attn_engine_settings *s)
{
    (void)m;
    if (s->mem_util <= 0)
        s->mem_util = s->tp >= 16 ? 0.79 : s->tp >= 8 ? 0.81 : s->tp >= 4 ? 0.85
                                                         : s->tp >= 2 ? 0.87 : 0.88;
    if (s->block_size <= 0)
        s->block_size = 1;
    if (s->max_num_batched_tokens <= 0)
        s->max_num_batched_tokens = 8192;
    if (s->max_num_seqs <= 0)
        s->max_num_seqs = 4096;
    s->cuda_graphs_in_budget = 0;
}

static int sglang_terms(const attn_model *m, attn_engine_result *r, bool last_stage,
                        attn_diag *diag)
{
    (void)diag;
    (void)last_stage;
    const attn_engine_settings *s = &r->settings;
    int64_t start, end;
    attn_pp_stage_range(m->layers, s->pp, r->stage, &start, &end);
    uint64_t nccl = s->tp > 1 || s->pp > 1 ? NCCL_BUFFERS : 0;
    r->outside_bytes = s->overhead_bytes >= 0 ? (uint64_t)s->overhead_bytes : CUDA_CONTEXT + nccl;
    r->non_torch_bytes = 0;
    r->activation_peak_bytes =
        attn_forward_peak_bytes(m, s->tp, start, end, s->max_num_batched_tokens);
    if (!s->enforce_eager)
        r->cuda_graph_bytes = attn_forward_peak_bytes(m, s->tp, start, end, 160); /* cuda_graph_max_bs */
    uint64_t free_at_start = s->device_bytes > r->outside_bytes
                                 ? s->device_bytes - r->outside_bytes
                                 : 0;
    r->budget_bytes = (uint64_t)((long double)free_at_start * (long double)s->mem_util);
    long double kv = (long double)r->budget_bytes - (long double)r->weights_bytes;
    r->kv_budget_bytes = kv < -9.0e18L ? INT64_MIN : (int64_t)kv;
    return ATTN_OK;
}

const attn_engine_rules attn_engine_sglang = {sglang_defaults, sglang_terms};
