/* kv_engine_print.c — the engine section of `attnscope kv`: every term of what the serving
 * engine allocates on one GPU, with the rule it comes from, and, given a vLLM log, the
 * log's own numbers beside the prediction. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kv_print.h"

enum { TEXT = 96 };

static double gib(double bytes)
{
    return bytes / 1073741824.0;
}

static const char *signed_bytes(int64_t v, char *buf, size_t len)
{
    char tmp[TEXT];
    if (v >= 0)
        return cli_bytes((uint64_t)v, buf, len);
    snprintf(buf, len, "-(%s)", cli_bytes((uint64_t)(-(v + 1)) + 1, tmp, sizeof tmp));
    return buf;
}

static const char *quant_text(const attn_quant *q, char *buf, size_t len)
{
    if (q->method == ATTN_QUANT_NONE)
        snprintf(buf, len, "16-bit");
    else if (q->block_out)
        snprintf(buf, len, "%s, %lldx%lld block scales", q->name, (long long)q->block_out,
                 (long long)q->block_in);
    else if (q->group > 0)
        snprintf(buf, len, "%s, %u-bit, group %lld", q->name, q->bits, (long long)q->group);
    else
        snprintf(buf, len, "%s, %u-bit, scale per %s", q->name, q->bits,
                 q->group < 0 ? "tensor" : "channel");
    return buf;
}

static void print_terms(const kv_report *r)
{
    const attn_engine_result *e = &r->engine;
    const attn_engine_settings *s = &e->settings;
    bool vllm = s->engine == ATTN_ENGINE_VLLM;
    char a[TEXT], q[TEXT], g1[32], g2[32];
    printf("  device       %s  (as exposed)\n", cli_bytes(e->device_bytes, a, sizeof a));
    if (vllm)
        printf("  budget       %s  = device x gpu_memory_utilization %.2f: weights, "
               "activations, non-torch, KV\n",
               cli_bytes(e->budget_bytes, a, sizeof a), s->mem_util);
    else
        printf("  budget       %s  = (device - CUDA context, NCCL) x mem_fraction_static %.2f: "
               "weights + KV only\n",
               cli_bytes(e->budget_bytes, a, sizeof a), s->mem_util);
    printf("  weights      %s  as loaded (%s; embeddings, norms, lm_head 16-bit%s)\n",
           cli_bytes(e->weights_bytes, a, sizeof a), quant_text(&s->quant, q, sizeof q),
           s->expert_parallel ? "; whole experts per GPU" : "");
    printf("  activations  %s  profile run: %s tokens, %s sequences%s\n",
           cli_bytes(e->activation_peak_bytes, a, sizeof a),
           cli_group((uint64_t)s->max_num_batched_tokens, g1, 32),
           cli_group((uint64_t)s->max_num_seqs, g2, 32),
           vllm ? " (forward peak or sampler logits)" : "; outside the fraction");
    if (vllm)
        printf("  non-torch    %s  %s\n", cli_bytes(e->non_torch_bytes, a, sizeof a),
               s->overhead_bytes >= 0 ? "measured (--overhead)"
                                      : "modelled: kernels, cuBLAS, NCCL + all-reduce buffers");
    printf("  CUDA graphs  %s  %s\n", cli_bytes(e->cuda_graph_bytes, a, sizeof a),
           s->enforce_eager             ? "none (--enforce-eager)"
           : s->cuda_graphs_in_budget ? "estimated, inside the budget"
                                      : "estimated, outside the budget");
    printf("  KV budget    %s  = budget - weights%s\n",
           signed_bytes(e->kv_budget_bytes, a, sizeof a),
           vllm ? (s->cuda_graphs_in_budget ? " - activations - non-torch - CUDA graphs"
                                            : " - activations - non-torch")
                : "");
    printf("  outside      %s  %s\n", cli_bytes(e->outside_bytes, a, sizeof a),
           vllm ? "CUDA context, before the budget (modelled)"
                : "CUDA context and NCCL, before the fraction (modelled)");
}

void kv_engine_print_table(const kv_report *r)
{
    const attn_engine_result *e = &r->engine;
    const attn_engine_settings *s = &e->settings;
    char a[TEXT], g1[32], g2[32];
    printf("\nengine %s on %s, per GPU: tp %lld x pp %lld; stage %lld holds %lld layers\n",
           attn_engine_name(s->engine), r->device_name, (long long)s->tp, (long long)s->pp,
           (long long)e->stage, (long long)e->stage_layers);
    print_terms(r);
    printf("  per token    %s B; a block of %lld tokens = %s B\n",
           cli_group(e->bytes_per_token, g1, 32), (long long)s->block_size,
           cli_group(e->page_bytes, g2, 32));
    printf("  GPU blocks   %s  = KV budget / block\n", cli_group(e->gpu_blocks, g1, 32));
    printf("  KV tokens    %s  (%s)\n", cli_group(e->kv_cache_tokens, g1, 32),
           cli_bytes(e->gpu_blocks * e->page_bytes, a, sizeof a));
    printf("  concurrency  %.2fx requests of max_model_len %s\n", e->max_concurrency,
           cli_group((uint64_t)s->max_model_len, g1, 32));
    printf("  fits         %s%s\n", e->fits_max_model_len ? "yes" : "NO: ", e->reason);
    if (r->engine_options && r->engine_options->vllm_log)
        kv_engine_print_log(r);
}

static void log_row(const char *term, double logged, double predicted, const char *unit)
{
    int digits = unit[0] ? 2 : 0; /* counts are whole */
    char ratio[32] = "-", shown[32] = "-", ours[32];
    if (!isnan(logged)) {
        snprintf(shown, sizeof shown, "%.*f%s", digits, logged, unit);
        if (logged != 0)
            snprintf(ratio, sizeof ratio, "%.3f", predicted / logged);
    }
    snprintf(ours, sizeof ours, "%.*f%s", digits, predicted, unit);
    printf("  %-22s %16s %16s %10s\n", term, shown, ours, ratio);
}

