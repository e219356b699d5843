/* kv_engine.h — `attnscope kv`'s deployment-engine flags (--engine, --pp, --max-model-len,
 * --weights-quant, --vllm-log, ...) and the engine section of its answer. */
#ifndef ATTN_KV_ENGINE_H
#define ATTN_KV_ENGINE_H

#include <getopt.h>
#include <jansson.h>

#include "cli.h"

enum {
    OPT_ENGINE = 512, OPT_PP, OPT_MAX_MODEL_LEN, OPT_MAX_BATCHED, OPT_MAX_SEQS, OPT_BLOCK_SIZE,
    OPT_WEIGHTS_QUANT, OPT_OVERHEAD, OPT_EAGER, OPT_VLLM_LOG, OPT_EXPERT_PARALLEL, OPT_ENGINE_LAST
};

#define KV_ENGINE_LONG_OPTIONS                                                               \
    {"engine", required_argument, NULL, OPT_ENGINE}, {"pp", required_argument, NULL, OPT_PP},   \
        {"max-model-len", required_argument, NULL, OPT_MAX_MODEL_LEN},                        \
        {"max-num-batched-tokens", required_argument, NULL, OPT_MAX_BATCHED},                 \
        {"max-num-seqs", required_argument, NULL, OPT_MAX_SEQS},                              \
        {"block-size", required_argument, NULL, OPT_BLOCK_SIZE},                              \
        {"weights-quant", required_argument, NULL, OPT_WEIGHTS_QUANT},                        \
        {"overhead", required_argument, NULL, OPT_OVERHEAD},                                  \
        {"enforce-eager", no_argument, NULL, OPT_EAGER},                                      \
        {"vllm-log", required_argument, NULL, OPT_VLLM_LOG},                                  \
        {"expert-parallel", no_argument, NULL, OPT_EXPERT_PARALLEL}

#define KV_ENGINE_USAGE                                                                      \
    "  --engine E            vllm (default with --gpu/--mem), sglang, or none (plain formula)\n" \
    "  --pp N                pipeline-parallel stages (default 1)\n"                           \
    "  --max-model-len N     longest request the engine must admit (default: the model's)\n"   \
    "  --max-num-batched-tokens N, --max-num-seqs N   the profiling run (engine defaults)\n"   \
    "  --block-size N        KV tokens per block (vLLM default 16)\n"                          \
    "  --weights-quant Q     auto (quantization_config), none fp8 int8 int4-gptq int4-awq\n"   \
    "                        bnb-4bit bnb-8bit mxfp4\n"                                         \
    "  --overhead SIZE       measured non-torch memory instead of the modelled one\n"          \
    "  --enforce-eager       no CUDA graphs\n"                                                  \
    "  --expert-parallel     MoE experts placed whole over the TP GPUs (vLLM EP)\n"            \
    "  --vllm-log FILE       a vLLM startup log (V0 or V1): its memory lines beside ours\n"

typedef struct kv_engine_options {
    attn_engine_id engine;
    bool engine_set;
    bool mem_util_set;
    attn_quant quant;
    bool quant_set;
    int64_t pp, max_model_len, max_num_batched_tokens, max_num_seqs, block_size;
    int64_t overhead; /* -1 = modelled */
    bool eager;
    bool expert_parallel;
    const char *vllm_log;
    attn_vllm_log log;
} kv_engine_options;

struct kv_report;

void kv_engine_options_init(kv_engine_options *e);
int kv_engine_option(int opt, const char *arg, kv_engine_options *e);
/* Before the plan: the engine, the KV precision and TP it implies (flags, then the log). */
int kv_engine_prepare(kv_engine_options *e, const attn_model *m, bool has_device,
                      bool kv_dtype_set, attn_dtype *kv_dtype, attn_request *req);
/* After the plan: the engine's terms into r (r->has_engine). */
int kv_engine_compute(const kv_engine_options *e, struct kv_report *r, double mem_util);
void kv_engine_print_table(const struct kv_report *r);
void kv_engine_print_log(const struct kv_report *r);
int kv_engine_json(const struct kv_report *r, json_t *o);

#endif
