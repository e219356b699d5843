/* cli_util.c — strict parsing of flag values and the shared error and number formats.
 *
 * strtoll alone accepts "12abc", " 12" and silently saturates; these reject all of that, so
 * a typo never becomes a plausible-looking answer.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("attnscope: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_status(int attn_status)
{
    switch (attn_status) {
    case ATTN_OK: return CLI_OK;
    case ATTN_ERR_NOMEM: return CLI_FAILED;
    default: return CLI_USAGE;
    }
}

int cli_fail_diag(int attn_status, const attn_diag *diag)
{
    if (diag && diag->msg[0])
        return cli_fail(cli_status(attn_status), "%s", diag->msg);
    return cli_fail(cli_status(attn_status), "%s", attn_strerror(attn_status));
}

static int parse_scaled(const char *flag, const char *text, int64_t min, int64_t max,
                        bool token_suffixes, int64_t *out)
{
    const char *p = text;
    if (!isdigit((unsigned char)*p))
        goto bad;
    errno = 0;
    char *end = NULL;
    long long value = strtoll(p, &end, 10);
    if (errno == ERANGE)
        goto bad;
    int64_t scale = 1;
    if (token_suffixes && (*end == 'k' || *end == 'K'))
        scale = INT64_C(1) << 10, end++;
    else if (token_suffixes && (*end == 'm' || *end == 'M'))
        scale = INT64_C(1) << 20, end++;
    if (*end != '\0' || __builtin_mul_overflow(value, scale, &value))
        goto bad;
    if (value < min || value > max)
        return cli_fail(CLI_USAGE, "%s '%s': must be between %lld and %lld", flag, text,
                        (long long)min, (long long)max);
    *out = value;
    return CLI_OK;
bad:
    return cli_fail(CLI_USAGE, "%s '%s': expected a whole number%s", flag, text,
                    token_suffixes ? " (K = 1024 and M = 1048576 allowed)" : "");
}

int cli_parse_int(const char *flag, const char *text, int64_t min, int64_t max, int64_t *out)
{
    return parse_scaled(flag, text, min, max, false, out);
}

int cli_parse_tokens(const char *flag, const char *text, int64_t min, int64_t max, int64_t *out)
{
    return parse_scaled(flag, text, min, max, true, out);
}

int cli_parse_real(const char *flag, const char *text, double min, double max, double *out)
{
    errno = 0;
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(value))
        return cli_fail(CLI_USAGE, "%s '%s': expected a number", flag, text);
    if (value < min || value > max)
        return cli_fail(CLI_USAGE, "%s '%s': must be between %g and %g", flag, text, min, max);
    *out = value;
    return CLI_OK;
}

int cli_parse_size(const char *flag, const char *text, uint64_t *out)
{
    int rc = attn_size_parse(text, out);
    if (rc == ATTN_OK && *out == 0)
        rc = ATTN_ERR_RANGE;
    if (rc == ATTN_OK)
        return CLI_OK;
    return cli_fail(CLI_USAGE,
                    "%s '%s': expected a positive size such as 80GiB or 141GB "
                    "(units B, KB, KiB, MB, MiB, GB, GiB, TB, TiB)%s",
                    flag, text, rc == ATTN_ERR_OVERFLOW ? "; this one exceeds 2^64 bytes" : "");
}

int cli_parse_format(const char *text, cli_format *out)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (cli_format)i;
            return CLI_OK;
        }
    }
    return cli_fail(CLI_USAGE, "--format '%s': expected table, csv or json", text);
}

int cli_parse_dtype(const char *flag, const char *text, attn_dtype *out)
{
    if (attn_dtype_parse(text, out) == ATTN_OK)
        return CLI_OK;
    return cli_fail(CLI_USAGE, "%s '%s': unknown precision (fp32, fp16, bf16, fp8, int8, int4)",
                    flag, text);
}

int cli_parse_phase(const char *text, attn_phase *out)
{
    if (strcmp(text, "prefill") && strcmp(text, "decode") && strcmp(text, "train"))
        return cli_fail(CLI_USAGE, "--phase '%s': expected prefill, decode or train", text);
    *out = text[0] == 'd' ? ATTN_PHASE_DECODE
                          : text[0] == 't' ? ATTN_PHASE_TRAIN : ATTN_PHASE_PREFILL;
    return CLI_OK;
}

const char *cli_group(uint64_t value, char *buf, size_t len)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)value);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *cli_bytes(uint64_t bytes, char *buf, size_t len)
{
    char grouped[40];
    snprintf(buf, len, "%s B = %.4g GB = %.4g GiB", cli_group(bytes, grouped, sizeof grouped),
             (double)bytes / 1e9, (double)bytes / 1073741824.0);
    return buf;
}

/* Set by cli_generate.c while it asks a command for its option table (cli.h). */
cli_description *cli_describing;

int cli_options(int argc, char **argv, const struct option *options, int help_opt,
                const char *command, const char *usage,
                int (*parse)(int opt, char *arg, void *ctx), void *ctx)
{
    if (cli_describing) {
        cli_describing->options = options;
        cli_describing->usage = usage;
        return -1;
    }
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == help_opt) {
            fputs(usage, stdout);
            return -1;
        }
        if (opt == '?')
            return cli_fail(CLI_USAGE, "%s: unknown option or missing value: '%s'", command,
                            argv[optind - 1]);
        int rc = parse(opt, optarg, ctx);
        if (rc)
            return rc;
    }
    return CLI_OK;
}

int cli_parse_length(const char *text, int64_t max, cli_lengths *out)
{
    out->step = 0;
    int rc = cli_parse_tokens("--seq", text, 0, max, &out->from);
    out->to = out->from;
    return rc;
}

int cli_parse_sweep(const char *text, int64_t max, cli_lengths *out)
{
    char from[32], to[32], step[32];
    if (strlen(text) >= 32 || sscanf(text, "%31[^:]:%31[^:]:%31s", from, to, step) != 3 ||
        (step[0] != 'x' && step[0] != '+'))
        return cli_fail(CLI_USAGE, "--sweep '%s': expected FROM:TO:xFACTOR or FROM:TO:+STEP",
                        text);
    out->multiply = step[0] == 'x';
    int rc = cli_parse_tokens("--sweep FROM", from, 1, max, &out->from);
    if (!rc)
        rc = cli_parse_tokens("--sweep TO", to, out->from, max, &out->to);
    if (!rc)
        rc = cli_parse_tokens("--sweep step", step + 1, out->multiply ? 2 : 1, max, &out->step);
    return rc;
}

int64_t cli_lengths_next(const cli_lengths *l, int64_t n)
{
    if (!l->step)
        return l->to + 1;
    return l->multiply ? n * l->step : n + l->step;
}
