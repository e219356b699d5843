/* cmd_plot.c — `attnscope plot KIND MODEL[,MODEL...] --out FILE.{png,svg,pdf}`.
 *
 * Kinds kv, capacity, flops, traffic and roofline draw the analytic model (with measured
 * points from --in results.csv where the kind has them); time and error draw measurements.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "cli.h"
#include "device_limits.h"
#include "measured.h"

#define MAX_LIST 16

static const char PLOT_USAGE[] =
    "usage: attnscope plot KIND MODEL[,MODEL...] --out FILE.png|.svg|.pdf [options]\n"
    "       attnscope plot time|error --in results.csv --out FILE [--fits fits.csv]\n"
    "  KIND       kv | capacity | flops | traffic | roofline (model lines), time | error (measured)\n"
    "  --in CSV         results of attnscope bench: measured points on flops, traffic and\n"
    "                   roofline (then the lines are one layer x batch, as bench runs)\n"
    "  --fits CSV       time: write the fitted exponents (and a n^2 + b n + c) here\n"
    "  --variant LIST   comma-separated variants (default: a set per chart)\n"
    "  --gpu LIST       kv: free-memory lines for these GPUs; capacity: the GPU\n"
    "  --device NAME    roofline, flops, traffic: device (default h100-sxm; a roofline with\n"
    "                   --in: the probed local preset when there is one)\n"
    "  --batch B        sequences (default 1)\n"
    "  --from N --to N  x range in tokens (default 1024 .. the model's context, or 131072)\n"
    "  --kv-dtype D     cache/element precision (default the model's)\n"
    "  --phase P        prefill (default), decode or train; --causal for causal prefill\n"
    "  --dropout P      train: dropout probability on the attention matrix (default 0)\n"
    "  --sram SIZE      on-chip memory for flash tiles (default the device's)\n"
    "  --mem-util F     usable fraction of GPU memory (default 0.9)\n"
    "  --features M, --rank K, --kv-heads G   what-if parameters as in kv\n"
    "  --title TEXT     chart title (drawn literally)\n";

typedef struct plot_options {
    const char *kind, *out, *title, *device, *in, *fits;
    char *model_list, *variant_list, *gpu_list;
    const char *variants[MAX_LIST];
    size_t nvariants;
    int64_t batch, from, to;
    bool dtype_set;
    attn_dtype dtype;
    attn_cost_request cost;
    uint64_t sram;
    double mem_util;
    attn_request whatif;
} plot_options;

enum {
    OPT_OUT = 256, OPT_VARIANT, OPT_GPU, OPT_DEVICE, OPT_BATCH, OPT_FROM, OPT_TO, OPT_DTYPE,
    OPT_PHASE, OPT_CAUSAL, OPT_DROPOUT, OPT_SRAM, OPT_MEM_UTIL, OPT_FEATURES, OPT_RANK, OPT_KV_HEADS,
    OPT_TITLE, OPT_IN, OPT_FITS, OPT_HELP
};

static const struct option plot_long_options[] = {
    {"out", required_argument, NULL, OPT_OUT},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"gpu", required_argument, NULL, OPT_GPU},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"kv-dtype", required_argument, NULL, OPT_DTYPE},
    {"phase", required_argument, NULL, OPT_PHASE},
    {"causal", no_argument, NULL, OPT_CAUSAL},
    {"dropout", required_argument, NULL, OPT_DROPOUT},
    {"sram", required_argument, NULL, OPT_SRAM},
    {"mem-util", required_argument, NULL, OPT_MEM_UTIL},
    {"features", required_argument, NULL, OPT_FEATURES},
    {"rank", required_argument, NULL, OPT_RANK},
    {"kv-heads", required_argument, NULL, OPT_KV_HEADS},
    {"title", required_argument, NULL, OPT_TITLE},
    {"in", required_argument, NULL, OPT_IN},
    {"fits", required_argument, NULL, OPT_FITS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Splits a comma-separated list in place. */
