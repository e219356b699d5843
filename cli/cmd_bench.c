/* cmd_bench.c — `attnscope bench`: run real kernels on seeded inputs, time them, check them
 * against the double reference, and append one row per run, prediction beside measurement.
 *
 * Each row is appended as soon as its run ends (atomically, under a lock), so Ctrl-C loses
 * nothing that finished; the interrupt watcher (interrupt.h) then says which runs were not
 * done, within a second even in the middle of a kernel call.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_case.h"
#include "results_csv.h"
#include "cli.h"
#include "interrupt.h"
#include "roofline_local.h"
#include "traffic.h"

#define MAX_LIST 16
#define MAX_SEQ_LENS 4096

static const char BENCH_USAGE[] =
    "usage: attnscope bench [MODEL | --heads H --kv-heads G --head-dim D] (--seq N | --sweep "
    "FROM:TO:xF) [options]\n"
    "  --variant LIST     all (default) or comma-separated registry names\n"
    "  --phase P          prefill (default) or decode (--seq = cached tokens)\n"
    "  --causal           causal prefill\n"
    "  --backend B        cpu (default), opencl, cuda or all (attnscope backends)\n"
    "  --device-index N   OpenCL/CUDA device (sets ATTNSCOPE_OPENCL_DEVICE, ..._CUDA_DEVICE)\n"
    "  --batch B          sequences (default 1)\n"
    "  --kv-dtype D       decode cache precision: fp32 (default), fp16, bf16, fp8 (e4m3),\n"
    "                     fp8-e5m2, int8 (one fp32 scale per token and KV head); the kernels\n"
    "                     compute in fp32 whatever the cache holds\n"
    "  --kv-layout L      decode cache contiguous (default) or paged (vLLM block table,\n"
    "                     blocks scattered at random in a pool)\n"
    "  --block-size N     paged: tokens per block (default 16)\n"
    "  --seq-lens LIST    decode: cached tokens of each sequence, comma-separated (a serving\n"
    "                     batch of mixed lengths; sets --batch, each at most --seq, which\n"
    "                     defaults to the longest); flash on the CPU\n"
    "  --features M       Performer features (default 256); --rank K low-rank size (256)\n"
    "  --sram SIZE        flash tile budget (default: CPU L2, GPU local memory)\n"
    "  --threads N        OpenMP and OpenBLAS threads (default: all cores)\n"
    "  --repeat R         at least R timed calls (default 5), and at least --min-time s (0.2)\n"
    "  --validate-limit F skip the double reference above F FLOPs (default 4e9)\n"
    "  --seed S           input seed (default 1)\n"
    "  --inputs D         uniform (default: q, k, v on [-1, 1), logits of std 1/3) or normal\n"
    "                     (N(0, 1): logits of std 1); rows carry baseline_err, the error of\n"
    "                     predicting mean(V) on the same inputs\n"
    "  --out FILE         append rows to this results CSV (created with a header)\n"
    "  --traffic LIST     counted (default; the kernels' own count), sim (one call under\n"
    "                     valgrind's cache simulation: LL misses + write-backs x line), hw\n"
    "                     (CPU: memory-controller counters; CUDA: the GPU's DRAM counters\n"
    "                     through CUPTI), comma-separated\n"
    "  --sim-llc SIZE     simulated last-level cache (default this CPU's; 256KiB emulates an\n"
    "                     SM's shared memory)\n";

typedef struct bench_options {
    const char *model, *out, *backend;
    char *variant_list;
    int64_t heads, kv_heads, head_dim;
    cli_lengths seq;
    int32_t seq_lens[MAX_SEQ_LENS];
    int64_t seq_lens_count;
    bool batch_given;
    attn_bench_case proto;
    int64_t threads, repeat;
    uint64_t sram;
} bench_options;

enum {
    OPT_HEADS = 256, OPT_KV_HEADS, OPT_HEAD_DIM, OPT_SEQ, OPT_SWEEP, OPT_VARIANT, OPT_PHASE,
    OPT_CAUSAL, OPT_BACKEND, OPT_BATCH, OPT_STORE, OPT_LAYOUT, OPT_BLOCK_SIZE, OPT_SEQ_LENS, OPT_FEATURES,
    OPT_RANK, OPT_SRAM, OPT_THREADS, OPT_REPEAT, OPT_MIN_TIME, OPT_VALIDATE, OPT_SEED, OPT_OUT, OPT_DEVICE, OPT_HELP, OPT_INPUTS,
    OPT_TRAFFIC, OPT_SIM_LLC
};

static const struct option bench_long_options[] = {
    {"heads", required_argument, NULL, OPT_HEADS},
    {"kv-heads", required_argument, NULL, OPT_KV_HEADS},
    {"head-dim", required_argument, NULL, OPT_HEAD_DIM},
    {"seq", required_argument, NULL, OPT_SEQ},
    {"sweep", required_argument, NULL, OPT_SWEEP},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"phase", required_argument, NULL, OPT_PHASE},
    {"causal", no_argument, NULL, OPT_CAUSAL},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"kv-dtype", required_argument, NULL, OPT_STORE},
    {"kv-store", required_argument, NULL, OPT_STORE}, /* the old name, kept for scripts */
    {"kv-layout", required_argument, NULL, OPT_LAYOUT},
    {"block-size", required_argument, NULL, OPT_BLOCK_SIZE},
    {"seq-lens", required_argument, NULL, OPT_SEQ_LENS},
    {"features", required_argument, NULL, OPT_FEATURES},
    {"rank", required_argument, NULL, OPT_RANK},
    {"sram", required_argument, NULL, OPT_SRAM},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"min-time", required_argument, NULL, OPT_MIN_TIME},
    {"validate-limit", required_argument, NULL, OPT_VALIDATE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"inputs", required_argument, NULL, OPT_INPUTS},
    {"out", required_argument, NULL, OPT_OUT},
    {"device-index", required_argument, NULL, OPT_DEVICE},
    {"help", no_argument, NULL, OPT_HELP},
    {"traffic", required_argument, NULL, OPT_TRAFFIC},
    {"sim-llc", required_argument, NULL, OPT_SIM_LLC},
    {NULL, 0, NULL, 0},
};

