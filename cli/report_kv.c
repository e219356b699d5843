/* report_kv.c — the report's KV-cache section: the model's cache as configured and under
 * each what-if variant, and capacity on every GPU preset. */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "variant.h"

static int variant_table(report_context *r, uint64_t *native_bytes)
{
    /* the model as configured (NULL), then every what-if the registry shows here */
    const char *whatif[64] = {NULL};
    size_t nwhatif = 1 + attn_variant_list(ATTN_SHOW_KV_REPORT, whatif + 1, 63);
    static const char *const header[] = {"variant", "formula (per token per layer)",
                                         "bytes per token", "KV for 1 sequence (GiB)",
                                         "vs as configured"};
    attn_doc_table(r->doc, header, 5);
    for (size_t v = 0; v < nwhatif; v++) {
        attn_request req = {.variant = whatif[v], .precision = attn_precision_default(r->model->dtype)};
        attn_plan *plan = NULL;
        uint64_t bytes = 0;
        int rc = attn_plan_init(&plan, r->model, &req, &r->diag);
        if (!rc)
            rc = attn_plan_kv_bytes(plan, 1, r->context, &bytes);
        if (rc) {
            attn_plan_free(plan);
            return cli_fail_diag(rc, &r->diag);
        }
        if (v == 0)
            *native_bytes = bytes;
        char name[64], per_token[32], gib[32], ratio[32];
        snprintf(name, sizeof name, "%s%s", whatif[v] ? whatif[v] : attn_plan_variant(plan),
                 whatif[v] ? "" : " (as configured)");
        snprintf(per_token, sizeof per_token, "%llu",
                 (unsigned long long)attn_plan_kv_bytes_per_token(plan));
        snprintf(gib, sizeof gib, "%.3f", (double)bytes / 1073741824.0);
        snprintf(ratio, sizeof ratio, "%.3fx", *native_bytes ? (double)bytes / (double)*native_bytes : 0);
        const char *row[] = {name, attn_plan_kv_formula(plan), per_token, gib, ratio};
        attn_doc_row(r->doc, row);
        attn_plan_free(plan);
    }
    return CLI_OK;
}

int report_kv_section(report_context *r)
{
    const attn_model *m = r->model;
    attn_params params;
    uint64_t weights = 0, native = 0;
    if (attn_params_count(m, &params) ||
        attn_precision_row_bytes(attn_precision_default(m->weights_dtype), params.total, &weights))
        return cli_fail(CLI_USAGE, "%s: parameter count overflows", m->path);
    attn_doc_heading(r->doc, "KV cache");
    attn_doc_paragraph(r->doc,
                       "%lld layers (%lld with a sliding window), %lld query heads, %lld KV heads%s, "
                       "head_dim %lld, cache in %s. %llu parameters (%llu active per token), "
                       "%.1f GiB of %s weights. Sizes below are for one sequence of %lld tokens.",
                       (long long)m->layers, (long long)attn_model_windowed_layers(m),
                       (long long)m->heads, (long long)m->kv_heads,
                       m->mla ? " (MLA: the latent is cached instead)" : "",
                       (long long)m->head_dim, attn_dtype_name(m->dtype),
                       (unsigned long long)params.total, (unsigned long long)params.active,
                       (double)weights / 1073741824.0, attn_dtype_name(m->weights_dtype),
                       (long long)r->context);
    int rc = variant_table(r, &native);
    if (!rc)
        rc = report_capacity_section(r);
    char path[2048];
    attn_chart_request req = {.models = m, .nmodels = 1, .devices = r->devices,
                              .ndevices = r->ndevices < 3 ? r->ndevices : 3, .dtype = m->dtype,
                              .batch = 1, .seq_from = 256, .seq_to = r->context, .mem_util = 0.9};
    if (!rc && attn_chart_kv(&req, report_path(r, "kv.svg", path, sizeof path), &r->diag))
        rc = cli_fail_diag(ATTN_ERR_IO, &r->diag);
    if (!rc)
        attn_doc_figure(r->doc, "kv.svg", "KV cache vs context per variant, with the memory each GPU has left after the weights");
    /* a model too large for one GPU is drawn per GPU at the smallest TP its weights fit,
     * on the first GPU preset where TP 8 or less does */
    req.ndevices = 0;
    for (size_t g = 0; g < r->ndevices && !req.ndevices; g++)
        for (req.whatif.tp = 1; req.whatif.tp <= 8 && !req.ndevices; req.whatif.tp *= 2)
            if ((double)weights / (double)req.whatif.tp <
                (double)r->devices[g].memory_bytes * req.mem_util) {
                req.devices = &r->devices[g];
                req.ndevices = 1;
                req.whatif.tp /= 2; /* undo the loop's step */
            }
    if (req.ndevices) {
        req.whatif.tp *= 2;
        if (!rc && attn_chart_capacity(&req, report_path(r, "capacity.svg", path, sizeof path),
                                       &r->diag))
            rc = cli_fail_diag(ATTN_ERR_IO, &r->diag);
        if (!rc)
            attn_doc_figure(r->doc, "capacity.svg",
                            "Largest batch that fits at each context length, per GPU of the "
                            "first preset (and smallest TP) that holds the weights");
    } else if (!rc) {
        attn_doc_paragraph(r->doc, "No max-batch chart: the weights of %s exceed every GPU "
                                   "preset even split over 8 GPUs.", m->name);
    }
    return rc;
}
