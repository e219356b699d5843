/* cmd_kv.c — `attnscope kv MODEL`: KV-cache size for a deployment, and whether it fits.
 *
 * Flags map one-to-one onto attn_request and attn_capacity_compute; this file only parses,
 * calls the library and hands a kv_report to kv_print.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "kv_print.h"

#define MAX_BATCH (INT64_C(1) << 40)
#define MAX_CONTEXT (INT64_C(1) << 40)

static const char KV_USAGE[] =
    "usage: attnscope kv MODEL [options]\n"
    "  MODEL                 preset name (attnscope models), config.json, or a directory with one,\n"
    "                        or a Hugging Face id org/name[@revision] from the local hub cache\n"
    "  --batch B             concurrent sequences (default 1)\n"
    "  --context T           tokens per sequence (default: max_position_embeddings; K/M suffixes)\n"
    "  --kv-dtype D          fp32 fp16 bf16 fp8 int8 int4 (default: the model's torch_dtype)\n"
    "  --quant-group G       values per fp16 scale for quantised caches (int4 default 32; 0 = none)\n"
    "  --variant V           what-if: mha gqa mqa mla mla-naive performer lowrank standard flash\n"
    "  --kv-heads G          KV heads for mha/gqa/mqa what-ifs\n"
    "  --features M          Performer features (default 256)\n"
    "  --rank K              low-rank size (default 256)\n"
    "  --kv-lora-rank C      MLA latent size for non-MLA models (default 4 x head_dim)\n"
    "  --rope-dim R          MLA decoupled RoPE dims for non-MLA models (default head_dim / 2)\n"
    "  --tp N                tensor-parallel GPUs; numbers are per GPU\n"
    "  --gpu NAME | --mem S  capacity on a device preset (attnscope devices) or a size (80GiB)\n"
    "  --mem-util F          fraction of memory usable (default 0.9, as vLLM)\n"
    "  --weights-dtype D     precision of the weights (default: the checkpoint's)\n"
    "  --per-layer           one line per layer\n"
    "  --format F            table (default), csv or json\n"
    KV_ENGINE_USAGE;

typedef struct kv_options {
    const char *model;
    const char *gpu;
    attn_request req;
    int64_t batch;
    int64_t context;
    int64_t quant_group; /* -1 = the precision's default */
    bool kv_dtype_set, weights_dtype_set;
    attn_dtype kv_dtype, weights_dtype;
    uint64_t memory;
    const char *memory_text;
    double mem_util;
    bool per_layer;
    cli_format format;
    kv_engine_options engine;
} kv_options;

enum {
    OPT_BATCH = 256, OPT_CONTEXT, OPT_KV_DTYPE, OPT_QUANT_GROUP, OPT_VARIANT, OPT_KV_HEADS,
    OPT_FEATURES, OPT_RANK, OPT_KV_LORA, OPT_ROPE, OPT_TP, OPT_GPU, OPT_MEM, OPT_MEM_UTIL,
    OPT_WEIGHTS_DTYPE, OPT_PER_LAYER, OPT_FORMAT, OPT_HELP
};