/* The one precision flag (--kv-dtype): a cache store the kernels can hold. */
static int parse_store(const char *arg, attn_dtype *store)
{
    if (attn_dtype_parse(arg, store) == ATTN_OK && attn_dtype_size(*store))
        return CLI_OK;
    return cli_fail(CLI_USAGE,
                    "--kv-dtype '%s': the kernels hold a cache of fp32, fp16, bf16, fp8 "
                    "(e4m3), fp8-e5m2 or int8", arg);
}

static int parse_layout(const char *arg, attn_kv_layout *layout)
{
    if (strcmp(arg, "contiguous") == 0 || strcmp(arg, "paged") == 0) {
        *layout = arg[0] == 'p' ? ATTN_KV_PAGED : ATTN_KV_CONTIGUOUS;
        return CLI_OK;
    }
    return cli_fail(CLI_USAGE, "--kv-layout '%s': expected contiguous or paged", arg);
}

/* The GPU backends read the index from the environment when they first start. */
static int set_device_index(const char *arg)
{
    int64_t index = 0;
    int rc = cli_parse_int("--device-index", arg, 0, 15, &index);
    if (!rc && (setenv("ATTNSCOPE_OPENCL_DEVICE", arg, 1) ||
                setenv("ATTNSCOPE_CUDA_DEVICE", arg, 1)))
        rc = cli_fail(CLI_FAILED, "--device-index: cannot set the environment");
    return rc;
}

