/* cmd_check.c — `attnscope check CLAIMS.csv [--measure] [--format table|json|md]`: each
 * claim HOLDS or FAILS with the computed value, and a failing one names the assumption that
 * reproduces it. Exit status 0 when every row could be read and computed, 2 otherwise; a
 * claim the model cannot speak to (UNCHECKABLE with its reason) is a verdict, not an error. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_case.h"
#include "claims.h"
#include "cli.h"

static const char CHECK_USAGE[] =
    "usage: attnscope check CLAIMS.csv [--measure] [--format table|json|md]\n"
    "  CLAIMS.csv  id,text,source,metric,model,settings,claimed,tolerance (claims/README.md)\n"
    "  --measure   speedup claims from kernels run on this machine, not the roofline model\n";

static void print_table(const attn_claim_result *r, size_t n, bool markdown)
{
    if (markdown)
        puts("| id | verdict | claimed | computed | explanation |\n|---|---|---|---|---|");
    else
        printf("%-30s %-11s %-16s %-16s %s\n", "id", "verdict", "claimed", "computed",
               "explanation");
    for (size_t i = 0; i < n; i++) {
        char claimed[48] = "", computed[48] = "";
        if (r[i].verdict != ATTN_CLAIM_UNCHECKABLE) {
            attn_claim_format(r[i].claimed, r[i].unit, claimed, sizeof claimed);
            attn_claim_format(r[i].computed, r[i].unit, computed, sizeof computed);
        }
        printf(markdown ? "| %s | %s | %s | %s | %s |\n" : "%-30s %-11s %-16s %-16s %s\n",
               r[i].id, attn_claim_verdict_name(r[i].verdict), claimed, computed,
               r[i].explanation);
    }
}

static int print_json(const attn_claim_result *r, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", r[i].id, "text",
                              r[i].text, "source", r[i].source, "metric", r[i].metric, "verdict",
                              attn_claim_verdict_name(r[i].verdict), "unit", r[i].unit,
                              "explanation", r[i].explanation, "line", (json_int_t)r[i].line);
        if (o && r[i].verdict != ATTN_CLAIM_UNCHECKABLE) {
            json_object_set_new(o, "claimed", json_real((double)r[i].claimed));
            json_object_set_new(o, "computed", json_real((double)r[i].computed));
            json_object_set_new(o, "tolerance", json_real((double)r[i].tolerance));
            json_object_set_new(o, "combinations_tried", json_integer((json_int_t)r[i].tried));
            json_object_set_new(o, "combinations_reproducing",
                                json_integer((json_int_t)r[i].reproducing));
        }
        json_array_append_new(array, o);
    }
    int ok = json_dumpf(array, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF;
    json_decref(array);
    return ok ? CLI_OK : CLI_FAILED;
}

/* Speedup claims under --measure: one layer's kernel on this machine's CPU, median time. */
static int time_on_cpu(const attn_claim_run *run, double *seconds, char *why, size_t len)
{
    attn_bench_case bc = {
        .model = run->model, .variant = run->variant, .phase = run->phase, .seq = run->seq,
        .batch = run->batch, .causal = run->causal, .seed = 1,
        .backend = attn_backend_find("cpu"), .options = {1, 5, 0.2, 0},
        .whatif = {.features = run->features, .rank = run->rank},
    };
    attn_result_row row;
    attn_diag diag = {{0}};
    int rc = attn_bench_run(&bc, &row, &diag);
    if (rc)
        snprintf(why, len, "measuring %s: %s", bc.variant, diag.msg);
    *seconds = row.m.median_s;
    return rc;
}

enum { OPT_MEASURE = 256, OPT_FORMAT, OPT_HELP };
static const struct option check_long_options[] = {
    {"measure", no_argument, NULL, OPT_MEASURE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct check_options {
    attn_claims_options claims;
    const char *format;
} check_options;

static int parse_option(int opt, char *arg, void *ctx)
{
    check_options *o = ctx;
    if (opt == OPT_MEASURE)
        o->claims.measure = time_on_cpu;
    else
        o->format = arg; /* OPT_FORMAT: the only other option */
    return CLI_OK;
}

int cmd_check(int argc, char **argv)
{
    check_options options = {.format = "table"};
    int status = cli_options(argc, argv, check_long_options, OPT_HELP, "check", CHECK_USAGE,
                             parse_option, &options);
    if (status)
        return status < 0 ? CLI_OK : status;
    attn_claims_options o = options.claims;
    const char *format = options.format;
    if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "md"))
        return cli_fail(CLI_USAGE, "--format '%s': expected table, json or md", format);
    if (optind != argc - 1)
        return cli_fail(CLI_USAGE, "check: expected one CLAIMS.csv; see --help");
    attn_claim_result *results = NULL;
    size_t count = 0;
    attn_diag diag = {{0}};
    int rc = attn_claims_check(argv[optind], &o, &results, &count, &diag);
    if (rc)
        return cli_fail_diag(rc, &diag);
    size_t unchecked = 0;
    for (size_t i = 0; i < count; i++) {
        if (results[i].verdict == ATTN_CLAIM_UNCHECKABLE && !results[i].beyond_model) {
            unchecked++;
            fprintf(stderr, "attnscope: claim %s: %s\n", results[i].id, results[i].explanation);
        }
    }
    if (strcmp(format, "json") == 0)
        rc = print_json(results, count);
    else
        print_table(results, count, format[0] == 'm');
    free(results);
    return rc ? rc : (unchecked ? CLI_USAGE : CLI_OK);
}
