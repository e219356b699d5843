/* kv_engine.c — `attnscope kv` with a serving engine: its flags, the settings a vLLM log
 * implies, and the call into the engine model (analyzer/engine*.c).
 *
 * With --gpu or --mem the engine is vLLM unless --engine says otherwise; --engine none keeps
 * the plain "memory x utilisation - weights" capacity. A --vllm-log supplies what the
 * engine really ran with (TP, PP, max_model_len, KV dtype, eager mode, utilisation, device
 * memory) so that the prediction is made for the same settings as the log.
 */
#include <stdio.h>
#include <string.h>

#include "kv_print.h"

#define MAX_TOKENS (INT64_C(1) << 40)

void kv_engine_options_init(kv_engine_options *e)
{
    memset(e, 0, sizeof *e);
    e->engine = ATTN_ENGINE_VLLM;
    e->overhead = -1;
}

int kv_engine_option(int opt, const char *arg, kv_engine_options *e)
{
    uint64_t size;
    int rc;
    switch (opt) {
    case OPT_ENGINE:
        e->engine_set = true;
        if (attn_engine_parse(arg, &e->engine))
            return cli_fail(CLI_USAGE, "kv: --engine '%s': expected vllm, sglang or none", arg);
        return CLI_OK;
    case OPT_PP: return cli_parse_int("--pp", arg, 1, 1 << 12, &e->pp);
    case OPT_MAX_MODEL_LEN:
        return cli_parse_tokens("--max-model-len", arg, 1, MAX_TOKENS, &e->max_model_len);
    case OPT_MAX_BATCHED:
        return cli_parse_tokens("--max-num-batched-tokens", arg, 1, MAX_TOKENS,
                                &e->max_num_batched_tokens);
    case OPT_MAX_SEQS: return cli_parse_int("--max-num-seqs", arg, 1, 1 << 24, &e->max_num_seqs);
    case OPT_BLOCK_SIZE: return cli_parse_int("--block-size", arg, 1, 1 << 20, &e->block_size);
    case OPT_WEIGHTS_QUANT:
        if (strcmp(arg, "auto") == 0)
            return CLI_OK;
        e->quant_set = true;
        if (attn_quant_from_name(arg, &e->quant))
            return cli_fail(CLI_USAGE,
                            "kv: --weights-quant '%s': unknown quantization method (auto none "
                            "fp8 int8 int4-gptq int4-awq bnb-4bit bnb-8bit mxfp4)",
                            arg);
        return CLI_OK;
    case OPT_OVERHEAD:
        if ((rc = cli_parse_size("--overhead", arg, &size)))
            return rc;
        if (size > (uint64_t)INT64_MAX)
            return cli_fail(CLI_USAGE, "kv: --overhead '%s' is absurd", arg);
        e->overhead = (int64_t)size;
        return CLI_OK;
    case OPT_EAGER: e->eager = true; return CLI_OK;
    case OPT_EXPERT_PARALLEL: e->expert_parallel = true; return CLI_OK;
    case OPT_VLLM_LOG: e->vllm_log = arg; return CLI_OK;
    default: return cli_fail(CLI_USAGE, "kv: unknown option (attnscope kv --help)");
    }
}

/* The log's settings win over the model's defaults, but not over the user's flags. */
static int apply_log(kv_engine_options *e, bool kv_dtype_set, attn_dtype *kv_dtype,
                     attn_request *req)
{
    attn_diag diag = {{0}};
    const attn_vllm_log *log = &e->log;
    int rc = attn_vllm_log_read(e->vllm_log, &e->log, &diag);
    if (rc)
        return cli_fail_diag(rc, &diag);
    if (!e->engine_set)
        e->engine = ATTN_ENGINE_VLLM;
    if (!req->tp && log->tp > 0)
        req->tp = log->tp;
    if (!e->pp && log->pp > 0)
        e->pp = log->pp;
    if (!e->max_model_len && log->max_model_len > 0)
        e->max_model_len = log->max_model_len;
    if (!e->max_num_batched_tokens && log->max_num_batched_tokens > 0)
        e->max_num_batched_tokens = log->max_num_batched_tokens;
    /* V0 without chunked prefill profiles max(max_model_len, 2048) tokens
     * (vllm/config.py, SchedulerConfig.__post_init__). */
    if (!e->max_num_batched_tokens && log->version == 0 && e->max_model_len > 0)
        e->max_num_batched_tokens = e->max_model_len > 2048 ? e->max_model_len : 2048;
    if (log->enforce_eager > 0)
        e->eager = true;
    const char *kv = log->kv_cache_dtype;
    if (kv_dtype_set || !kv[0] || strcmp(kv, "auto") == 0)
        return CLI_OK;
    if (strncmp(kv, "fp8", 3) == 0) /* fp8, fp8_e4m3, fp8_e5m2: one byte */
        *kv_dtype = ATTN_DTYPE_FP8;
    else if (attn_dtype_parse(kv, kv_dtype) != ATTN_OK)
        return cli_fail(CLI_USAGE, "%s: kv_cache_dtype=%s: unknown precision", e->vllm_log, kv);
    return CLI_OK;
}

