/* report_measured.c — the report's measurements: a short CPU sweep of every variant's real
 * kernel (prefill and decode), error vs m and k for the approximations, the results CSV,
 * fitted exponents, and the charts that put measured points on the model's lines.
 *
 * The sweep runs on a few heads of the model's own layer shape (head dims, GQA ratio, MLA
 * sizes), one layer, so it ends in seconds on a laptop; the report says which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_case.h"
#include "results_csv.h"
#include "measured.h"
#include "report.h"
#include "variant.h"

enum { BENCH_HEADS = 8 };

/* One layer of the model with at most BENCH_HEADS query heads, the group ratio kept. */
static int bench_model(const attn_model *m, attn_model *out, attn_diag *diag)
{
    int64_t heads = m->heads < BENCH_HEADS ? m->heads : BENCH_HEADS;
    int64_t group = m->mla ? 1 : m->heads / m->kv_heads;
    int64_t kv = heads / group > 0 ? heads / group : 1;
    char json[512], name[300];
    int n = snprintf(json, sizeof json,
                     "{\"num_hidden_layers\": 1, \"num_attention_heads\": %lld, "
                     "\"num_key_value_heads\": %lld, \"hidden_size\": %lld, \"head_dim\": %lld, "
                     "\"torch_dtype\": \"float32\"",
                     (long long)heads, (long long)kv, (long long)(heads * m->head_dim),
                     (long long)m->head_dim);
    if (m->mla)
        n += snprintf(json + n, sizeof json - (size_t)n,
                      ", \"kv_lora_rank\": %lld, \"qk_rope_head_dim\": %lld, "
                      "\"qk_nope_head_dim\": %lld, \"v_head_dim\": %lld",
                      (long long)m->kv_lora_rank, (long long)m->rope_dim,
                      (long long)m->nope_dim, (long long)m->v_head_dim);
    snprintf(json + n, sizeof json - (size_t)n, "}");
    snprintf(name, sizeof name, "%s-layer-%lldh", m->name, (long long)heads);
    return attn_model_parse(json, strlen(json), name, out, diag);
}

typedef struct sweep {
    attn_phase phase;
    bool causal;
    int64_t from, to;
    unsigned show; /* the registry's ATTN_SHOW_* bit that selects the variants; 0 = all */
    attn_dtype store;
    int64_t features, rank;
    bool normal_inputs; /* N(0, 1) q, k, v, where an approximation's error is readable */
} sweep;

static int run_sweep(report_context *r, const attn_model *layer, const sweep *s,
                     const char *results, int *runs)
{
    for (size_t v = 0; v < attn_variant_count(); v++) {
        const char *name = attn_variant_name(v);
        if (s->show && !(attn_variant_at(v)->show & s->show))
            continue;
        for (int64_t n = s->from; n <= s->to; n *= 2) {
            attn_bench_case c = {
                .model = layer, .variant = name, .phase = s->phase, .seq = n, .batch = 1,
                .causal = s->causal, .store = s->store, .seed = 1,
                .threads = attn_kernels_threads(), .backend = attn_backend_find("cpu"),
                .options = {1, r->quick ? 2 : 5, r->quick ? 0.01 : 0.1, 2e9},
                .whatif = {.features = s->features, .rank = s->rank},
                .normal_inputs = s->normal_inputs,
            };
            attn_result_row row;
            attn_diag diag = {{0}};
            int rc = attn_bench_supported(&c, &diag);
            if (rc == ATTN_ERR_UNSUPPORTED)
                continue; /* the CPU backend does not take it: the sweep measures the rest */
            if (!rc)
                rc = attn_bench_run(&c, &row, &diag);
            if (rc)
                return cli_fail(CLI_FAILED, "report: %s n=%lld: %s", name, (long long)n, diag.msg);
            if ((rc = attn_results_append(results, &row, 1, &r->diag)))
                return cli_fail_diag(rc, &r->diag);
            ++*runs;
        }
    }
    return CLI_OK;
}

static int run_benchmarks(report_context *r, const attn_model *layer, const char *results)
{
    int64_t top = r->quick ? 512 : 2048;
    const sweep sweeps[] = {
        {ATTN_PHASE_PREFILL, true, 128, top, 0, ATTN_DTYPE_FP32, 0, 0, false},
        {ATTN_PHASE_PREFILL, false, 128, top, ATTN_SHOW_NONCAUSAL, ATTN_DTYPE_FP32, 0, 0, false},
        {ATTN_PHASE_DECODE, false, 1024, r->quick ? 4096 : 16384, 0, ATTN_DTYPE_FP16, 0, 0, false},
    };
    int runs = 0, rc = CLI_OK;
    for (size_t i = 0; i < sizeof sweeps / sizeof sweeps[0] && !rc; i++)
        rc = run_sweep(r, layer, &sweeps[i], results, &runs);
    for (int64_t m = 16; m <= 256 && !rc; m *= 4) {
        sweep err = {ATTN_PHASE_PREFILL, false, 256, 256, ATTN_SHOW_ERROR, ATTN_DTYPE_FP32, m, m,
                     true};
        rc = run_sweep(r, layer, &err, results, &runs);
    }
    if (!rc)
        fprintf(stderr, "attnscope: report: %d kernel runs measured\n", runs);
    return rc;
}