/* --seq-lens L1,L2,...: each 1 .. 2^31 - 1 tokens. */
static int parse_seq_lens(char *arg, bench_options *o)
{
    o->seq_lens_count = 0;
    for (char *save = NULL, *s = strtok_r(arg, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        int64_t len = 0;
        if (o->seq_lens_count == MAX_SEQ_LENS)
            return cli_fail(CLI_USAGE, "--seq-lens: more than %d sequences", MAX_SEQ_LENS);
        int rc = cli_parse_tokens("--seq-lens", s, 1, INT32_MAX, &len);
        if (rc)
            return rc;
        o->seq_lens[o->seq_lens_count++] = (int32_t)len;
    }
    return o->seq_lens_count ? CLI_OK : cli_fail(CLI_USAGE, "--seq-lens '': no length given");
}

/* --seq-lens against the rest: decode, one --seq (the longest by default) holding every
 * length, and --batch (if given) equal to their count. */
static int check_seq_lens(bench_options *o)
{
    attn_bench_case *c = &o->proto;
    if (!o->seq_lens_count)
        return CLI_OK;
    if (c->phase != ATTN_PHASE_DECODE)
        return cli_fail(CLI_USAGE, "bench: --seq-lens applies to --phase decode");
    if (o->batch_given && c->batch != o->seq_lens_count)
        return cli_fail(CLI_USAGE, "bench: --batch %lld but --seq-lens gives %lld lengths",
                        (long long)c->batch, (long long)o->seq_lens_count);
    int64_t longest = 0;
    for (int64_t b = 0; b < o->seq_lens_count; b++)
        longest = o->seq_lens[b] > longest ? o->seq_lens[b] : longest;
    if (o->seq.from < 0)
        o->seq = (cli_lengths){.from = longest, .to = longest};
    if (o->seq.to != o->seq.from)
        return cli_fail(CLI_USAGE, "bench: --seq-lens takes one --seq, not a --sweep");
    if (longest > o->seq.from)
        return cli_fail(CLI_USAGE, "--seq-lens: %lld tokens is longer than --seq %lld",
                        (long long)longest, (long long)o->seq.from);
    c->batch = o->seq_lens_count;
    c->seq_lens = o->seq_lens;
    return CLI_OK;
}

/* --traffic counted,sim,hw: counted is always there; sim and hw add columns. */
static int parse_traffic(char *arg, unsigned *traffic)
{
    *traffic = 0;
    for (char *save = NULL, *s = strtok_r(arg, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        if (strcmp(s, "sim") == 0)
            *traffic |= ATTN_TRAFFIC_SIM;
        else if (strcmp(s, "hw") == 0)
            *traffic |= ATTN_TRAFFIC_HW;
        else if (strcmp(s, "counted") != 0)
            return cli_fail(CLI_USAGE, "--traffic '%s': expected counted, sim or hw", s);
    }
    return CLI_OK;
}

static int parse_option(int opt, char *arg, void *ctx)
{
    bench_options *o = ctx;
    const int64_t width = INT64_C(1) << 16, tokens = INT64_C(1) << 31;
    attn_bench_case *c = &o->proto;
    int64_t seed = 0;
    int rc;
    switch (opt) {
    case OPT_HEADS: return cli_parse_int("--heads", arg, 1, width, &o->heads);
    case OPT_KV_HEADS: return cli_parse_int("--kv-heads", arg, 1, width, &o->kv_heads);
    case OPT_HEAD_DIM: return cli_parse_int("--head-dim", arg, 1, width, &o->head_dim);
    case OPT_SEQ:
        rc = cli_parse_length(arg, tokens, &o->seq);
        return rc || o->seq.from > 0 ? rc : cli_fail(CLI_USAGE, "--seq '%s': must be at least 1", arg);
    case OPT_SWEEP: return cli_parse_sweep(arg, tokens, &o->seq);
    case OPT_VARIANT: o->variant_list = arg; return CLI_OK;
    case OPT_PHASE: return cli_parse_phase(arg, &c->phase);
    case OPT_CAUSAL: c->causal = true; return CLI_OK;
    case OPT_BACKEND: o->backend = arg; return CLI_OK;
    case OPT_BATCH:
        o->batch_given = true;
        return cli_parse_int("--batch", arg, 1, 1 << 20, &c->batch);
    case OPT_SEQ_LENS: return parse_seq_lens(arg, o);
    case OPT_STORE: return parse_store(arg, &c->store);
    case OPT_LAYOUT: return parse_layout(arg, &c->kv_layout);
    case OPT_BLOCK_SIZE: return cli_parse_int("--block-size", arg, 1, 1 << 20, &c->block_size);
    case OPT_FEATURES: return cli_parse_int("--features", arg, 1, width, &c->whatif.features);
    case OPT_RANK: return cli_parse_int("--rank", arg, 1, width, &c->whatif.rank);
    case OPT_SRAM: return cli_parse_size("--sram", arg, &o->sram);
    case OPT_THREADS: return cli_parse_int("--threads", arg, 1, 1024, &o->threads);
    case OPT_REPEAT: return cli_parse_int("--repeat", arg, 1, 1000, &o->repeat);
    case OPT_MIN_TIME:
        return cli_parse_real("--min-time", arg, 0, 3600, &c->options.min_seconds);
    case OPT_VALIDATE:
        return cli_parse_real("--validate-limit", arg, 0, 1e18, &c->options.validate_max_flops);
    case OPT_SEED:
        rc = cli_parse_int("--seed", arg, 0, INT64_MAX, &seed);
        c->seed = (uint64_t)seed;
        return rc;
    case OPT_OUT: o->out = arg; return CLI_OK;
    case OPT_INPUTS:
        if (strcmp(arg, "uniform") && strcmp(arg, "normal"))
            return cli_fail(CLI_USAGE, "--inputs '%s': expected uniform or normal", arg);
        c->normal_inputs = strcmp(arg, "normal") == 0;
        return CLI_OK;
    case OPT_DEVICE: return set_device_index(arg);
    case OPT_TRAFFIC: return parse_traffic(arg, &c->traffic);
    case OPT_SIM_LLC: return cli_parse_size("--sim-llc", arg, &c->sim.llc_bytes);
    default: return cli_fail(CLI_USAGE, "bench: unknown option (attnscope bench --help)");
    }
}

static int parse_bench_options(int argc, char **argv, bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->seq.from = -1;
    o->backend = "cpu";
    o->repeat = 5;
    o->proto.batch = 1;
    o->proto.seed = 1;
    o->proto.block_size = 16;
    o->proto.options = (attn_measure_options){1, 5, 0.2, 4e9};
    int rc = cli_options(argc, argv, bench_long_options, OPT_HELP, "bench", BENCH_USAGE,
                         parse_option, o);
    if (rc)
        return rc;
    bool shape = o->heads || o->kv_heads || o->head_dim;
    if (optind == argc - 1 && !shape)
        o->model = argv[optind];
    else if (optind != argc || !(o->heads && o->head_dim))
        return cli_fail(CLI_USAGE, "bench: give a MODEL or --heads H --head-dim D [--kv-heads G]");
    if ((rc = check_seq_lens(o)))
        return rc;
    if (o->seq.from < 0)
        return cli_fail(CLI_USAGE, "bench: give --seq N or --sweep FROM:TO:xF");
    if (o->proto.causal && o->proto.phase == ATTN_PHASE_DECODE)
        return cli_fail(CLI_USAGE, "bench: --causal applies to prefill");
    if (o->proto.phase == ATTN_PHASE_TRAIN)
        return cli_fail(CLI_USAGE, "bench: no backward kernels; --phase train is analytic (cost, plot, check)");
    o->proto.options.min_repeats = (int)o->repeat;
    return CLI_OK;
}

/* A one-layer model from --heads/--kv-heads/--head-dim, read by the ordinary reader. */
static int shape_model(const bench_options *o, attn_model *m)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"num_hidden_layers\": 1, \"num_attention_heads\": %lld, "
             "\"num_key_value_heads\": %lld, \"hidden_size\": %lld, \"head_dim\": %lld, "
             "\"torch_dtype\": \"float32\"}",
             (long long)o->heads, (long long)(o->kv_heads ? o->kv_heads : o->heads),
             (long long)(o->heads * o->head_dim), (long long)o->head_dim);
    attn_diag diag = {{0}};
    char label[96];
    snprintf(label, sizeof label, "h%lld-kv%lld-d%lld", (long long)o->heads,
             (long long)(o->kv_heads ? o->kv_heads : o->heads), (long long)o->head_dim);
    int rc = attn_model_parse(json, strlen(json), label, m, &diag);
    return rc ? cli_fail_diag(rc, &diag) : CLI_OK;
}

