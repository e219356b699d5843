/* cmd_cost.c — `attnscope cost MODEL`: analytic FLOPs, HBM traffic and roofline time of a
 * prefill or decode step, for one variant or all, at one length or over a sweep. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_print.h"
#include "device_limits.h"

#define MAX_SEQ (INT64_C(1) << 40)
#define MAX_POINTS 100000

static const char COST_USAGE[] =
    "usage: attnscope cost MODEL (--seq N | --sweep FROM:TO:xF|+S) [options]\n"
    "  --phase P          prefill (default), decode (--seq = cached tokens) or train\n"
    "                     (one training step: forward + backward; DESIGN.md)\n"
    "  --causal           causal prefill (n(n+1)/2 scored pairs; windows apply)\n"
    "  --mask M           causal or none: the same as --causal / its absence\n"
    "  --dropout P        train: dropout probability on the attention matrix (default 0)\n"
    "  --variant V        all (default) or a name: standard flash flash1 mla mla-naive\n"
    "                     performer lowrank, or a head layout mha gqa mqa (standard attention)\n"
    "  --device NAME      roofline device preset (default h100-sxm; attnscope devices)\n"
    "  --sram SIZE        on-chip memory M for flash tiles (default: the device's per-SM)\n"
    "  --tiles T          flash tiles: sram (ceil(M/4d)), fa2, fa3, splitkv (default: the\n"
    "                     device's kernel; sram when --sram is given)\n"
    "  --l2 SIZE          last-level cache for dram_bytes (default: the device's L2)\n"
    "  --batch B          sequences (default 1)\n"
    "  --dtype D          precision the step computes in: Q, O, scores, weights (default: the\n"
    "                     model's torch_dtype; fp16 for a mixed-precision training step)\n"
    "  --kv-dtype D       KV-cache precision, int4 with its fp16 group scales as in kv\n"
    "                     (default: --dtype)\n"
    "  --features M, --rank K, --kv-heads G, --kv-lora-rank C, --rope-dim R   as in kv\n"
    "  --per-layer        one layer (× batch) instead of the whole model; --layer I picks it\n"
    "  --format F         table (default), csv or json\n";

typedef struct cost_options {
    const char *model;
    const char *variant;
    const char *device;
    attn_request req;
    attn_cost_request cost;
    cli_lengths seq;
    bool dtype_set, per_layer;
    bool kv_dtype_set;
    attn_dtype kv_dtype;
    int64_t layer;
    uint64_t sram;
    cli_format format;
    attn_cache_model cache;
    bool tiles_set, l2_set;
} cost_options;

enum {
    OPT_PHASE = 256, OPT_SEQ, OPT_SWEEP, OPT_CAUSAL, OPT_VARIANT, OPT_DEVICE, OPT_SRAM,
    OPT_BATCH, OPT_DTYPE, OPT_FEATURES, OPT_RANK, OPT_KV_HEADS, OPT_KV_LORA, OPT_ROPE,
    OPT_PER_LAYER, OPT_LAYER, OPT_FORMAT, OPT_MASK, OPT_DROPOUT, OPT_HELP, OPT_TILES, OPT_L2, OPT_KV_DTYPE
};

static const struct option cost_long_options[] = {
    {"phase", required_argument, NULL, OPT_PHASE},
    {"seq", required_argument, NULL, OPT_SEQ},
    {"sweep", required_argument, NULL, OPT_SWEEP},
    {"causal", no_argument, NULL, OPT_CAUSAL},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"sram", required_argument, NULL, OPT_SRAM},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"kv-dtype", required_argument, NULL, OPT_KV_DTYPE},
    {"features", required_argument, NULL, OPT_FEATURES},
    {"rank", required_argument, NULL, OPT_RANK},
    {"kv-heads", required_argument, NULL, OPT_KV_HEADS},
    {"kv-lora-rank", required_argument, NULL, OPT_KV_LORA},
    {"rope-dim", required_argument, NULL, OPT_ROPE},
    {"per-layer", no_argument, NULL, OPT_PER_LAYER},
    {"layer", required_argument, NULL, OPT_LAYER},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"mask", required_argument, NULL, OPT_MASK},
    {"dropout", required_argument, NULL, OPT_DROPOUT},
    {"help", no_argument, NULL, OPT_HELP},
    {"tiles", required_argument, NULL, OPT_TILES},
    {"l2", required_argument, NULL, OPT_L2},
    {NULL, 0, NULL, 0},
};

static int parse_option(int opt, char *arg, void *ctx)
{
    cost_options *o = ctx;
    const int64_t width = INT64_C(1) << 26;
    switch (opt) {
    case OPT_PHASE: return cli_parse_phase(arg, &o->cost.phase);
    case OPT_SEQ: return cli_parse_length(arg, MAX_SEQ, &o->seq);
    case OPT_SWEEP: return cli_parse_sweep(arg, MAX_SEQ, &o->seq);
    case OPT_CAUSAL: o->cost.causal = true; return CLI_OK;
    case OPT_VARIANT: o->variant = arg; return CLI_OK;
    case OPT_DEVICE: o->device = arg; return CLI_OK;
    case OPT_SRAM: return cli_parse_size("--sram", arg, &o->sram);
    case OPT_BATCH: return cli_parse_int("--batch", arg, 1, INT64_C(1) << 40, &o->cost.batch);
    case OPT_DTYPE: o->dtype_set = true; return cli_parse_dtype("--dtype", arg, &o->cost.dtype);
    case OPT_KV_DTYPE:
        o->kv_dtype_set = true;
        return cli_parse_dtype("--kv-dtype", arg, &o->kv_dtype);
    case OPT_FEATURES: return cli_parse_int("--features", arg, 1, width, &o->req.features);
    case OPT_RANK: return cli_parse_int("--rank", arg, 1, width, &o->req.rank);
    case OPT_KV_HEADS: return cli_parse_int("--kv-heads", arg, 1, width, &o->req.kv_heads);
    case OPT_KV_LORA: return cli_parse_int("--kv-lora-rank", arg, 1, width, &o->req.kv_lora_rank);
    case OPT_ROPE: return cli_parse_int("--rope-dim", arg, 1, width, &o->req.rope_dim);
    case OPT_PER_LAYER: o->per_layer = true; return CLI_OK;
    case OPT_LAYER:
        o->per_layer = true;
        return cli_parse_int("--layer", arg, 0, 100000, &o->layer);
    case OPT_FORMAT: return cli_parse_format(arg, &o->format);
    case OPT_TILES:
        o->tiles_set = true;
        if (attn_tiles_parse(arg, &o->cache.tiles))
            return cli_fail(CLI_USAGE, "--tiles '%s': expected sram, fa2, fa3 or splitkv", arg);
        return CLI_OK;
    case OPT_L2: o->l2_set = true; return cli_parse_size("--l2", arg, &o->cache.llc_bytes);
    case OPT_MASK:
        if (strcmp(arg, "causal") && strcmp(arg, "none"))
            return cli_fail(CLI_USAGE, "--mask '%s': expected causal or none", arg);
        o->cost.causal = arg[0] == 'c';
        return CLI_OK;
    case OPT_DROPOUT: return cli_parse_real("--dropout", arg, 0.0, 0.99, &o->cost.dropout);
    default: return cli_fail(CLI_USAGE, "cost: unknown option (attnscope cost --help)");
    }
}

static int parse_cost_options(int argc, char **argv, cost_options *o)
{
    memset(o, 0, sizeof *o);
    o->variant = "all";
    o->device = "h100-sxm";
    o->cost.batch = 1;
    o->seq.from = -1;
    int rc = cli_options(argc, argv, cost_long_options, OPT_HELP, "cost", COST_USAGE,
                         parse_option, o);
    if (rc)
        return rc;
    if (optind != argc - 1)
        return cli_fail(CLI_USAGE, "cost: expected exactly one MODEL (got %d); see --help",
                        argc - optind);
    if (o->seq.from < 0)
        return cli_fail(CLI_USAGE, "cost: give --seq N or --sweep FROM:TO:xF");
    if (o->cost.causal && o->cost.phase == ATTN_PHASE_DECODE)
        return cli_fail(CLI_USAGE, "cost: --causal applies to prefill; decode is causal already");
    if (o->cost.dropout > 0 && o->cost.phase != ATTN_PHASE_TRAIN)
        return cli_fail(CLI_USAGE, "cost: --dropout applies to --phase train");
    o->model = argv[optind];
    return CLI_OK;
}

/* The cache-aware count's machine: the device's L2, SMs (threads) and flash kernel unless
 * flags say otherwise; an explicit --sram asks about Algorithm 1's tiles. */
