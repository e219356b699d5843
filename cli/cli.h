/* cli.h — what the sub-commands share: exit codes, strict flag parsing, number formatting.
 *
 * The front end is thin: flags in, library calls, output out. Every bad flag value ends in
 * one line on stderr naming the flag and the value, and exit status 2.
 */
#ifndef ATTN_CLI_H
#define ATTN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnscope.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

typedef enum { CLI_TABLE, CLI_CSV, CLI_JSON } cli_format;

/* Prints "attnscope: <message>" on stderr and returns `code`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exit status for a library error: input problems are 2, the rest 1. */
int cli_status(int attn_status);
/* Reports a library failure with its diag line (or attn_strerror) and returns cli_status. */
int cli_fail_diag(int attn_status, const attn_diag *diag);

/* Each returns CLI_OK, or prints the problem and returns CLI_USAGE. */
int cli_parse_int(const char *flag, const char *text, int64_t min, int64_t max, int64_t *out);
/* Token counts: plain integers, or with K (x1024) / M (x1048576) as in "32K context". */
int cli_parse_tokens(const char *flag, const char *text, int64_t min, int64_t max, int64_t *out);
int cli_parse_real(const char *flag, const char *text, double min, double max, double *out);
int cli_parse_size(const char *flag, const char *text, uint64_t *out);
int cli_parse_format(const char *text, cli_format *out);
int cli_parse_dtype(const char *flag, const char *text, attn_dtype *out);
/* --phase prefill|decode|train */
int cli_parse_phase(const char *text, attn_phase *out);

/* 1234567 -> "1,234,567" */
const char *cli_group(uint64_t value, char *buf, size_t len);
/* "2,621,440,000 B = 2.621 GB = 2.441 GiB" */
const char *cli_bytes(uint64_t bytes, char *buf, size_t len);

/* Sequence lengths: one (--seq N) or a sweep FROM:TO:xF (geometric) / FROM:TO:+S. */
typedef struct cli_lengths {
    int64_t from, to, step; /* from < 0: not given; step 0: a single length */
    bool multiply;
} cli_lengths;
/* --seq N, with N in [0, max]. */
int cli_parse_length(const char *text, int64_t max, cli_lengths *out);
/* --sweep FROM:TO:xF or FROM:TO:+S, with 1 <= FROM <= TO <= max. */
int cli_parse_sweep(const char *text, int64_t max, cli_lengths *out);
/* The length after n (past `to` when the sweep is done). */
int64_t cli_lengths_next(const cli_lengths *lengths, int64_t n);

/* Walks argv with getopt_long: --help (help_opt) prints usage and returns -1; an unknown
 * option or missing value is a usage error naming it; every other option goes to
 * parse(opt, optarg, ctx), whose non-zero status stops the walk. On CLI_OK, optind is the
 * first operand. */
struct option;
int cli_options(int argc, char **argv, const struct option *options, int help_opt,
                const char *command, const char *usage,
                int (*parse)(int opt, char *arg, void *ctx), void *ctx);

/* The sub-commands (main.c's table), for the generators in cli_generate.c. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;
const cli_command *cli_commands(size_t *count);

/* While set, cli_options stores its option table and usage here and returns -1 without
 * parsing: how the completion and man-page generators read each command's flags. */
typedef struct cli_description {
    const struct option *options;
    const char *usage;
} cli_description;
extern cli_description *cli_describing;

/* The model's context limit (attn_model_context_limit, its derivation into why); when
 * `tokens` is beyond it, one warning line on stderr (context_limit.c). */
int64_t cli_context_limit(const attn_model *model, int64_t tokens, char *why, size_t len);

/* Sub-commands. */
int cmd_kv(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_cost(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv); /* cmd_serve.c */
int cmd_report(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_devices_probe(int argc, char **argv); /* devices --probe (devices_probe.c) */
int cmd_backends(int argc, char **argv);
int cmd_variants(int argc, char **argv);
int cmd_completion(int argc, char **argv); /* cli_generate.c */
int cmd_manpage(int argc, char **argv);    /* cli_generate.c */

#endif