static void print_row(const attn_result_row *r)
{
    const attn_measurement *m = &r->m;
    double bytes = (double)(m->stats.bytes_read + m->stats.bytes_written);
    double model = (double)(r->model_cost.read_bytes + r->model_cost.write_bytes);
    double flops_model = (double)r->model_cost.flops_executed;
    char err[32] = "-", base[32] = "-";
    if (m->validated)
        snprintf(err, sizeof err, "%.2e", m->rel_err);
    if (m->validated && m->has_baseline)
        snprintf(base, sizeof base, "%.2e", m->baseline_err);
    printf("%-10s %-6s %-7s %8lld %10.4f %9.2f %8.2f %12.4g %9.3f %9.3f %9s %9s  %s\n", r->variant,
           r->backend, r->phase == ATTN_PHASE_DECODE ? "decode" : "prefill", (long long)r->seq,
           m->median_s * 1e3, (double)m->stats.flops / m->median_s / 1e9,
           bytes / m->median_s / 1e9, bytes, model > 0 ? bytes / model : 0,
           flops_model > 0 ? (double)m->stats.flops / flops_model : 0, err, base, m->note);
}

/* The row's sim and hw traffic under it: bytes and their ratio to counted, or why not. */
static void print_traffic(const attn_result_row *r)
{
    const char *sources[][2] = {{"sim", r->traffic_sim}, {"hw", r->traffic_hw}};
    double counted = (double)(r->m.stats.bytes_read + r->m.stats.bytes_written);
    double dram = (double)r->model_cost.dram_bytes;
    printf("%36s %-7s %12.4g bytes = %.3f x counted (cache-aware model)\n", "", "dram", dram,
           counted > 0 ? dram / counted : 0);
    for (int i = 0; i < 2; i++) {
        char *end = NULL;
        double bytes = sources[i][1] ? strtod(sources[i][1], &end) : 0;
        if (sources[i][1] && end != sources[i][1])
            printf("%36s %-7s %12.4g bytes = %.3f x counted, %.3f x dram model\n", "",
                   sources[i][0], bytes, counted > 0 ? bytes / counted : 0,
                   dram > 0 ? bytes / dram : 0);
        else if (sources[i][1])
            printf("%36s %-7s %s\n", "", sources[i][0], sources[i][1]);
    }
}

