/* engine.c — what a serving engine allocates on each GPU, term by term, and how many KV
 * blocks that leaves.
 *
 * The common part of every engine: weights as loaded (weights_loaded.c), the KV bytes per
 * token of the GPU's layers, blocks of block_size tokens, the engine's refusal when one
 * request of max_model_len does not fit, and the pipeline stage with the fewest blocks (vLLM
 * gives every stage that minimum: vllm/v1/core/kv_cache_utils.py, get_kv_cache_configs).
 * The engine-specific rules (what the utilisation fraction covers, the profiling run,
 * CUDA graphs, default settings) are in engine_vllm.c and engine_sglang.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "checked.h"
#include "diag.h"
#include "engine_internal.h"

static const char *const ENGINE_NAMES[] = {"none", "vllm", "sglang"};

const char *attn_engine_name(attn_engine_id engine)
{
    return (unsigned)engine < 3 ? ENGINE_NAMES[engine] : "?";
}

int attn_engine_parse(const char *text, attn_engine_id *out)
{
    for (int i = 0; i < 3; i++)
        if (text && strcmp(text, ENGINE_NAMES[i]) == 0) {
            *out = (attn_engine_id)i;
            return ATTN_OK;
        }
    return ATTN_ERR_UNKNOWN;
}

attn_dtype attn_engine_dtype(const attn_model *m, attn_engine_id engine)
{
    /* vllm/config/model.py (_get_and_verify_dtype / _resolve_auto_dtype): a float32 config
     * runs in 16 bits unless --dtype float32 is asked for; bf16 where supported. */
    if (engine != ATTN_ENGINE_NONE && m->dtype == ATTN_DTYPE_FP32)
        return ATTN_DTYPE_BF16;
    return m->dtype;
}

static const attn_engine_rules *rules_of(attn_engine_id engine)
{
    return engine == ATTN_ENGINE_SGLANG ? &attn_engine_sglang : &attn_engine_vllm;
}

static double gib(uint64_t bytes)
{
    return (double)bytes / (double)ATTN_GIB;
}

/* Tokens of one request that the cache can hold with `budget` bytes (the engine's estimate
 * of the largest max_model_len, vllm kv_cache_utils.py estimate_max_model_len). */
static int64_t longest_request(const attn_engine_result *r, int64_t budget)
{
    if (budget <= 0 || !r->page_bytes)
        return 0;
    return (int64_t)((uint64_t)budget / r->page_bytes) * r->settings.block_size;
}

static void decide_fit(attn_engine_result *r)
{
    const attn_engine_settings *s = &r->settings;
    uint64_t blocks_per_request = attn_ceil_div_u64((uint64_t)s->max_model_len,
                                                    (uint64_t)s->block_size);
    r->max_concurrency = blocks_per_request ? (double)r->gpu_blocks / (double)blocks_per_request
                                            : 0;
    if (r->reason[0]) {
        r->fits_max_model_len = false;
        return;
    }
    if (r->kv_budget_bytes <= 0) {
        snprintf(r->reason, sizeof r->reason,
                 "%s: no memory is left for KV cache blocks (%.2f GiB after weights, "
                 "activations and overheads); raise the memory fraction or use more GPUs",
                 attn_engine_name(s->engine), (double)r->kv_budget_bytes / (double)ATTN_GIB);
        r->fits_max_model_len = false;
        return;
    }
    r->fits_max_model_len = r->gpu_blocks >= blocks_per_request;
    if (!r->fits_max_model_len && s->engine == ATTN_ENGINE_VLLM)
        snprintf(r->reason, sizeof r->reason,
                 "vllm: one request of max_model_len %lld needs %.2f GiB of KV cache, more than "
                 "the %.2f GiB available; the longest that fits is about %lld tokens "
                 "(vllm/v1/core/kv_cache_utils.py, check_enough_kv_cache_memory)",
                 (long long)s->max_model_len,
                 (double)blocks_per_request * (double)r->page_bytes / (double)ATTN_GIB,
                 gib((uint64_t)r->kv_budget_bytes),
                 (long long)longest_request(r, r->kv_budget_bytes));
    else if (!r->fits_max_model_len)
        r->fits_max_model_len = true; /* SGLang starts; such a request waits or is cut */
}

static int stage_result(const attn_model *m, const attn_plan *plan, const attn_engine_settings *s,
                        int64_t stage, attn_engine_result *r, attn_diag *diag)
{
    memset(r, 0, sizeof *r);
    r->settings = *s;
    r->stage = stage;
    r->device_bytes = s->device_bytes;
    int64_t start, end;
    attn_pp_stage_range(m->layers, s->pp, stage, &start, &end);
    r->stage_layers = end - start;
    attn_weights_loaded w;
    int rc = attn_weights_loaded_compute(m, &s->quant, s->tp, s->pp, stage, s->expert_parallel,
                                         &w, diag);
    if (rc)
        return rc;
    r->weights_bytes = w.total;
    for (int64_t i = start; i < end; i++)
        if ((rc = attn_add_u64(r->bytes_per_token, attn_plan_layer(plan, i)->bytes_per_token,
                               &r->bytes_per_token)))
            return attn_fail(diag, rc, "%s: KV bytes per token overflow", m->name);
    if ((rc = attn_mul_u64(r->bytes_per_token, (uint64_t)s->block_size, &r->page_bytes)))
        return attn_fail(diag, rc, "%s: a KV block overflows 64 bits", m->name);
    if ((rc = rules_of(s->engine)->terms(m, r, stage == s->pp - 1, diag)))
        return rc;
    r->gpu_blocks = r->kv_budget_bytes > 0 && r->page_bytes
                        ? (uint64_t)r->kv_budget_bytes / r->page_bytes
                        : 0;
    r->kv_cache_tokens = r->gpu_blocks * (uint64_t)s->block_size;
    decide_fit(r);
    return ATTN_OK;
}

int attn_engine_compute(const attn_model *m, const attn_plan *plan,
                        const attn_engine_settings *settings, attn_engine_result *out,
                        attn_diag *diag)
{
    attn_engine_settings s = *settings;
    if (s.engine == ATTN_ENGINE_NONE)
        return attn_fail(diag, ATTN_ERR_RANGE, "engine model: pick vllm or sglang");
    s.tp = attn_plan_tp(plan);
    if (s.pp < 1)
        s.pp = 1;
    if (s.max_model_len <= 0)
        s.max_model_len = m->max_context;
    if (s.max_model_len <= 0)
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "%s: no max_position_embeddings in the config; give --max-model-len",
                         m->path);
    if (!s.device_bytes)
        return attn_fail(diag, ATTN_ERR_RANGE, "engine model: no device memory given");
    if (s.pp > m->layers)
        return attn_fail(diag, ATTN_ERR_RANGE, "--pp %lld exceeds the %lld layers of %s",
                         (long long)s.pp, (long long)m->layers, m->name);
    rules_of(s.engine)->defaults(m, &s);
    if (!(s.mem_util > 0 && s.mem_util <= 1))
        return attn_fail(diag, ATTN_ERR_RANGE, "memory fraction %g is not in (0, 1]",
                         s.mem_util);
    for (int64_t stage = 0; stage < s.pp; stage++) {
        attn_engine_result r;
        int rc = stage_result(m, plan, &s, stage, &r, diag);
        if (rc)
            return rc;
        if (stage == 0 || r.gpu_blocks < out->gpu_blocks ||
            (r.gpu_blocks == out->gpu_blocks && r.kv_budget_bytes < out->kv_budget_bytes))
            *out = r;
    }
    return ATTN_OK;
}
