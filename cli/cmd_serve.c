/* cmd_serve.c — `attnscope serve MODEL`: decode tokens/s against batch up to the largest
 * batch whose cache fits, and prefill tokens/s, of one replica on the roofline
 * (analyzer/throughput.h); --plot draws throughput against batch with the capacity marked. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"
#include "throughput.h"

static const char SERVE_USAGE[] =
    "usage: attnscope serve MODEL [options]\n"
    "  --gpu NAME         device preset (default h100-sxm; attnscope devices); --device too\n"
    "  --tp N             GPUs holding one replica, tensor parallel (default 1)\n"
    "  --context N        tokens cached per sequence while decoding; prefill length (default 4096)\n"
    "  --engine NAME      none (default): memory x utilisation - weights; vllm or sglang:\n"
    "                     that engine's KV budget as `kv --engine` derives it (its own\n"
    "                     utilisation default, the checkpoint's weights as loaded)\n"
    "  --mem-util F       with --engine none: share of device memory for weights + cache\n"
    "                     (default 0.9)\n"
    "  --weights-dtype D  weights as served (default: the config's)\n"
    "  --kv-dtype D       cache precision (default: the model's torch_dtype)\n"
    "  --kv-bits B        cache at B bits per element (e.g. 6), instead of --kv-dtype\n"
    "  --variant V        attention variant (default: the model's own)\n"
    "  --plot FILE        chart of decode tokens/s vs batch (.png, .svg, .pdf)\n"
    "  --format F         table (default) or json\n";

typedef struct serve_options {
    attn_serve_request req;
    const char *device, *plot;
    bool weights_set, kv_set;
    cli_format format;
} serve_options;

enum { OPT_GPU = 256, OPT_TP, OPT_CONTEXT, OPT_ENGINE, OPT_UTIL, OPT_WDTYPE, OPT_KVDTYPE,
       OPT_KVBITS, OPT_VARIANT, OPT_PLOT, OPT_FORMAT, OPT_HELP };

static const struct option serve_long_options[] = {
    {"gpu", required_argument, NULL, OPT_GPU},
    {"device", required_argument, NULL, OPT_GPU},
    {"tp", required_argument, NULL, OPT_TP},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"mem-util", required_argument, NULL, OPT_UTIL},
    {"weights-dtype", required_argument, NULL, OPT_WDTYPE},
    {"kv-dtype", required_argument, NULL, OPT_KVDTYPE},
    {"kv-bits", required_argument, NULL, OPT_KVBITS},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int parse_option(int opt, char *arg, void *ctx)
{
    serve_options *o = ctx;
    switch (opt) {
    case OPT_GPU: o->device = arg; return CLI_OK;
    case OPT_TP: return cli_parse_int("--tp", arg, 1, 4096, &o->req.tp);
    case OPT_CONTEXT: return cli_parse_tokens("--context", arg, 1, INT64_C(1) << 32, &o->req.context);
    case OPT_ENGINE:
        if (strcmp(arg, "none") && strcmp(arg, "vllm") && strcmp(arg, "sglang"))
            return cli_fail(CLI_USAGE, "--engine '%s': expected none, vllm or sglang", arg);
        o->req.engine = arg;
        return CLI_OK;
    case OPT_UTIL: return cli_parse_real("--mem-util", arg, 0.01, 1.0, &o->req.mem_util);
    case OPT_WDTYPE: o->weights_set = true; return cli_parse_dtype("--weights-dtype", arg, &o->req.weights_dtype);
    case OPT_KVDTYPE: o->kv_set = true; return cli_parse_dtype("--kv-dtype", arg, &o->req.kv_dtype);
    case OPT_KVBITS: return cli_parse_real("--kv-bits", arg, 1, 32, &o->req.kv_bits);
    case OPT_VARIANT: o->req.variant = arg; return CLI_OK;
    case OPT_PLOT: o->plot = arg; return CLI_OK;
    case OPT_FORMAT:
        if (cli_parse_format(arg, &o->format))
            return CLI_USAGE;
        return o->format == CLI_CSV ? cli_fail(CLI_USAGE, "serve: --format table or json") : CLI_OK;
    default: return cli_fail(CLI_USAGE, "serve: unknown option (attnscope serve --help)");
    }
}

/* Batches 1, 2, 4, ... and the largest that fits. */
static size_t batches(int64_t max_batch, int64_t *out, size_t cap)
{
    size_t n = 0;
    for (int64_t b = 1; b < max_batch && n + 1 < cap; b *= 2)
        out[n++] = b;
    if (max_batch >= 1)
        out[n++] = max_batch;
    return n;
}

