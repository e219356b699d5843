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

static int capacity_table(report_context *r, uint64_t weights)
{
    static const char *const header[] = {"GPU", "memory (GiB)", "weights (GiB)",
                                         "free at 90% (GiB)", "max batch at context",
                                         "max context at batch 1"};
    attn_request req = {.precision = attn_precision_default(r->model->dtype)};
    attn_plan *plan = NULL;
    int rc = attn_plan_init(&plan, r->model, &req, &r->diag);
    if (rc)
        return cli_fail_diag(rc, &r->diag);
    attn_doc_table(r->doc, header, 6);
    for (size_t g = 0; g < r->ndevices && !rc; g++) {
        attn_capacity c;
        rc = attn_capacity_compute(plan, r->devices[g].memory_bytes, 0.9, weights, 1,
                                   r->context, &c);
        char v[5][48];
        snprintf(v[0], 48, "%.1f", (double)r->devices[g].memory_bytes / 1073741824.0);
        snprintf(v[1], 48, "%.1f", (double)weights / 1073741824.0);
        snprintf(v[2], 48, "%.1f", (double)c.free_bytes / 1073741824.0);
        snprintf(v[3], 48, "%lld", (long long)c.max_batch);
        if (c.context_unbounded)
            snprintf(v[4], 48, "unbounded");
        else if (c.max_context < 0 || weights > c.usable_bytes)
            snprintf(v[4], 48, "weights do not fit");
        else
            snprintf(v[4], 48, "%lld", (long long)c.max_context);
        const char *row[] = {r->devices[g].name, v[0], v[1], v[2], v[3], v[4]};
        attn_doc_row(r->doc, row);
    }
    attn_plan_free(plan);
    return rc ? cli_fail(CLI_FAILED, "report: capacity: %s", attn_strerror(rc)) : CLI_OK;
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
        rc = capacity_table(r, weights);
    char path[2048];
    attn_chart_request req = {.models = m, .nmodels = 1, .devices = r->devices,
                              .ndevices = r->ndevices < 3 ? r->ndevices : 3, .dtype = m->dtype,
                              .batch = 1, .seq_from = 256, .seq_to = r->context, .mem_util = 0.9};
    if (!rc && attn_chart_kv(&req, report_path(r, "kv.svg", path, sizeof path), &r->diag))
        rc = cli_fail_diag(ATTN_ERR_IO, &r->diag);
    if (!rc)
        attn_doc_figure(r->doc, "kv.svg", "KV cache vs context per variant, with the memory each GPU has left after the weights");
    req.ndevices = 1;
    if (!rc && attn_chart_capacity(&req, report_path(r, "capacity.svg", path, sizeof path), &r->diag))
        rc = cli_fail_diag(ATTN_ERR_IO, &r->diag);
    if (!rc)
        attn_doc_figure(r->doc, "capacity.svg", "Largest batch that fits on the first GPU at each context length");
    return rc;
}
