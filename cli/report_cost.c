/* report_cost.c — the report's analytic cost section: every variant's FLOPs, HBM traffic and
 * roofline time for a causal prefill and a decode step, with the FLOPs, traffic and roofline
 * charts. */
#include <stdio.h>

#include "device_limits.h"
#include "report.h"

static void cost_rows(report_context *r, attn_phase phase, const attn_device *dev)
{
    for (size_t v = 0; v < attn_variant_count(); v++) {
        attn_request req = {.variant = attn_variant_name(v),
                            .precision = attn_precision_default(r->model->dtype)};
        attn_cost_request creq = {phase, r->context, 1, phase == ATTN_PHASE_PREFILL,
                                  attn_device_sram_bytes(dev, 0), r->model->dtype, .dropout = 0};
        attn_plan *plan = NULL;
        attn_cost c = {0};
        char cells[10][168];
        const char *row[] = {attn_variant_name(v), phase == ATTN_PHASE_DECODE ? "decode" : "causal prefill",
                             cells[0], cells[5], cells[1], cells[6], cells[7], cells[8],
                             cells[9], cells[2], cells[3], cells[4]};
        attn_cache_model cache = attn_device_cache(dev);
        if (attn_plan_init(&plan, r->model, &req, NULL) ||
            attn_plan_cost_cached(plan, &creq, &cache, &c, NULL)) {
            snprintf(cells[0], 168, "n/a");
            snprintf(cells[1], 168, "%s", c.note[0] ? c.note : "no such form");
            for (int i = 2; i < 10; i++)
                cells[i][0] = '\0';
        } else {
            attn_roofline roof;
            attn_roofline_compute(&c, attn_device_peak_flops(dev, creq.dtype),
                                  dev->bandwidth_bytes_per_s, &roof);
            snprintf(cells[0], 168, "%.4Lg", c.flops / 1e9L);
            snprintf(cells[1], 168, "%.4Lg", (c.read_bytes + c.write_bytes) / 1e9L);
            snprintf(cells[9], 168, "%.4Lg", c.dram_bytes / 1e9L);
            snprintf(cells[2], 168, "%.3Lg", roof.intensity);
            snprintf(cells[3], 168, "%.4Lg", roof.time_s * 1e3L);
            snprintf(cells[4], 168, "%s", roof.memory_bound ? "memory" : "compute");
            snprintf(cells[5], 168, "%.4Lg", c.flops_executed / 1e9L);
            snprintf(cells[6], 168, "%.4Lg", c.kv_traffic_bytes / 1e9L);
            snprintf(cells[7], 168, "%.4Lg", c.weight_bytes / 1e9L);
            snprintf(cells[8], 168, "%.4Lg", c.act_bytes / 1e9L);
        }
        attn_doc_row(r->doc, row);
        attn_plan_free(plan);
    }
}

int report_cost_section(report_context *r)
{
    const attn_device *dev = r->roofline_device;
    static const char *const header[] = {"variant", "step", "GFLOP", "executed GFLOP", "HBM GB",
                                         "of it KV", "weights", "activations", "DRAM GB",
                                         "FLOP/byte", "roofline time (ms)", "bound"};
    attn_doc_heading(r->doc, "Analytic cost");
    attn_doc_paragraph(r->doc,
                       "Whole model, one sequence, %lld tokens, on %s (%.4g TFLOP/s, %.4g TB/s, "
                       "%llu B of shared memory per SM as the flash tile budget M). FLOPs count a "
                       "multiply-add as 2 and only the scored pairs (n(n+1)/2 when causal); "
                       "traffic follows FlashAttention's Algorithm 0 for standard attention and "
                       "Theorem 2's tiling for flash (DESIGN.md). Executed GFLOP is what the "
                       "kernels compute at their tiles (whole diagonal tiles, a masked full S). "
                       "HBM GB splits into the KV cache or state moved, the weights read inside "
                       "the op (MLA W_UK/W_UV, low-rank E/F, Performer's features) and the "
                       "activations (Q, O, scores, partial results). DRAM is the cache-aware count "
                       "(the device's L2 keeps re-read K/V tiles), which FLOP/byte, time and "
                       "bound use.",
                       (long long)r->context, dev->name,
                       attn_device_peak_flops(dev, r->model->dtype) / 1e12,
                       dev->bandwidth_bytes_per_s / 1e12,
                       (unsigned long long)attn_device_sram_bytes(dev, 0));
    attn_doc_table(r->doc, header, 12);
    cost_rows(r, ATTN_PHASE_PREFILL, dev);
    cost_rows(r, ATTN_PHASE_DECODE, dev);
    attn_chart_request req = {.models = r->model, .nmodels = 1, .devices = dev, .ndevices = 1,
                              .dtype = r->model->dtype, .batch = 1, .seq_from = 256,
                              .seq_to = r->context,
                              .cost = {ATTN_PHASE_PREFILL, 0, 1, true,
                                       attn_device_sram_bytes(dev, 0), r->model->dtype}};
    char path[2048];
    if (attn_chart_cost(&req, false, report_path(r, "flops.svg", path, sizeof path), &r->diag) ||
        attn_chart_cost(&req, true, report_path(r, "traffic.svg", path, sizeof path), &r->diag))
        return cli_fail_diag(ATTN_ERR_IO, &r->diag);
    attn_doc_figure(r->doc, "flops.svg", "Causal prefill FLOPs vs n, whole model (log-log)");
    attn_doc_figure(r->doc, "traffic.svg", "Causal prefill HBM traffic vs n, whole model (log-log)");
    req.cost.phase = ATTN_PHASE_DECODE;
    req.cost.causal = false;
    req.batch = 16;
    if (attn_chart_roofline(&req, report_path(r, "roofline.svg", path, sizeof path), &r->diag))
        return cli_fail_diag(ATTN_ERR_IO, &r->diag);
    attn_doc_figure(r->doc, "roofline.svg", "Roofline of a decode step at batch 16: every variant's model point on the device's ceilings");
    return CLI_OK;
}