int kv_engine_prepare(kv_engine_options *e, const attn_model *m, bool has_device,
                      bool kv_dtype_set, attn_dtype *kv_dtype, attn_request *req)
{
    if (!e->engine_set && !has_device && !e->vllm_log)
        e->engine = ATTN_ENGINE_NONE;
    if (!e->quant_set)
        e->quant = m->quant;
    if (!kv_dtype_set)
        *kv_dtype = attn_engine_dtype(m, e->engine);
    if (e->vllm_log) {
        if (e->engine == ATTN_ENGINE_SGLANG)
            return cli_fail(CLI_USAGE, "kv: --vllm-log goes with --engine vllm");
        int rc = apply_log(e, kv_dtype_set, kv_dtype, req);
        if (rc)
            return rc;
    }
    if (e->engine == ATTN_ENGINE_NONE && (e->pp > 1 || e->vllm_log))
        return cli_fail(CLI_USAGE, "kv: --pp and --vllm-log need an engine (--engine vllm)");
    return CLI_OK;
}

int kv_engine_compute(const kv_engine_options *e, kv_report *r, double mem_util)
{
    attn_diag diag = {{0}};
    attn_engine_settings s = {
        .engine = e->engine,
        .device_bytes = r->exposed_bytes,
        .mem_util = e->mem_util_set ? mem_util : 0,
        .pp = e->pp,
        .max_model_len = e->max_model_len,
        .max_num_batched_tokens = e->max_num_batched_tokens,
        .max_num_seqs = e->max_num_seqs,
        .block_size = e->block_size,
        .enforce_eager = e->eager,
        .cuda_graphs_in_budget = -1,
        .overhead_bytes = e->overhead,
        .quant = e->quant,
        .device_name = r->device_name,
        .expert_parallel = e->expert_parallel,
    };
    if (e->vllm_log) {
        const attn_vllm_log *log = &e->log;
        if (log->total_gpu_memory_gib > 0 && !r->has_capacity) {
            s.device_bytes = (uint64_t)(log->total_gpu_memory_gib * (double)(UINT64_C(1) << 30));
            snprintf(r->device_name, sizeof r->device_name, "the log's GPU");
        }
        if (log->gpu_memory_utilization > 0 && !e->mem_util_set)
            s.mem_util = log->gpu_memory_utilization;
        /* logs that print total_gpu_memory come from versions that captured CUDA graphs
         * after sizing the cache */
        if (log->version == 0 || log->total_gpu_memory_gib > 0)
            s.cuda_graphs_in_budget = 0;
        /* V0 schedules at most 256 sequences (vllm/config.py, SchedulerConfig) */
        if (log->version == 0 && !s.max_num_seqs)
            s.max_num_seqs = 256;
        if (!s.device_bytes)
            return cli_fail(CLI_USAGE, "%s: the log does not say the device memory; give --gpu "
                                       "or --mem",
                            e->vllm_log);
        if (!s.mem_util && log->version == 0)
            s.mem_util = 0.9; /* V0's default */
    }
    if (r->context_given && !e->max_model_len)
        s.max_model_len = r->context;
    int rc = attn_engine_compute(r->model, r->plan, &s, &r->engine, &diag);
    if (rc)
        return cli_fail_diag(rc, &diag);
    r->has_engine = true;
    r->engine_options = e;
    return CLI_OK;
}