static void results_table(report_context *r, const attn_table *t)
{
    static const char *const columns[] = {"variant", "phase", "causal", "seq", "features",
                                          "rank", "time_s", "gflops", "hbm_bytes_counted",
                                          "hbm_bytes_model", "rel_err"};
    enum { N = sizeof columns / sizeof columns[0] };
    int idx[N];
    for (int c = 0; c < N; c++)
        idx[c] = attn_table_column(t, columns[c]);
    attn_doc_table(r->doc, columns, N);
    for (size_t row = 0; row < t->nrows; row++) {
        const char *cells[N];
        for (int c = 0; c < N; c++)
            cells[c] = idx[c] >= 0 ? t->rows[row][idx[c]] : "";
        attn_doc_row(r->doc, cells);
    }
}

static int measured_charts(report_context *r, const attn_model *layer, const char *results)
{
    attn_table t;
    char path[2048], fits[2048];
    int rc = attn_table_read(results, &t, &r->diag);
    if (rc)
        return cli_fail_diag(rc, &r->diag);
    results_table(r, &t);
    attn_measured_set counted;
    attn_series_query q = {layer->name, "seq", "hbm_bytes_counted", NULL, "counted",
                           ATTN_STYLE_POINTS, "prefill"};
    rc = attn_measured_series(&t, &q, &counted, &r->diag);
    if (!rc) {
        attn_chart_request req = {
            .models = layer, .nmodels = 1, .dtype = ATTN_DTYPE_FP32, .batch = 1,
            .seq_from = 128, .seq_to = r->quick ? 512 : 2048, .per_layer = true,
            .cost = {ATTN_PHASE_PREFILL, 0, 1, true, attn_cpu_sram_bytes(), ATTN_DTYPE_FP32},
            .measured = counted.series, .nmeasured = counted.nseries,
            .title = "Causal prefill traffic, one layer: model lines, counted bytes as points",
        };
        rc = attn_chart_cost(&req, true, report_path(r, "traffic_measured.svg", path, sizeof path),
                             &r->diag);
        attn_measured_free(&counted);
    }
    if (!rc)
        rc = attn_chart_time(&t, "prefill", "Measured prefill time vs n, with fitted power laws",
                             report_path(r, "time.svg", path, sizeof path),
                             report_path(r, "fits.csv", fits, sizeof fits), &r->diag);
    if (!rc)
        rc = attn_chart_time(&t, "decode", "Measured decode time vs cached tokens t, with fits",
                             report_path(r, "time_decode.svg", path, sizeof path),
                             report_path(r, "fits_decode.csv", fits, sizeof fits), &r->diag);
    if (!rc)
        rc = attn_chart_error(&t, NULL, report_path(r, "error.svg", path, sizeof path), &r->diag);
    attn_table_free(&t);
    if (rc)
        return cli_fail_diag(rc, &r->diag);
    attn_doc_figure(r->doc, "traffic_measured.svg",
                    "Counted bytes of the real kernels (points) against the model (lines); decode and other phases are in results.csv");
    attn_doc_figure(r->doc, "time.svg", "Measured prefill time vs n with fitted power laws (exponent and 95% interval in the legend; fits.csv)");
    attn_doc_figure(r->doc, "time_decode.svg", "Measured decode time vs cached tokens (fits_decode.csv)");
    attn_doc_figure(r->doc, "error.svg", "Approximation error against exact attention vs Performer features m and low-rank k");
    return CLI_OK;
}

int report_measured_section(report_context *r)
{
    attn_model layer;
    char results[2048], fresh[2048];
    if (bench_model(r->model, &layer, &r->diag))
        return cli_fail_diag(ATTN_ERR_FIELD, &r->diag);
    attn_doc_heading(r->doc, "Measured on this machine (CPU)");
    attn_doc_paragraph(r->doc,
                       "Real kernels on seeded inputs, one layer of the model's shape with %lld "
                       "query and %lld KV heads, fp32 compute, %d threads, tiles for %zu bytes "
                       "of L2. Each time is the median of repeated calls after a warm-up; "
                       "bytes are counted by the kernels; errors are against a double-precision "
                       "reference (exact attention for Performer and low-rank, so their error "
                       "is the approximation's; that sweep draws q, k, v from N(0, 1), and the "
                       "dashed lines are the error of outputting mean(V) on the same inputs). "
                       "Hardware memory counters are unavailable here.",
                       (long long)layer.heads, (long long)layer.kv_heads,
                       attn_kernels_threads(), attn_cpu_sram_bytes());
    report_path(r, "results.csv", results, sizeof results);
    report_path(r, "results.csv.new", fresh, sizeof fresh);
    unlink(fresh);
    int rc = run_benchmarks(r, &layer, fresh);
    if (!rc && rename(fresh, results) != 0)
        rc = cli_fail(CLI_FAILED, "%s: cannot write", results);
    if (!rc)
        rc = measured_charts(r, &layer, results);
    attn_model_free(&layer);
    return rc;
}