/* Which traffic sources the rows carry, and how sim is set up. */
static void print_sources(const attn_bench_case *c)
{
    attn_sim_result g;
    char why[200];
    printf("traffic: counted (the kernels' own count)");
    if ((c->traffic & ATTN_TRAFFIC_SIM) &&
        !attn_sim_llc_config(c->sim.llc_bytes, &g, why, sizeof why))
        printf(", sim (callgrind: one cold call, 1 thread, LL %llu B %u-way %u B lines)",
               (unsigned long long)g.llc_bytes, g.llc_ways, g.line_bytes);
    else if (c->traffic & ATTN_TRAFFIC_SIM)
        printf(", sim (unavailable: %s)", why);
    if (c->traffic & ATTN_TRAFFIC_HW)
        printf(", hw (cpu: memory-controller CAS counts, system-wide; cuda: the GPU's DRAM "
               "counters through CUPTI)");
    putchar('\n');
}

static int run_case(const bench_options *o, attn_bench_case *c, int *failures)
{
    attn_result_row row;
    attn_traffic_text traffic;
    attn_diag diag = {{0}};
    c->traffic_text = &traffic;
    int rc = attn_bench_run(c, &row, &diag); /* UNSUPPORTED: refused, or tiles too large */
    if (rc == ATTN_ERR_UNSUPPORTED) {
        fprintf(stderr, "attnscope: skipped %s %s n=%lld: %s\n", c->variant, c->backend->name,
                (long long)c->seq, diag.msg);
        return CLI_OK;
    }
    if (rc == ATTN_ERR_NOMEM || rc == ATTN_ERR_IO) {
        ++*failures;
        fprintf(stderr, "attnscope: %s n=%lld: %s\n", c->variant, (long long)c->seq, diag.msg);
        return CLI_OK;
    }
    if (rc) /* the input is wrong (unknown variant, an impossible or oversize shape): stop */
        return cli_fail(CLI_USAGE, "%s n=%lld: %s", c->variant, (long long)c->seq, diag.msg);
    print_row(&row);
    print_traffic(&row);
    if (o->out && (rc = attn_results_append(o->out, &row, 1, &diag)))
        return cli_fail_diag(rc, &diag);
    return CLI_OK;
}