static int split_list(char *text, const char **items, size_t *count, const char *flag)
{
    *count = 0;
    for (char *save = NULL, *item = strtok_r(text, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        if (*count == MAX_LIST)
            return cli_fail(CLI_USAGE, "%s: at most %d items", flag, MAX_LIST);
        items[(*count)++] = item;
    }
    if (!*count)
        return cli_fail(CLI_USAGE, "%s: empty list", flag);
    return CLI_OK;
}

static int parse_option(int opt, char *arg, void *ctx)
{
    plot_options *o = ctx;
    const int64_t width = INT64_C(1) << 26, tokens = INT64_C(1) << 40;
    switch (opt) {
    case OPT_OUT: o->out = arg; return CLI_OK;
    case OPT_VARIANT: o->variant_list = arg; return split_list(arg, o->variants, &o->nvariants, "--variant");
    case OPT_GPU: o->gpu_list = arg; return CLI_OK;
    case OPT_DEVICE: o->device = arg; return CLI_OK;
    case OPT_BATCH: return cli_parse_int("--batch", arg, 1, tokens, &o->batch);
    case OPT_FROM: return cli_parse_tokens("--from", arg, 1, tokens, &o->from);
    case OPT_TO: return cli_parse_tokens("--to", arg, 1, tokens, &o->to);
    case OPT_DTYPE: o->dtype_set = true; return cli_parse_dtype("--kv-dtype", arg, &o->dtype);
    case OPT_PHASE: return cli_parse_phase(arg, &o->cost.phase);
    case OPT_CAUSAL: o->cost.causal = true; return CLI_OK;
    case OPT_DROPOUT: return cli_parse_real("--dropout", arg, 0.0, 0.99, &o->cost.dropout);
    case OPT_SRAM: return cli_parse_size("--sram", arg, &o->sram);
    case OPT_MEM_UTIL: return cli_parse_real("--mem-util", arg, 0.01, 1.0, &o->mem_util);
    case OPT_FEATURES: return cli_parse_int("--features", arg, 1, width, &o->whatif.features);
    case OPT_RANK: return cli_parse_int("--rank", arg, 1, width, &o->whatif.rank);
    case OPT_KV_HEADS: return cli_parse_int("--kv-heads", arg, 1, width, &o->whatif.kv_heads);
    case OPT_TITLE: o->title = arg; return CLI_OK;
    case OPT_IN: o->in = arg; return CLI_OK;
    case OPT_FITS: o->fits = arg; return CLI_OK;
    default: return cli_fail(CLI_USAGE, "plot: unknown option (attnscope plot --help)");
    }
}

static int parse_plot_options(int argc, char **argv, plot_options *o)
{
    memset(o, 0, sizeof *o);
    o->batch = 1;
    o->mem_util = 0.9;
    o->device = NULL; /* plot_device picks */
    int rc = cli_options(argc, argv, plot_long_options, OPT_HELP, "plot", PLOT_USAGE,
                         parse_option, o);
    if (rc)
        return rc;
    if (!o->out)
        return cli_fail(CLI_USAGE, "plot: --out FILE.png|.svg|.pdf is required");
    if (optind >= argc)
        return cli_fail(CLI_USAGE, "plot: expected KIND; see --help");
    o->kind = argv[optind];
    bool measured_only = strcmp(o->kind, "time") == 0 || strcmp(o->kind, "error") == 0;
    if (measured_only && (!o->in || optind != argc - 1))
        return cli_fail(CLI_USAGE, "plot %s: give --in results.csv and no MODEL", o->kind);
    if (!measured_only && optind != argc - 2)
        return cli_fail(CLI_USAGE, "plot: expected KIND and MODEL[,MODEL...]; see --help");
    o->model_list = measured_only ? NULL : argv[optind + 1];
    return CLI_OK;
}

typedef struct plot_inputs {
    attn_model models[MAX_LIST];
    size_t nmodels;
    attn_device devices[MAX_LIST];
    size_t ndevices;
} plot_inputs;

/* The device asked for; else, beside measured (CPU) rows, this machine's probed `local`
 * preset when there is one: its roof, and its per-core L2 as the SRAM the kernels tiled for,
 * since CPU points under a GPU's roof or tiles say nothing; else h100-sxm. */
static const char *plot_device(const plot_options *o)
{
    if (o->device)
        return o->device;
    attn_device local;
    if (o->in && !attn_device_load("local", &local, NULL))
        return "local";
    if (o->in)
        fprintf(stderr, "plot: no local preset (attnscope devices --probe): the lines beside "
                        "the measured points take h100-sxm's roof and SRAM (or give --device, "
                        "--sram)\n");
    return "h100-sxm";
}

static int load_inputs(plot_options *o, plot_inputs *in)
{
    const char *names[MAX_LIST];
    size_t count = 0;
    attn_diag diag = {{0}};
    int rc = split_list(o->model_list, names, &count, "MODEL");
    for (size_t i = 0; i < count && !rc; i++) {
        if ((rc = attn_model_load(names[i], &in->models[i], &diag)))
            return cli_fail_diag(rc, &diag);
        in->nmodels++;
    }
    bool roofline_like = strcmp(o->kind, "kv") != 0 && strcmp(o->kind, "capacity") != 0;
    char device_list[256];
    snprintf(device_list, sizeof device_list, "%s",
             roofline_like ? plot_device(o) : o->gpu_list ? o->gpu_list : "");
    if (!rc && (roofline_like || o->gpu_list))
        rc = split_list(device_list, names, &count, "--gpu");
    else
        count = 0;
    for (size_t i = 0; i < count && !rc; i++) {
        if ((rc = attn_device_load(names[i], &in->devices[i], &diag)))
            return cli_fail_diag(rc, &diag);
        in->ndevices++;
    }
    return rc;
}

/* Measured points from --in for the analytic charts, by traffic source for "traffic". */
static int load_measured(const plot_options *o, const attn_table *t, const char *model,
                         attn_measured_set sets[3], size_t *nsets, attn_diag *diag)
{
    static const char *const traffic[3][2] = {{"hbm_bytes_counted", "counted"},
                                              {"hbm_bytes_sim", "sim"},
                                              {"hbm_bytes_hw", "hw"}};
    *nsets = 0;
    int rc = ATTN_OK;
    const char *phase = o->cost.phase == ATTN_PHASE_DECODE ? "decode" : "prefill";
    attn_series_query q = {model, "seq", "flops_counted", NULL, "counted", ATTN_STYLE_POINTS,
                           phase};
    if (strcmp(o->kind, "traffic") == 0) {
        for (int i = 0; i < 3 && !rc; i++) {
            q.ycol = traffic[i][0];
            q.label = traffic[i][1];
            rc = attn_measured_series(t, &q, &sets[(*nsets)++], diag);
        }
    } else if (strcmp(o->kind, "flops") == 0) {
        rc = attn_measured_series(t, &q, &sets[(*nsets)++], diag);
    } else if (strcmp(o->kind, "roofline") == 0) {
        /* every row whatever its model name: bench names its rows by shape */
        q = (attn_series_query){NULL, "intensity_counted", "flops_per_s", "seq", "measured",
                                ATTN_STYLE_POINTS, phase};
        rc = attn_measured_series(t, &q, &sets[(*nsets)++], diag);
    }
    return rc;
}

static int draw_measured_only(const plot_options *o)
{
    attn_table table;
    attn_diag diag = {{0}};
    int rc = attn_table_read(o->in, &table, &diag);
    if (!rc)
        rc = strcmp(o->kind, "time") == 0
                 ? attn_chart_time(&table, o->cost.phase == ATTN_PHASE_DECODE ? "decode" : "prefill",
                                   o->title, o->out, o->fits, &diag)
                 : attn_chart_error(&table, o->title, o->out, &diag);
    if (rc)
        rc = cli_fail_diag(rc, &diag);
    attn_table_free(&table);
    return rc;
}

static int draw_chart(const char *kind, const attn_chart_request *req, const char *out,
                      attn_diag *diag);

/* Model lines beside measured points describe fp32 elements (the kernels compute in fp32)
 * unless --kv-dtype says otherwise; their SRAM is the device's (plot_device), like every line. */
static void results_settings(const plot_options *o, attn_chart_request *req)
{
    if (!o->dtype_set)
        req->dtype = req->cost.dtype = ATTN_DTYPE_FP32;
}

static int draw(const plot_options *o, const plot_inputs *in)
{
    const attn_model *first = &in->models[0];
    attn_chart_request req = {
        .models = in->models, .nmodels = in->nmodels,
        .variants = o->nvariants ? o->variants : NULL, .nvariants = o->nvariants,
        .devices = in->devices, .ndevices = in->ndevices, .whatif = o->whatif,
        .dtype = o->dtype_set ? o->dtype : first->dtype, .batch = o->batch,
        .seq_from = o->from ? o->from : 1024,
        .seq_to = o->to ? o->to : (first->max_context ? first->max_context : 131072),
        .mem_util = o->mem_util, .cost = o->cost, .title = o->title,
    };
    req.cost.dtype = req.dtype;
    req.cost.sram_bytes = in->ndevices ? attn_device_sram_bytes(&in->devices[0], o->sram) : o->sram;
    if (req.seq_from > req.seq_to)
        return cli_fail(CLI_USAGE, "plot: --from %lld is beyond --to %lld", (long long)req.seq_from,
                        (long long)req.seq_to);
    attn_diag diag = {{0}};
    attn_table table = {0};
    attn_measured_set sets[3] = {{0}};
    size_t nsets = 0;
    attn_series points[3 * 64];
    int rc = ATTN_OK;
    if (o->in) {
        req.per_layer = true;
        rc = attn_table_read(o->in, &table, &diag);
        results_settings(o, &req);
        if (!rc)
            rc = load_measured(o, &table, first->name, sets, &nsets, &diag);
        for (size_t i = 0; i < nsets; i++)
            for (size_t s = 0; s < sets[i].nseries && req.nmeasured < 3 * 64; s++)
                points[req.nmeasured++] = sets[i].series[s];
        req.measured = points;
    }
    if (!rc)
        rc = draw_chart(o->kind, &req, o->out, &diag);
    for (size_t i = 0; i < nsets; i++)
        attn_measured_free(&sets[i]);
    attn_table_free(&table);
    return rc ? cli_fail_diag(rc, &diag) : CLI_OK;
}

static int draw_chart(const char *kind, const attn_chart_request *req, const char *out,
                      attn_diag *diag)
{
    if (strcmp(kind, "kv") == 0)
        return attn_chart_kv(req, out, diag);
    if (strcmp(kind, "capacity") == 0)
        return attn_chart_capacity(req, out, diag);
    if (strcmp(kind, "flops") == 0 || strcmp(kind, "traffic") == 0)
        return attn_chart_cost(req, kind[0] == 't', out, diag);
    if (strcmp(kind, "roofline") == 0)
        return attn_chart_roofline(req, out, diag);
    snprintf(diag->msg, sizeof diag->msg,
             "plot: unknown kind '%s' (kv, capacity, flops, traffic, roofline, time, error)", kind);
    return ATTN_ERR_UNKNOWN;
}

int cmd_plot(int argc, char **argv)
{
    plot_options o;
    int rc = parse_plot_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (!o.model_list)
        return draw_measured_only(&o);
    plot_inputs *in = calloc(1, sizeof *in);
    if (!in)
        return cli_fail(CLI_FAILED, "out of memory");
    rc = load_inputs(&o, in);
    if (!rc)
        rc = draw(&o, in);
    for (size_t i = 0; i < in->nmodels; i++)
        attn_model_free(&in->models[i]);
    free(in);
    return rc;
}