static void cost_cache_defaults(cost_options *o, const attn_device *dev)
{
    attn_cache_model asked = o->cache;
    o->cache = attn_device_cache(dev);
    if (o->l2_set)
        o->cache.llc_bytes = asked.llc_bytes;
    if (o->tiles_set)
        o->cache.tiles = asked.tiles;
    else if (o->sram)
        o->cache.tiles = ATTN_TILES_SRAM;
}

/* Rows for one variant over the sequence lengths; *count grows. */
static int add_variant_rows(const cost_options *o, const attn_model *m, const char *variant,
                            bool skip_unsupported_quietly, cost_row *rows, size_t *count)
{
    attn_diag diag = {{0}};
    attn_request req = o->req;
    req.variant = variant;
    /* the plan owns the cache's precision (as in kv); the request the activations' */
    req.precision = attn_precision_default(o->kv_dtype_set ? o->kv_dtype : o->cost.dtype);
    attn_plan *plan = NULL;
    int rc = attn_plan_init(&plan, m, &req, &diag);
    if (rc)
        return cli_fail_diag(rc, &diag);
    for (int64_t seq = o->seq.from; seq <= o->seq.to && !rc; seq = cli_lengths_next(&o->seq, seq)) {
        if (*count >= MAX_POINTS) {
            rc = cli_fail(CLI_USAGE, "cost: more than %d rows; use a coarser sweep", MAX_POINTS);
            break;
        }
        cost_row *row = &rows[(*count)++];
        attn_cost_request creq = o->cost;
        creq.seq = seq;
        row->variant = variant; /* as asked: a registry name or a head layout (mha, gqa, mqa) */
        row->phase = creq.phase;
        row->seq = seq;
        row->batch = creq.batch;
        row->causal = creq.causal;
        row->layer = o->per_layer ? o->layer : -1;
        rc = o->per_layer
                 ? attn_plan_cost_layer_cached(plan, &creq, &o->cache, o->layer, &row->cost,
                                               &diag)
                 : attn_plan_cost_cached(plan, &creq, &o->cache, &row->cost, &diag);
        if (rc == ATTN_ERR_UNSUPPORTED && skip_unsupported_quietly)
            rc = ATTN_OK; /* the row says n/a and why */
        else if (rc)
            rc = cli_fail_diag(rc, &diag);
    }
    attn_plan_free(plan);
    return rc;
}

