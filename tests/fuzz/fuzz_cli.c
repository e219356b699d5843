/* fuzz_cli.c — libFuzzer harness for the command-line parser (analyzer/cli/cli_util.c and
 * a whole sub-command's flag handling, `attnscope kv`, which is analytic and fast).
 *
 * The bytes are split at NULs or newlines into arguments. Each argument goes through every
 * flag-value parser, whose answers must keep their promises (in range when accepted; a
 * sweep that ends); then the arguments run as `attnscope kv ARGS...`, whose exit status
 * must be 0, 1 or 2. stdout goes to /dev/null; stderr stays, since libFuzzer reports there.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_ARGS = 32 };

static void parse_each(const char *arg)
{
    int64_t v = 0;
    if (cli_parse_int("--x", arg, -5, 1000, &v) == CLI_OK && (v < -5 || v > 1000))
        abort();
    if (cli_parse_tokens("--x", arg, 1, INT64_C(1) << 40, &v) == CLI_OK &&
        (v < 1 || v > (INT64_C(1) << 40)))
        abort();
    double d = 0;
    if (cli_parse_real("--x", arg, 0, 1, &d) == CLI_OK && !(d >= 0 && d <= 1))
        abort();
    uint64_t bytes = 0;
    if (cli_parse_size("--x", arg, &bytes) == CLI_OK && bytes == 0)
        abort();
    cli_lengths lengths;
    if (cli_parse_sweep(arg, INT64_C(1) << 40, &lengths) == CLI_OK) {
        size_t points = 0;
        for (int64_t n = lengths.from; n <= lengths.to; n = cli_lengths_next(&lengths, n))
            if (++points > 64 && lengths.multiply)
                abort(); /* a geometric sweep of factor >= 2 has at most 41 points here */
            else if (points > 4096)
                break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        quiet = true;
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2] = {"kv"};
    int argc = 1;
    for (size_t start = 0; start <= size && argc <= MAX_ARGS; argc++) {
        argv[argc] = text + start;
        size_t len = strcspn(text + start, "\n");
        text[start + len] = '\0';
        parse_each(argv[argc]);
        start += len + 1;
    }
    argv[argc] = NULL;
    int rc = cmd_kv(argc, argv);
    fflush(stdout);
    clearerr(stdout);
    free(text);
    if (rc != CLI_OK && rc != CLI_FAILED && rc != CLI_USAGE)
        abort();
    return 0;
}