static const struct option kv_long_options[] = {
    {"batch", required_argument, NULL, OPT_BATCH},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"kv-dtype", required_argument, NULL, OPT_KV_DTYPE},
    {"quant-group", required_argument, NULL, OPT_QUANT_GROUP},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"kv-heads", required_argument, NULL, OPT_KV_HEADS},
    {"features", required_argument, NULL, OPT_FEATURES},
    {"rank", required_argument, NULL, OPT_RANK},
    {"kv-lora-rank", required_argument, NULL, OPT_KV_LORA},
    {"rope-dim", required_argument, NULL, OPT_ROPE},
    {"tp", required_argument, NULL, OPT_TP},
    {"gpu", required_argument, NULL, OPT_GPU},
    {"mem", required_argument, NULL, OPT_MEM},
    {"mem-util", required_argument, NULL, OPT_MEM_UTIL},
    {"weights-dtype", required_argument, NULL, OPT_WEIGHTS_DTYPE},
    {"per-layer", no_argument, NULL, OPT_PER_LAYER},
    {"format", required_argument, NULL, OPT_FORMAT},
    KV_ENGINE_LONG_OPTIONS,
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int parse_option(int opt, char *arg, void *ctx)
{
    kv_options *o = ctx;
    const int64_t width = INT64_C(1) << 26;
    switch (opt) {
    case OPT_BATCH: return cli_parse_int("--batch", arg, 1, MAX_BATCH, &o->batch);
    case OPT_CONTEXT: return cli_parse_tokens("--context", arg, 1, MAX_CONTEXT, &o->context);
    case OPT_KV_DTYPE:
        o->kv_dtype_set = true;
        return cli_parse_dtype("--kv-dtype", arg, &o->kv_dtype);
    case OPT_QUANT_GROUP: return cli_parse_int("--quant-group", arg, 0, width, &o->quant_group);
    case OPT_VARIANT: o->req.variant = arg; return CLI_OK;
    case OPT_KV_HEADS: return cli_parse_int("--kv-heads", arg, 1, width, &o->req.kv_heads);
    case OPT_FEATURES: return cli_parse_int("--features", arg, 1, width, &o->req.features);
    case OPT_RANK: return cli_parse_int("--rank", arg, 1, width, &o->req.rank);
    case OPT_KV_LORA: return cli_parse_int("--kv-lora-rank", arg, 1, width, &o->req.kv_lora_rank);
    case OPT_ROPE: return cli_parse_int("--rope-dim", arg, 1, width, &o->req.rope_dim);
    case OPT_TP: return cli_parse_int("--tp", arg, 1, 1 << 16, &o->req.tp);
    case OPT_GPU: o->gpu = arg; return CLI_OK;
    case OPT_MEM: o->memory_text = arg; return cli_parse_size("--mem", arg, &o->memory);
    case OPT_MEM_UTIL:
        o->engine.mem_util_set = true;
        return cli_parse_real("--mem-util", arg, 0.01, 1.0, &o->mem_util);
    case OPT_WEIGHTS_DTYPE:
        o->weights_dtype_set = true;
        return cli_parse_dtype("--weights-dtype", arg, &o->weights_dtype);
    case OPT_PER_LAYER: o->per_layer = true; return CLI_OK;
    case OPT_FORMAT: return cli_parse_format(arg, &o->format);
    default: return kv_engine_option(opt, arg, &o->engine);
    }
}

static int parse_kv_options(int argc, char **argv, kv_options *o)
{
    memset(o, 0, sizeof *o);
    kv_engine_options_init(&o->engine);
    o->batch = 1;
    o->context = -1;
    o->quant_group = -1;
    o->mem_util = 0.9;
    int rc = cli_options(argc, argv, kv_long_options, OPT_HELP, "kv", KV_USAGE,
                         parse_option, o);
    if (rc)
        return rc;
    if (optind != argc - 1)
        return cli_fail(CLI_USAGE, "kv: expected exactly one MODEL (got %d); see --help",
                        argc - optind);
    if (o->gpu && o->memory)
        return cli_fail(CLI_USAGE, "kv: give --gpu or --mem, not both");
    o->model = argv[optind];
    return CLI_OK;
}

static int compute_capacity(const kv_options *o, kv_report *r)
{
    attn_diag diag = {{0}};
    r->memory_bytes = o->memory;
    r->mem_util = o->mem_util;
    snprintf(r->device_name, sizeof r->device_name, "--mem %s", o->memory_text ? o->memory_text : "");
    if (o->gpu) {
        attn_device device;
        int rc = attn_device_load(o->gpu, &device, &diag);
        if (rc)
            return cli_fail_diag(rc, &diag);
        r->memory_bytes = device.memory_bytes;
        r->exposed_bytes = device.memory_exposed_bytes;
        snprintf(r->device_name, sizeof r->device_name, "%s", device.name);
    } else {
        r->exposed_bytes = o->memory;
    }
    r->has_capacity = o->gpu || o->memory;
    int rc = r->has_capacity ? attn_capacity_compute(r->plan, r->memory_bytes, r->mem_util,
                                                     r->weights_bytes_rank, r->batch, r->context,
                                                     &r->capacity)
                             : ATTN_OK;
    if (rc)
        return cli_fail(cli_status(rc), "kv: capacity: %s", attn_strerror(rc));
    return o->engine.engine != ATTN_ENGINE_NONE ? kv_engine_compute(&o->engine, r, o->mem_util)
                                                : CLI_OK;
}