static int draw(const serve_options *o, const attn_serve *s, const attn_serve_point *pts, size_t n,
                attn_diag *diag)
{
    double x[64], y[64], cx[2], cy[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)pts[i].batch;
        y[i] = (double)pts[i].tokens_per_s;
        cy[1] = fmax(cy[1], y[i] * 1.1);
    }
    cx[0] = cx[1] = (double)s->max_batch;
    char limit[96], title[512];
    snprintf(limit, sizeof limit, "capacity: %lld sequences of %lld tokens fit", (long long)s->max_batch,
             (long long)s->req.context);
    snprintf(title, sizeof title, "%s decode on %s x %lld (context %lld)", s->req.model->name,
             s->req.device->name, (long long)s->req.tp, (long long)s->req.context);
    attn_series series[] = {{"decode tokens/s (roofline bound)", x, y, n, ATTN_STYLE_LINEPOINTS, 1},
                            {limit, cx, cy, 2, ATTN_STYLE_DASHED, 2}};
    attn_plot plot = {.title = title, .xlabel = "batch (sequences)", .ylabel = "tokens/s",
                      .logx = true, .series = series, .nseries = 2};
    return attn_plot_write(&plot, o->plot, diag);
}

static void print_table(const attn_serve *s, const attn_serve_point *pre, const attn_serve_point *p,
                        size_t n)
{
    char b1[96], b2[96];
    printf("%s on %s x %lld, context %lld, weights %s, KV %s%s\n", s->req.model->name,
           s->req.device->name, (long long)s->req.tp, (long long)s->req.context,
           attn_dtype_name(s->req.weights_dtype),
           s->req.kv_bits > 0 ? "" : attn_dtype_name(s->req.kv_dtype), s->req.kv_bits > 0 ? "b-bit" : "");
    if (s->req.kv_bits > 0)
        printf("KV at %.3g bits per element\n", s->req.kv_bits);
    printf("weights per GPU: %s\n", cli_bytes(s->weights_rank_bytes, b1, sizeof b1));
    printf("free for KV per GPU (%s): %s\n", s->capacity_note, cli_bytes(s->free_bytes, b2, sizeof b2));
    printf("KV per sequence per GPU: %s; largest batch that fits: %lld\n",
           cli_bytes(s->kv_seq_bytes, b1, sizeof b1), (long long)s->max_batch);
    printf("prefill of %lld tokens: %.4Lg tokens/s (%s-bound, %.4Lg ms)\n", (long long)s->req.context,
           pre->tokens_per_s, pre->memory_bound ? "memory" : "compute", pre->step_s * 1e3L);
    printf("%10s %12s %10s %10s %10s %9s %-7s\n", "batch", "tokens/s", "step ms", "weight GB",
           "KV GB", "experts", "bound");
    for (size_t i = 0; i < n; i++)
        printf("%10lld %12.5Lg %10.4Lg %10.4Lg %10.4Lg %9.4Lg %-7s\n", (long long)p[i].batch,
               p[i].tokens_per_s, p[i].step_s * 1e3L, p[i].weight_bytes / 1e9L, p[i].kv_bytes / 1e9L,
               p[i].experts_touched, p[i].memory_bound ? "memory" : "compute");
}

