/* vllm_log.c — the memory lines of a vLLM startup log, so a prediction can be held against
 * what the engine really did on the user's machine.
 *
 * Lines read (each is what vLLM logs at INFO, by version):
 *  V0 (vllm/worker/worker.py, model_runner.py):
 *    "Loading model weights took 14.9888 GB"
 *    "Memory profiling results: total_gpu_memory=79.22GiB ... peak_torch_memory=16.40GiB
 *     non_torch_memory=0.60GiB kv_cache_size=54.26GiB gpu_memory_utilization=0.90" (v0.6;
 *     the activation peak is peak_torch_memory - weights)
 *    "the current vLLM instance can use total_gpu_memory (79.10GiB) x gpu_memory_utilization
 *     (0.90) = 71.19GiB" and "model weights take 14.99GiB; non_torch_memory takes 0.30GiB;
 *     PyTorch activation peak memory takes 1.26GiB; the rest of the memory reserved for KV
 *     Cache is 54.64GiB."                                               (v0.7, V1 too)
 *    "# GPU blocks: 27963, # CPU blocks: 2048" ("# cuda blocks" in older ones)
 *  V1 (vllm/v1/worker/gpu_worker.py, gpu_model_runner.py, v1/core/kv_cache_utils.py):
 *    "Model loading took 14.9889 GiB and 5.12 seconds" (also "... GiB memory and ...")
 *    "Available KV cache memory: 54.63 GiB", "GPU KV cache size: 447,536 tokens"
 *    "Memory profiling takes ... torch peak memory increase: 1.42GiB; non-torch forward
 *     increase memory: 0.25GiB; weights memory: 14.99GiB." (MemoryProfilingResult)
 *  both: "Maximum concurrency for 32,768 tokens per request: 13.66x" and the engine's
 *    "Initializing ... engine (v0.x) with config: model='...', max_seq_len=...,
 *     tensor_parallel_size=..., pipeline_parallel_size=..., quantization=...,
 *     enforce_eager=..., kv_cache_dtype=..." line.
 * A file with none of the memory lines is not a vLLM startup log.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* The number right after `marker` in `line` (thousands separators allowed); false if the
 * marker is absent or no number follows. */
