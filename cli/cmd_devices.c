/* cmd_devices.c — `attnscope devices`: the GPU presets and their cited numbers, and the
 * probed `local` one when there is one (devices --probe: devices_probe.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "presets.h"

static json_t *devices_json; /* --format json: one object per preset, else NULL (table) */

static int print_device(const char *name, const char *path, void *user)
{
    int *failures = user;
    attn_device d;
    attn_diag diag = {{0}};
    if (attn_device_load(path, &d, &diag)) {
        ++*failures;
        fprintf(stderr, "attnscope: %s\n", diag.msg);
        return 0;
    }
    if (devices_json) {
        /* null, not 0, where no L2 bandwidth is cited: the chart then draws no L2 roof */
        json_array_append_new(devices_json, json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:I, s:I, s:I, s:o}", "name", name,
            "description", d.description, "config", path, "memory_bytes",
            (json_int_t)d.memory_bytes, "memory_exposed_bytes", (json_int_t)d.memory_exposed_bytes,
            "bandwidth_bytes_per_s", d.bandwidth_bytes_per_s, "peak_flops_fp16",
            d.peak_flops_fp16, "peak_flops_fp32", d.peak_flops_fp32, "shared_mem_per_sm_bytes",
            (json_int_t)d.shared_mem_per_sm_bytes, "sm_count", (json_int_t)d.sm_count,
            "l2_bytes", (json_int_t)d.l2_bytes, "l2_bandwidth_bytes_per_s",
            d.l2_bandwidth_bytes_per_s > 0 ? json_real(d.l2_bandwidth_bytes_per_s) : json_null()));
        return 0;
    }
    char l2[16] = "-";
    if (d.l2_bandwidth_bytes_per_s > 0)
        snprintf(l2, sizeof l2, "%.2f", d.l2_bandwidth_bytes_per_s / 1e12);
    printf("%-10s %-34s %9.1f %9.2f %7.2f %8.1f %8llu %5lld %7s\n", name, d.description,
           (double)d.memory_bytes / 1073741824.0,
           (double)d.memory_exposed_bytes / 1073741824.0, d.bandwidth_bytes_per_s / 1e12,
           d.peak_flops_fp16 / 1e12, (unsigned long long)(d.shared_mem_per_sm_bytes / 1024),
           (long long)d.sm_count, l2);
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope devices [--format json] [--probe [--threads N]]\n  lists the GPU presets "
             "(models/devices/*.json; each number's source is in its file)\n  --probe "
             "measures this machine (SGEMM, FMA loop, STREAM, caches) and saves it as the "
             "preset\n          'local' ($ATTNSCOPE_LOCAL_DEVICE or "
             "~/.config/attnscope/devices/local.json)");
        return CLI_OK;
    }
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--probe") == 0)
            return cmd_devices_probe(argc, argv);
    if (argc == 3 && strcmp(argv[1], "--format") == 0 && strcmp(argv[2], "json") == 0) {
        int failures = 0;
        devices_json = json_array();
        int rc = attn_device_foreach(print_device, &failures) < 0
                     ? cli_fail(CLI_FAILED, "devices: cannot read the preset directory")
                     : CLI_OK;
        if (!rc && (json_dumpf(devices_json, stdout, JSON_INDENT(2)) ||
                    fputc('\n', stdout) == EOF || fflush(stdout)))
            rc = CLI_FAILED;
        json_decref(devices_json);
        devices_json = NULL;
        return rc ? rc : failures ? CLI_FAILED : CLI_OK;
    }
    if (argc > 1)
        return cli_fail(CLI_USAGE, "devices: unexpected argument '%s'", argv[1]);
    printf("%-10s %-34s %9s %9s %7s %8s %8s %5s %7s\n", "preset", "device", "mem GiB", "exposed",
           "TB/s", "TFLOP/s", "smem KiB", "SMs", "L2 TB/s");
    int failures = 0;
    if (attn_device_foreach(print_device, &failures) < 0)
        return cli_fail(CLI_FAILED, "devices: cannot read the preset directory");
    char local[1024];
    struct stat st;
    if (!attn_local_device_path(local, sizeof local, NULL) && stat(local, &st) == 0)
        print_device("local", local, &failures); /* this machine, from devices --probe */
    puts("(exposed: GiB the driver reports as total, what engines size against; TFLOP/s: dense "
         "fp16/bf16 tensor; smem: shared memory per SM / LDS per CU; L2 TB/s: measured L2 read "
         "bandwidth, '-' where none is cited)");
    return failures ? CLI_FAILED : CLI_OK;
}