static int compute_report(const kv_options *o, const attn_model *m, kv_report *r)
{
    r->model = m;
    r->batch = o->batch;
    r->context = o->context >= 0 ? o->context : m->max_context;
    r->context_given = o->context >= 0;
    if (o->context < 0 && !m->max_context)
        return cli_fail(CLI_USAGE, "%s: no max_position_embeddings in the config; give --context",
                        m->path);
    int rc = attn_params_count(m, &r->params);
    if (rc)
        return cli_fail(CLI_USAGE, "%s: parameter count overflows 64 bits", m->path);
    r->weights_dtype = o->weights_dtype_set           ? o->weights_dtype
                       : m->weights_dtype == m->dtype ? attn_engine_dtype(m, o->engine.engine)
                                                      : m->weights_dtype;
    int64_t tp = attn_plan_tp(r->plan);
    rc = attn_precision_row_bytes(attn_precision_default(r->weights_dtype), r->params.total,
                                  &r->weights_bytes);
    r->weights_bytes_rank = (r->weights_bytes + (uint64_t)tp - 1) / (uint64_t)tp;
    r->bytes_per_token = attn_plan_kv_bytes_per_token(r->plan);
    if (!rc)
        rc = attn_plan_kv_bytes(r->plan, r->batch, r->context, &r->total_bytes);
    if (!rc)
        rc = __builtin_mul_overflow(r->total_bytes, (uint64_t)tp, &r->total_bytes_all_ranks)
                 ? ATTN_ERR_OVERFLOW
                 : ATTN_OK;
    if (rc)
        return cli_fail(CLI_USAGE,
                        "kv: batch %lld x context %lld: the cache size does not fit in 64 bits",
                        (long long)r->batch, (long long)r->context);
    r->per_layer = o->per_layer;
    rc = compute_capacity(o, r);
    if (!rc)
        kv_context_judge(r);
    return rc;
}

static int print_report(const kv_options *o, const kv_report *r)
{
    switch (o->format) {
    case CLI_CSV: return kv_print_csv(r);
    case CLI_JSON: return kv_print_json(r);
    default: return kv_print_table(r);
    }
}

int cmd_kv(int argc, char **argv)
{
    kv_options o;
    int rc = parse_kv_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? CLI_OK : rc;

    attn_diag diag = {{0}};
    attn_model model;
    if ((rc = attn_model_load(o.model, &model, &diag)))
        return cli_fail_diag(rc, &diag);

    attn_plan *plan = NULL;
    kv_report report = {0};
    attn_dtype kv_dtype = o.kv_dtype_set ? o.kv_dtype : model.dtype;
    if ((rc = kv_engine_prepare(&o.engine, &model, o.gpu || o.memory, o.kv_dtype_set,
                                &kv_dtype, &o.req))) {
        attn_model_free(&model);
        return rc;
    }
    report.precision = attn_precision_default(kv_dtype);
    if (o.quant_group >= 0)
        report.precision.group = (uint32_t)o.quant_group;
    o.req.precision = report.precision;
    rc = attn_plan_init(&plan, &model, &o.req, &diag);
    if (rc) {
        rc = cli_fail_diag(rc, &diag);
    } else {
        report.plan = plan;
        rc = compute_report(&o, &model, &report);
        if (!rc)
            rc = print_report(&o, &report);
    }
    attn_plan_free(plan);
    attn_model_free(&model);
    return rc;
}