static int run_all(bench_options *o, const attn_model *m)
{
    const char *variants[MAX_LIST];
    size_t nvariants = 0;
    bool all = !o->variant_list || strcmp(o->variant_list, "all") == 0;
    for (char *save = NULL, *v = all ? NULL : strtok_r(o->variant_list, ",", &save); v;
         v = strtok_r(NULL, ",", &save)) {
        if (nvariants == MAX_LIST)
            return cli_fail(CLI_USAGE, "--variant: more than %d variants; run them in parts",
                            MAX_LIST);
        variants[nvariants++] = v;
    }
    for (; all && nvariants < attn_variant_count(); nvariants++) {
        if (nvariants == MAX_LIST)
            return cli_fail(CLI_FAILED, "bench: more than %d registry variants", MAX_LIST);
        variants[nvariants] = attn_variant_name(nvariants);
    }
    bool all_backends = strcmp(o->backend, "all") == 0;
    if (!all_backends && !attn_backend_find(o->backend))
        return cli_fail(CLI_USAGE, "--backend '%s': unknown (attnscope backends lists them)",
                        o->backend);
    print_sources(&o->proto);
    printf("%-10s %-6s %-7s %8s %10s %9s %8s %12s %9s %9s %9s %9s  %s\n", "variant",
           "backend", "phase", "seq", "time ms", "GFLOP/s ex", "GB/s", "bytes cnt", "cnt/model",
           "flop c/m", "rel err", "mean(V)", "note");
    int failures = 0, rc = CLI_OK;
    size_t ran_backends = 0;
    for (size_t b = 0; b < attn_backend_count() && !rc; b++) {
        const attn_backend *backend = attn_backend_at(b);
        char why[200] = "";
        if (!all_backends && strcmp(backend->name, o->backend) != 0)
            continue;
        if (backend->probe(why, sizeof why)) {
            fprintf(stderr, "attnscope: backend %s unavailable: %s\n", backend->name, why);
            continue;
        }
        ran_backends++;
        for (size_t v = 0; v < nvariants && !rc; v++) {
            for (int64_t seq = o->seq.from; seq <= o->seq.to && !rc;
                 seq = cli_lengths_next(&o->seq, seq)) {
                attn_interrupt_pending("not run: %s on %s from n=%lld on, and the variants "
                                       "and backends after it; rows already written%s%s are "
                                       "intact", variants[v], backend->name, (long long)seq,
                                       o->out ? " to " : "", o->out ? o->out : "");
                attn_bench_case c = o->proto;
                c.model = m;
                c.variant = variants[v];
                c.seq = seq;
                c.backend = backend;
                rc = run_case(o, &c, &failures);
            }
        }
    }
    if (!rc && !ran_backends)
        return cli_fail(CLI_FAILED, "bench: no backend could run here; nothing was measured");
    return rc ? rc : (failures ? CLI_FAILED : CLI_OK);
}

int cmd_bench(int argc, char **argv)
{
    /* The process `--traffic sim` runs under valgrind (traffic.h); not for users. */
    if (argc == 3 && strcmp(argv[1], "--sim-child") == 0)
        return attn_sim_child_main(argv[2]);
    bench_options o;
    int rc = parse_bench_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    attn_kernels_set_threads((int)o.threads);
    o.proto.threads = attn_kernels_threads();
    if (o.threads > o.proto.threads)
        fprintf(stderr, "attnscope: --threads %lld: this machine has %d cores; using %d\n",
                (long long)o.threads, o.proto.threads, o.proto.threads);
    o.proto.sram_bytes = o.sram;
    attn_local_roofline(&o.proto.roof_flops, &o.proto.roof_read_bps); /* none: column empty */
    attn_model model;
    attn_diag diag = {{0}};
    if (o.model)
        rc = attn_model_load(o.model, &model, &diag) ? cli_fail_diag(ATTN_ERR_FIELD, &diag) : 0;
    else
        rc = shape_model(&o, &model);
    if (rc)
        return rc;
    rc = run_all(&o, &model);
    attn_model_free(&model);
    return rc;
}