static bool number_after(const char *line, const char *marker, double *out)
{
    const char *p = strstr(line, marker);
    if (!p)
        return false;
    p += strlen(marker);
    while (*p == ' ' || *p == '(' || *p == '=')
        p++;
    char digits[64];
    size_t n = 0;
    if (*p == '-')
        digits[n++] = *p++;
    for (; *p && n < sizeof digits - 1; p++) {
        if (*p == ',' && p[1] >= '0' && p[1] <= '9')
            continue;
        if ((*p >= '0' && *p <= '9') || *p == '.')
            digits[n++] = *p;
        else
            break;
    }
    digits[n] = '\0';
    if (!n || (n == 1 && digits[0] == '-'))
        return false;
    char *end;
    errno = 0;
    double v = strtod(digits, &end);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static void int_after(const char *line, const char *marker, int64_t *out)
{
    double v;
    if (number_after(line, marker, &v) && v < 9.0e15)
        *out = (int64_t)v;
}

static void real_after(const char *line, const char *marker, double *out)
{
    double v;
    if (number_after(line, marker, &v))
        *out = v;
}

/* key=value (or key='value') from the config line, up to the next comma. */
static void word_after(const char *line, const char *marker, char *out, size_t len)
{
    const char *p = strstr(line, marker);
    if (!p)
        return;
    p += strlen(marker);
    if (*p == '\'')
        p++;
    size_t n = 0;
    while (*p && *p != ',' && *p != '\'' && *p != '\n' && n < len - 1)
        out[n++] = *p++;
    out[n] = '\0';
}

static void read_config_line(const char *line, attn_vllm_log *log)
{
    int_after(line, "tensor_parallel_size=", &log->tp);
    int_after(line, "pipeline_parallel_size=", &log->pp);
    int_after(line, "max_seq_len=", &log->max_model_len);
    word_after(line, "kv_cache_dtype=", log->kv_cache_dtype, sizeof log->kv_cache_dtype);
    word_after(line, "quantization=", log->quantization, sizeof log->quantization);
    word_after(line, "model=", log->model, sizeof log->model);
    char eager[8] = "";
    word_after(line, "enforce_eager=", eager, sizeof eager);
    if (eager[0])
        log->enforce_eager = strcmp(eager, "True") == 0;
}

static void read_line(const char *line, attn_vllm_log *log, int *v0, int *v1, int *memory)
{
    if (strstr(line, "with config:")) {
        read_config_line(line, log);
        if (strstr(line, "V1 LLM engine"))
            (*v1)++;
    }
    int before = log->gpu_blocks >= 0 || !isnan(log->kv_available_gib) || !isnan(log->weights_gib);
    if (strstr(line, "Loading model weights took")) {
        real_after(line, "Loading model weights took", &log->weights_gib);
        (*v0)++;
    }
    if (strstr(line, "Model loading took")) {
        real_after(line, "Model loading took", &log->weights_gib);
        (*v1)++;
    }
    real_after(line, "total_gpu_memory", &log->total_gpu_memory_gib);
    real_after(line, "gpu_memory_utilization", &log->gpu_memory_utilization);
    real_after(line, "model weights take", &log->weights_gib);
    real_after(line, "weights memory:", &log->weights_gib);
    real_after(line, "non_torch_memory takes", &log->non_torch_gib);
    real_after(line, " non_torch_memory=", &log->non_torch_gib);
    real_after(line, "non-torch forward increase memory:", &log->non_torch_gib);
    real_after(line, "activation peak memory takes", &log->activation_peak_gib);
    real_after(line, "peak_torch_memory=", &log->peak_torch_gib);
    real_after(line, "torch peak memory increase:", &log->activation_peak_gib);
    real_after(line, "reserved for KV Cache is", &log->kv_available_gib);
    real_after(line, "kv_cache_size=", &log->kv_available_gib);
    real_after(line, "Available KV cache memory:", &log->kv_available_gib);
    int_after(line, "GPU KV cache size:", &log->kv_cache_tokens);
    if (strstr(line, "# GPU blocks:") || strstr(line, "# cuda blocks:")) {
        int_after(line, "# GPU blocks:", &log->gpu_blocks);
        int_after(line, "# cuda blocks:", &log->gpu_blocks);
        (*v0)++;
    }
    if (strstr(line, "GPU KV cache size:") || strstr(line, "Available KV cache memory:"))
        (*v1)++;
    if (strstr(line, "Maximum concurrency for")) {
        int_after(line, "Maximum concurrency for", &log->concurrency_tokens);
        real_after(line, "tokens per request:", &log->max_concurrency);
    }
    int_after(line, "max_num_batched_tokens=", &log->max_num_batched_tokens);
    int after = log->gpu_blocks >= 0 || !isnan(log->kv_available_gib) || !isnan(log->weights_gib);
    *memory += after && !before;
}

int attn_vllm_log_read(const char *path, attn_vllm_log *log, attn_diag *diag)
{
    memset(log, 0, sizeof *log);
    double *reals[] = {&log->total_gpu_memory_gib, &log->gpu_memory_utilization,
                       &log->weights_gib, &log->non_torch_gib, &log->activation_peak_gib,
                       &log->kv_available_gib, &log->max_concurrency, &log->peak_torch_gib};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        *reals[i] = NAN;
    log->gpu_blocks = log->kv_cache_tokens = log->concurrency_tokens = -1;
    log->tp = log->pp = log->max_model_len = -1;
    log->max_num_batched_tokens = log->max_num_seqs = log->block_size = -1;
    log->enforce_eager = -1;

    FILE *f = fopen(path, "r");
    if (!f)
        return attn_fail(diag, ATTN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char line[8192];
    int v0 = 0, v1 = 0, memory = 0;
    while (fgets(line, sizeof line, f))
        read_line(line, log, &v0, &v1, &memory);
    int read_error = ferror(f);
    fclose(f);
    if (read_error)
        return attn_fail(diag, ATTN_ERR_IO, "%s: read error", path);
    if (!memory || (log->gpu_blocks < 0 && isnan(log->kv_available_gib) && log->kv_cache_tokens < 0))
        return attn_fail(diag, ATTN_ERR_PARSE,
                         "%s: not a vLLM startup log (no '# GPU blocks', 'Available KV cache "
                         "memory' or 'GPU KV cache size' line)",
                         path);
    log->version = v1 > v0 ? 1 : 0;
    /* v0.6 logs the torch peak with the weights in it */
    if (isnan(log->activation_peak_gib) && !isnan(log->peak_torch_gib) && !isnan(log->weights_gib))
        log->activation_peak_gib = log->peak_torch_gib - log->weights_gib;
    return ATTN_OK;
}