/* vLLM's "GB" in "Loading model weights took" is GiB (worker/model_runner.py divides by
 * 2^30), so every memory line is read as GiB. */
void kv_engine_print_log(const kv_report *r)
{
    const attn_engine_result *e = &r->engine;
    const attn_vllm_log *log = &r->engine_options->log;
    int64_t block = e->settings.block_size;
    double blocks = log->gpu_blocks >= 0       ? (double)log->gpu_blocks
                    : log->kv_cache_tokens >= 0 ? floor((double)log->kv_cache_tokens / (double)block)
                                                : NAN;
    double tokens = log->kv_cache_tokens >= 0 ? (double)log->kv_cache_tokens
                    : log->gpu_blocks >= 0    ? (double)log->gpu_blocks * (double)block
                                              : NAN;
    printf("\nvLLM log %s (V%d format) beside the prediction\n", r->engine_options->vllm_log,
           log->version);
    printf("  %-22s %16s %16s %10s\n", "term", "log", "attnscope", "ratio");
    log_row("total_gpu_memory", log->total_gpu_memory_gib, gib((double)e->device_bytes), " GiB");
    log_row("gpu_memory_utilization", log->gpu_memory_utilization, e->settings.mem_util, " ");
    log_row("weights", log->weights_gib, gib((double)e->weights_bytes), " GiB");
    log_row("non_torch", log->non_torch_gib, gib((double)e->non_torch_bytes), " GiB");
    log_row("activation peak", log->activation_peak_gib, gib((double)e->activation_peak_bytes),
            " GiB");
    log_row("available KV cache", log->kv_available_gib, gib((double)e->kv_budget_bytes),
            " GiB");
    log_row("GPU blocks", blocks, (double)e->gpu_blocks, "");
    log_row("KV cache tokens", tokens, (double)e->kv_cache_tokens, "");
    log_row("max concurrency", log->max_concurrency, e->max_concurrency, "x");
}

