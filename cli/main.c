/* main.c — the attnscope program: dispatch to one sub-command per file. Ctrl-C is taken
 * by the watcher (interrupt.h) for every command, and a command's output is only a success
 * once stdout took all of it: a full disk or /dev/full is exit 1, never a silent 0. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "interrupt.h"

static int run_command(int (*run)(int, char **), int argc, char **argv)
{
    attn_interrupt_install();
    int rc = run ? run(argc, argv) : CLI_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int err = errno;
        rc = cli_fail(rc ? rc : CLI_FAILED, "cannot write the output: %s",
                      err ? strerror(err) : "write error");
    }
    return rc;
}

static const cli_command commands[] = {
    {"kv", cmd_kv, "KV-cache size of a model for a batch and context, and whether it fits a GPU"},
    {"cost", cmd_cost, "analytic FLOPs, HBM traffic and roofline of prefill or decode, per variant"},
    {"bench", cmd_bench, "run real kernels: time, counted traffic, error vs reference, beside the model"},
    {"plot", cmd_plot, "charts (PNG, SVG, PDF) of KV cache, capacity, FLOPs, traffic, roofline"},
    {"serve", cmd_serve, "serving throughput: decode tokens/s vs batch up to what fits, prefill tokens/s"},
    {"check", cmd_check, "check published claims (CSV); name the assumption behind a wrong one"},
    {"report", cmd_report, "one folder: KV sizing, analytic costs, measured sweep, every plot (HTML, Markdown)"},
    {"models", cmd_models, "list the model presets with their key fields"},
    {"devices", cmd_devices, "list the GPU presets"},
    {"backends", cmd_backends, "where kernels can run here (cpu, opencl, cuda), their devices, why not"},
    {"variants", cmd_variants, "list the attention variants"},
    {"completion", cmd_completion, "bash or zsh completion script, from the option tables"},
    {"manpage", cmd_manpage, "the man page attnscope.1"},
};

const cli_command *cli_commands(size_t *count)
{
    *count = sizeof commands / sizeof commands[0];
    return commands;
}

static void usage(FILE *out)
{
    fputs("usage: attnscope COMMAND [options]   (attnscope COMMAND --help for each)\n\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return run_command(NULL, 0, NULL);
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("attnscope %s\n", ATTN_VERSION);
        return run_command(NULL, 0, NULL);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return run_command(commands[i].run, argc - 1, argv + 1);
    return cli_fail(CLI_USAGE, "unknown command '%s' (attnscope --help lists them)", argv[1]);
}
