/* cmd_check.c — `attnscope check CLAIMS.csv [--measure] [--format table|json|md]`: each
 * claim HOLDS or FAILS with the computed value, and a failing one names the assumption that
 * reproduces it. Exit status 0 when every row could be read and computed, 2 otherwise; a
 * claim the model cannot speak to (UNCHECKABLE with its reason) is a verdict, not an error.
 * Rows are printed as they are checked, so a million-row file needs no more memory than one. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "bench_case.h"
#include "claims.h"
#include "cli.h"

static const char CHECK_USAGE[] =
    "usage: attnscope check CLAIMS.csv [--measure] [--format table|json|md]\n"
    "  CLAIMS.csv  id,text,source,metric,model,settings,claimed,tolerance (claims/README.md)\n"
    "  --measure   speedup claims from kernels run on this machine, not the roofline model\n";

/* A cell from the claims file, safe on a terminal and in a Markdown table: control
 * characters (ESC, newlines) as \xNN, and in Markdown '|' as \|. */
static const char *escaped(const char *text, bool markdown, char *buf, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && o + 5 < len; p++) {
        if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p);
        else {
            if (markdown && *p == '|')
                buf[o++] = '\\';
            buf[o++] = (char)*p;
        }
    }
    buf[o] = '\0';
    return buf;
}

typedef struct check_output {
    enum { OUT_TABLE, OUT_MD, OUT_JSON } format;
    size_t rows, unchecked;
} check_output;

static void print_header(const check_output *out)
{
    if (out->format == OUT_MD)
        puts("| id | verdict | claimed | computed | explanation |\n|---|---|---|---|---|");
    else if (out->format == OUT_TABLE)
        printf("%-30s %-11s %-16s %-16s %s\n", "id", "verdict", "claimed", "computed",
               "explanation");
}

static void print_row(const attn_claim_result *r, bool markdown)
{
    char claimed[48] = "", computed[48] = "", id[4 * sizeof r->id], why[4 * sizeof r->explanation];
    if (r->verdict != ATTN_CLAIM_UNCHECKABLE) {
        attn_claim_format(r->claimed, r->unit, claimed, sizeof claimed);
        attn_claim_format(r->computed, r->unit, computed, sizeof computed);
    }
    printf(markdown ? "| %s | %s | %s | %s | %s |\n" : "%-30s %-11s %-16s %-16s %s\n",
           escaped(r->id, markdown, id, sizeof id), attn_claim_verdict_name(r->verdict), claimed,
           computed, escaped(r->explanation, markdown, why, sizeof why));
}

/* One JSON object per row, written as it comes; a row jansson refuses is an error, never a
 * silent gap (the strings are valid UTF-8 by construction, utf8_text.h). */
static int print_json_row(const attn_claim_result *r, bool first)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", r->id, "text",
                          r->text, "source", r->source, "metric", r->metric, "verdict",
                          attn_claim_verdict_name(r->verdict), "unit", r->unit, "explanation",
                          r->explanation, "line", (json_int_t)r->line);
    if (!o)
        return cli_fail(CLI_FAILED, "claim at line %zu: cannot be written as JSON", r->line);
    if (r->verdict != ATTN_CLAIM_UNCHECKABLE) {
        json_object_set_new(o, "claimed", json_real((double)r->claimed));
        json_object_set_new(o, "computed", json_real((double)r->computed));
        json_object_set_new(o, "tolerance", json_real((double)r->tolerance));
        json_object_set_new(o, "combinations_tried", json_integer((json_int_t)r->tried));
        json_object_set_new(o, "combinations_reproducing",
                            json_integer((json_int_t)r->reproducing));
    }
    fputs(first ? "[\n" : ",\n", stdout);
    int ok = json_dumpf(o, stdout, JSON_INDENT(2)) == 0;
    json_decref(o);
    return ok ? CLI_OK : cli_fail(CLI_FAILED, "claim at line %zu: cannot be written", r->line);
}

static int on_result(void *user, const attn_claim_result *r)
{
    check_output *out = user;
    if (r->verdict == ATTN_CLAIM_UNCHECKABLE && !r->beyond_model) {
        char id[4 * sizeof r->id], why[4 * sizeof r->explanation];
        out->unchecked++;
        fprintf(stderr, "attnscope: claim %s: %s\n", escaped(r->id, false, id, sizeof id),
                escaped(r->explanation, false, why, sizeof why));
    }
    if (out->format == OUT_JSON)
        return print_json_row(r, out->rows++ == 0) ? ATTN_ERR_IO : ATTN_OK;
    if (out->rows++ == 0)
        print_header(out);
    print_row(r, out->format == OUT_MD);
    return ATTN_OK;
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
    attn_result_row row = {0};
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
    check_output out = {format[0] == 'j' ? OUT_JSON : format[0] == 'm' ? OUT_MD : OUT_TABLE, 0, 0};
    attn_diag diag = {{0}};
    int rc = attn_claims_each(argv[optind], &o, on_result, &out, &diag);
    /* rows already printed stay well-formed: a JSON array is closed even when the file
     * turned out bad further down (the exit status says so) */
    if (out.format == OUT_JSON && (out.rows || !rc))
        fputs(out.rows ? "\n]\n" : "[]\n", stdout);
    else if (!out.rows && !rc)
        print_header(&out);
    if (rc == ATTN_ERR_IO && !diag.msg[0])
        return CLI_FAILED; /* a row could not be written; on_result said why */
    if (rc)
        return cli_fail_diag(rc, &diag);
    return out.unchecked ? CLI_USAGE : CLI_OK;
}