static json_t *log_json(const attn_vllm_log *log, const char *path)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "version", json_integer(log->version));
    const struct {
        const char *key;
        double value;
    } reals[] = {{"total_gpu_memory_gib", log->total_gpu_memory_gib},
                 {"gpu_memory_utilization", log->gpu_memory_utilization},
                 {"weights_gib", log->weights_gib},
                 {"non_torch_gib", log->non_torch_gib},
                 {"activation_peak_gib", log->activation_peak_gib},
                 {"kv_available_gib", log->kv_available_gib},
                 {"max_concurrency", log->max_concurrency}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        json_object_set_new(o, reals[i].key,
                            isnan(reals[i].value) ? json_null() : json_real(reals[i].value));
    json_object_set_new(o, "gpu_blocks",
                        log->gpu_blocks >= 0 ? json_integer(log->gpu_blocks) : json_null());
    json_object_set_new(o, "kv_cache_tokens", log->kv_cache_tokens >= 0
                                                  ? json_integer(log->kv_cache_tokens)
                                                  : json_null());
    return o;
}

int kv_engine_json(const kv_report *r, json_t *o)
{
    const attn_engine_result *e = &r->engine;
    const attn_engine_settings *s = &e->settings;
    char q[TEXT];
    json_object_set_new(o, "engine", json_string(attn_engine_name(s->engine)));
    json_object_set_new(o, "device", json_string(r->device_name));
    json_object_set_new(o, "pp", json_integer(s->pp));
    json_object_set_new(o, "pipeline_stage", json_integer(e->stage));
    json_object_set_new(o, "mem_util", json_real(s->mem_util));
    json_object_set_new(o, "weights_quant", json_string(quant_text(&s->quant, q, sizeof q)));
    json_object_set_new(o, "max_model_len", json_integer(s->max_model_len));
    json_object_set_new(o, "max_num_batched_tokens", json_integer(s->max_num_batched_tokens));
    json_object_set_new(o, "max_num_seqs", json_integer(s->max_num_seqs));
    json_object_set_new(o, "block_size", json_integer(s->block_size));
    json_object_set_new(o, "cuda_graphs_in_budget", json_boolean(s->cuda_graphs_in_budget > 0));
    json_object_set_new(o, "expert_parallel", json_boolean(s->expert_parallel));
    const struct {
        const char *key;
        uint64_t value;
    } terms[] = {{"device_bytes", e->device_bytes},
                 {"budget_bytes", e->budget_bytes},
                 {"weights_bytes", e->weights_bytes},
                 {"activation_peak_bytes", e->activation_peak_bytes},
                 {"non_torch_bytes", e->non_torch_bytes},
                 {"cuda_graph_bytes", e->cuda_graph_bytes},
                 {"outside_budget_bytes", e->outside_bytes},
                 {"kv_bytes_per_token", e->bytes_per_token},
                 {"kv_block_bytes", e->page_bytes},
                 {"kv_cache_tokens", e->kv_cache_tokens},
                 {"gpu_blocks", e->gpu_blocks}};
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        if (terms[i].value > (uint64_t)INT64_MAX)
            return cli_fail(CLI_FAILED, "kv: %s is too large for a JSON integer", terms[i].key);
        json_object_set_new(o, terms[i].key, json_integer((json_int_t)terms[i].value));
    }
    json_object_set_new(o, "kv_budget_bytes", json_integer(e->kv_budget_bytes));
    json_object_set_new(o, "max_concurrency", json_real(e->max_concurrency));
    json_object_set_new(o, "fits_max_model_len", json_boolean(e->fits_max_model_len));
    json_object_set_new(o, "reason", e->reason[0] ? json_string(e->reason) : json_null());
    if (r->engine_options && r->engine_options->vllm_log)
        json_object_set_new(o, "vllm_log",
                            log_json(&r->engine_options->log, r->engine_options->vllm_log));
    return CLI_OK;
}
