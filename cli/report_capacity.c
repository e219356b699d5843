/* report_capacity.c — the report's deployment capacity: for every GPU preset, the smallest
 * tensor-parallel size (1, 2, 4, 8) on which vLLM would start, each term of its memory at
 * that size, and the memory breakdown as stacked bars.
 *
 * A model too large for every preset at TP 8 gets a row that says so; nothing here fails
 * because a model is large.
 */
#include <stdio.h>
#include <string.h>

#include "chart_memory.h"
#include "report.h"

static const int64_t TP_SIZES[] = {1, 2, 4, 8};

typedef struct deployment {
    int64_t tp;   /* 0: does not fit at TP 8 */
    attn_engine_result engine;
} deployment;

/* vLLM's result at one TP, or an error when the model cannot be split that way. */
static int engine_at(report_context *r, const attn_device *dev, int64_t tp, attn_engine_result *out)
{
    attn_request req = {.tp = tp,
                        .precision = attn_precision_default(
                            attn_engine_dtype(r->model, ATTN_ENGINE_VLLM))};
    attn_plan *plan = NULL;
    attn_engine_settings s = {.engine = ATTN_ENGINE_VLLM,
                              .device_bytes = dev->memory_exposed_bytes,
                              .max_model_len = r->context,
                              .cuda_graphs_in_budget = -1,
                              .overhead_bytes = -1,
                              .quant = r->model->quant,
                              .device_name = dev->name};
    int rc = attn_plan_init(&plan, r->model, &req, NULL);
    if (!rc)
        rc = attn_engine_compute(r->model, plan, &s, out, NULL);
    attn_plan_free(plan);
    return rc;
}

/* The smallest TP on which vLLM starts (one request of max_model_len fits); failing that,
 * the smallest whose weights and overheads leave any KV block; failing that, none. */
static deployment smallest_tp(report_context *r, const attn_device *dev)
{
    deployment best = {0}, holds = {0};
    for (size_t i = 0; i < sizeof TP_SIZES / sizeof TP_SIZES[0] && !best.tp; i++) {
        attn_engine_result e;
        if (engine_at(r, dev, TP_SIZES[i], &e) != ATTN_OK || e.gpu_blocks == 0)
            continue;
        deployment d = {TP_SIZES[i], e};
        if (e.fits_max_model_len)
            best = d;
        else if (!holds.tp)
            holds = d;
    }
    return best.tp ? best : holds;
}

static double gib(double bytes)
{
    return bytes / 1073741824.0;
}

static void row(report_context *r, const attn_device *dev, const deployment *d)
{
    const attn_engine_result *e = &d->engine;
    char v[9][64];
    snprintf(v[0], 64, "%.1f", gib((double)dev->memory_exposed_bytes));
    if (!d->tp) {
        const char *row8[] = {dev->name, v[0], "> 8", "-", "-", "-", "-", "-", "-",
                              "no: weights and overheads exceed the budget even at TP 8"};
        attn_doc_row(r->doc, row8);
        return;
    }
    snprintf(v[1], 64, "%lld", (long long)d->tp);
    snprintf(v[2], 64, "%.1f", gib((double)e->weights_bytes));
    snprintf(v[3], 64, "%.2f", gib((double)e->activation_peak_bytes));
    snprintf(v[4], 64, "%.2f", gib((double)(e->non_torch_bytes + e->cuda_graph_bytes)));
    snprintf(v[5], 64, "%.1f", gib((double)e->kv_budget_bytes));
    snprintf(v[6], 64, "%llu", (unsigned long long)e->kv_cache_tokens);
    snprintf(v[7], 64, "%.2f", e->max_concurrency);
    snprintf(v[8], 64, "%s", e->fits_max_model_len ? "yes" : "no: KV cache too small");
    const char *cells[] = {dev->name, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
    attn_doc_row(r->doc, cells);
}

static void bar_of(const attn_device *dev, const deployment *d, attn_memory_bar *bar)
{
    const attn_engine_result *e = &d->engine;
    double kv = (double)e->gpu_blocks * (double)e->page_bytes;
    double parts[ATTN_MEMORY_PARTS] = {(double)e->weights_bytes, (double)e->activation_peak_bytes,
                                       (double)e->non_torch_bytes, (double)e->cuda_graph_bytes, kv,
                                       0};
    double used = 0;
    for (int p = 0; p < ATTN_MEMORY_PARTS - 1; p++)
        used += parts[p];
    parts[ATTN_MEMORY_PARTS - 1] = (double)e->device_bytes - used;
    snprintf(bar->label, sizeof bar->label, "%s, TP %lld", dev->name, (long long)d->tp);
    for (int p = 0; p < ATTN_MEMORY_PARTS; p++)
        bar->gib[p] = gib(parts[p]);
}

int report_capacity_section(report_context *r)
{
    static const char *const header[] = {
        "GPU", "exposed (GiB)", "smallest TP", "weights per GPU (GiB)", "activations (GiB)",
        "non-torch + CUDA graphs (GiB)", "KV budget (GiB)", "KV tokens", "requests at context",
        "starts at max_model_len"};
    attn_doc_paragraph(r->doc,
                       "Deployment with vLLM's defaults (gpu_memory_utilization 0.92, the profile "
                       "run's max_num_batched_tokens and max_num_seqs, blocks of 16 tokens, "
                       "max_model_len %lld): for each GPU, the smallest tensor-parallel size "
                       "(1, 2, 4 or 8) on which vLLM starts, i.e. whose weights, activations and "
                       "overheads leave KV cache for one request of max_model_len (else the "
                       "smallest that leaves any). Weights are as loaded (quantisation scales, 16-bit "
                       "embeddings). attnscope kv MODEL --gpu NAME --tp N shows every term "
                       "with its rule.",
                       (long long)r->context);
    attn_doc_table(r->doc, header, 10);
    attn_memory_bar bars[16];
    size_t nbars = 0;
    for (size_t g = 0; g < r->ndevices; g++) {
        deployment d = smallest_tp(r, &r->devices[g]);
        row(r, &r->devices[g], &d);
        if (d.tp && nbars < sizeof bars / sizeof bars[0])
            bar_of(&r->devices[g], &d, &bars[nbars++]);
    }
    if (!nbars) {
        attn_doc_paragraph(r->doc, "No GPU preset holds %s on 8 GPUs; no breakdown to draw.",
                           r->model->name);
        return CLI_OK;
    }
    char path[2048], title[400];
    snprintf(title, sizeof title, "%s under vLLM: memory per GPU at the smallest TP that fits",
             r->model->name);
    if (attn_chart_memory(title, bars, nbars, report_path(r, "memory.svg", path, sizeof path),
                          &r->diag))
        return cli_fail_diag(ATTN_ERR_IO, &r->diag);
    attn_doc_figure(r->doc, "memory.svg",
                    "Where each GPU's memory goes under vLLM: weights, profile-run activations, "
                    "non-torch memory, CUDA graphs, KV cache, and what stays outside the budget");
    return CLI_OK;
}