static json_t *point_json(const attn_serve_point *p)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:s}", "batch", (json_int_t)p->batch,
                     "tokens_per_s", (double)p->tokens_per_s, "step_s", (double)p->step_s,
                     "weight_bytes", (double)p->weight_bytes, "kv_bytes", (double)p->kv_bytes,
                     "flops", (double)p->flops, "experts_touched", (double)p->experts_touched,
                     "bound", p->memory_bound ? "memory" : "compute");
}

static int print_json(const attn_serve *s, const attn_serve_point *pre, const attn_serve_point *p,
                      size_t n)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "model", s->req.model->name,
                          "device", s->req.device->name, "tp", (json_int_t)s->req.tp, "context",
                          (json_int_t)s->req.context, "weights_bytes_per_gpu",
                          (json_int_t)s->weights_rank_bytes, "free_bytes_per_gpu",
                          (json_int_t)s->free_bytes, "kv_bytes_per_sequence_per_gpu",
                          (json_int_t)s->kv_seq_bytes, "max_batch", (json_int_t)s->max_batch,
                          "capacity", s->capacity_note);
    json_t *decode = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(decode, point_json(&p[i]));
    json_object_set_new(o, "prefill", point_json(pre));
    json_object_set_new(o, "decode", decode);
    int ok = json_dumpf(o, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF;
    json_decref(o);
    return ok ? CLI_OK : CLI_FAILED;
}

static int run(serve_options *o, attn_serve *s)
{
    attn_diag diag = {{0}};
    attn_serve_point pre, pts[64];
    int64_t sizes[64];
    char w[96], f[96];
    if (s->max_batch < 1)
        return cli_fail(CLI_FAILED,
                        "serve: %s on %s x %lld: weights %s per GPU leave %s, not room for one "
                        "sequence of %lld tokens", s->req.model->name, s->req.device->name,
                        (long long)s->req.tp, cli_bytes(s->weights_rank_bytes, w, sizeof w),
                        cli_bytes(s->free_bytes, f, sizeof f), (long long)o->req.context);
    int rc = attn_serve_prefill(s, &pre, &diag);
    size_t n = batches(s->max_batch, sizes, 64);
    for (size_t i = 0; i < n && !rc; i++)
        rc = attn_serve_decode(s, sizes[i], &pts[i], &diag);
    if (rc)
        return cli_fail_diag(rc, &diag);
    if (o->plot && n && (rc = draw(o, s, pts, n, &diag)))
        return cli_fail_diag(rc, &diag);
    if (o->format == CLI_JSON)
        return print_json(s, &pre, pts, n);
    print_table(s, &pre, pts, n);
    return fflush(stdout) ? CLI_FAILED : CLI_OK;
}

int cmd_serve(int argc, char **argv)
{
    serve_options o = {.req = {.tp = 1, .context = 4096, .mem_util = 0.9}, .device = "h100-sxm"};
    int rc = cli_options(argc, argv, serve_long_options, OPT_HELP, "serve", SERVE_USAGE,
                         parse_option, &o);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (optind != argc - 1)
        return cli_fail(CLI_USAGE, "serve: expected exactly one MODEL (got %d); see --help",
                        argc - optind);
    attn_diag diag = {{0}};
    attn_device dev;
    attn_model model;
    if ((rc = attn_device_load(o.device, &dev, &diag)))
        return cli_fail_diag(rc, &diag);
    if ((rc = attn_model_load(argv[optind], &model, &diag)))
        return cli_fail_diag(rc, &diag);
    o.req.model = &model;
    o.req.device = &dev;
    if (!o.weights_set)
        o.req.weights_dtype = model.weights_dtype;
    if (!o.kv_set)
        o.req.kv_dtype = model.dtype;
    attn_serve s;
    if ((rc = attn_serve_init(&s, &o.req, &diag)))
        rc = cli_fail_diag(rc, &diag);
    else
        rc = run(&o, &s), attn_serve_free(&s);
    attn_model_free(&model);
    return rc;
}
