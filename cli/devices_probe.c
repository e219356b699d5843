/* devices_probe.c — `attnscope devices --probe`: measure this machine's roofline (probe.h),
 * print every number with its spread and the bound it must respect, and save it as the
 * `local` device preset for cost, plot roofline and report (--device local).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ops.h"
#include "presets.h"
#include "probe.h"

static void print_spread(const char *what, attn_spread s, double unit, const char *units,
                         const char *detail)
{
    printf("%-12s %9.2f %s median (min %.2f, max %.2f over %d)  %s\n", what, s.median / unit,
           units, s.min / unit, s.max / unit, s.repeats, detail);
}

static void print_probe(const attn_probe *p)
{
    char detail[160];
    printf("cpu          %s, %d threads\n", p->cpu_model, p->threads);
    printf("clock        %.3f GHz reported (%s), %.3f GHz measured (dependent adds)\n",
           p->reported_clock_hz / 1e9, p->clock_source[0] ? p->clock_source : "none",
           p->measured_clock_hz / 1e9);
    snprintf(detail, sizeof detail, "%s, %d fp32 lanes", p->isa, p->lanes);
    print_spread("FMA loop", p->fma, 1e9, "GFLOP/s", detail);
    snprintf(detail, sizeof detail, "OpenBLAS, n = %lld", (long long)p->sgemm_n);
    print_spread("SGEMM", p->sgemm, 1e9, "GFLOP/s", detail);
    printf("bound        %9.2f GFLOP/s = %d threads x %.3f GHz x %d lanes x 2 (FMA) x 2 "
           "(FMA pipes)%s\n", p->flops_bound / 1e9, p->threads, p->clock_hz / 1e9, p->lanes,
           p->fma.max > p->flops_bound || p->sgemm.max > p->flops_bound ? "  EXCEEDED" : "");
    snprintf(detail, sizeof detail, "arrays of %llu MiB", (unsigned long long)(p->stream_bytes >> 20));
    print_spread("STREAM read", p->read, 1e9, "GB/s", detail);
    print_spread("STREAM copy", p->copy, 1e9, "GB/s", "");
    print_spread("STREAM triad", p->triad, 1e9, "GB/s", "");
    printf("caches      ");
    for (size_t i = 0; i < p->ncaches; i++)
        printf(" L%d%s %zu KiB %u-way %u B%s", p->caches[i].level,
               p->caches[i].type == 'D' ? "d" : p->caches[i].type == 'I' ? "i" : "",
               p->caches[i].bytes >> 10, p->caches[i].ways, p->caches[i].line_bytes,
               i + 1 < p->ncaches ? ";" : "");
    printf("%s\n", p->ncaches ? "" : " none in sysfs");
    for (size_t i = 0; i < p->ncaches && i < 16; i++) {
        if (!p->level_bytes[i])
            continue;
        char what[16];
        snprintf(what, sizeof what, "L%d read", p->caches[i].level);
        snprintf(detail, sizeof detail, "%llu KiB in all, in L%d",
                 (unsigned long long)(p->level_bytes[i] >> 10), p->caches[i].level);
        print_spread(what, p->level_read[i], 1e9, "GB/s", detail);
    }
}

int cmd_devices_probe(int argc, char **argv)
{
    static const struct option options[] = {{"probe", no_argument, NULL, 'p'},
                                            {"threads", required_argument, NULL, 't'},
                                            {NULL, 0, NULL, 0}};
    int64_t threads = 0;
    int opt, rc;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1)
        if (opt == 't' && (rc = cli_parse_int("--threads", optarg, 1, 1024, &threads)))
            return rc;
        else if (opt == '?')
            return cli_fail(CLI_USAGE, "devices --probe: unknown option or missing value: '%s'",
                            argv[optind - 1]);
    if (optind != argc)
        return cli_fail(CLI_USAGE, "devices --probe: unexpected argument '%s'", argv[optind]);
    attn_kernels_set_threads((int)threads);
    char path[1024];
    attn_diag diag = {{0}};
    attn_probe probe;
    if ((rc = attn_local_device_path(path, sizeof path, &diag)) ||
        (rc = attn_probe_run(&probe, &diag)))
        return cli_fail_diag(rc, &diag);
    print_probe(&probe);
    if ((rc = attn_probe_save(&probe, path, &diag)))
        return cli_fail_diag(rc, &diag);
    printf("saved        %s  (use it as --device local)\n", path);
    return CLI_OK;
}