static int run_cost(const cost_options *o, const attn_model *m, const attn_device *dev)
{
    size_t variants = strcmp(o->variant, "all") == 0 ? attn_variant_count() : 1;
    size_t per_variant = 0;
    for (int64_t seq = o->seq.from; seq <= o->seq.to && per_variant <= MAX_POINTS;
         seq = cli_lengths_next(&o->seq, seq))
        per_variant++;
    if (per_variant * variants > MAX_POINTS)
        return cli_fail(CLI_USAGE, "cost: more than %d rows; use a coarser sweep", MAX_POINTS);
    cost_row *rows = calloc(per_variant * variants, sizeof *rows);
    if (!rows)
        return cli_fail(CLI_FAILED, "cost: out of memory");
    size_t count = 0;
    int rc = CLI_OK;
    for (size_t v = 0; v < variants && !rc; v++)
        rc = add_variant_rows(o, m, variants > 1 ? attn_variant_name(v) : o->variant,
                              variants > 1, rows, &count);
    cost_context ctx = {m->name, dev->name, attn_device_sram_bytes(dev, o->sram), o->cost.dtype,
                        attn_device_peak_flops(dev, o->cost.dtype), dev->bandwidth_bytes_per_s,
                        o->kv_dtype_set ? o->kv_dtype : o->cost.dtype, o->cache};
    for (size_t i = 0; i < count && !rc; i++)
        attn_roofline_compute(&rows[i].cost, ctx.peak_flops, ctx.bandwidth, &rows[i].roofline);
    if (!rc)
        rc = cost_print(o->format, &ctx, rows, count);
    free(rows);
    return rc;
}

int cmd_cost(int argc, char **argv)
{
    cost_options o;
    int rc = parse_cost_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    attn_diag diag = {{0}};
    attn_device dev;
    if ((rc = attn_device_load(o.device, &dev, &diag)))
        return cli_fail_diag(rc, &diag);
    o.cost.sram_bytes = attn_device_sram_bytes(&dev, o.sram);
    if (!o.cost.sram_bytes)
        return cli_fail(CLI_USAGE, "%s: no shared_mem_per_sm_bytes; give --sram", dev.path);
    cost_cache_defaults(&o, &dev);
    attn_model model;
    if ((rc = attn_model_load(o.model, &model, &diag)))
        return cli_fail_diag(rc, &diag);
    if (!o.dtype_set)
        o.cost.dtype = model.dtype;
    char why[192];
    cli_context_limit(&model, o.seq.to, why, sizeof why);
    if (o.per_layer && o.layer >= model.layers)
        rc = cli_fail(CLI_USAGE, "--layer %lld: %s has layers 0..%lld", (long long)o.layer,
                      model.name, (long long)model.layers - 1);
    if (!rc)
        rc = run_cost(&o, &model, &dev);
    attn_model_free(&model);
    return rc;
}
