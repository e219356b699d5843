/* cmd_backends.c — `attnscope backends`: every backend compiled in (or left out), whether it
 * can run here, its devices, and for the ones that cannot, the one-line reason. */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "cli.h"

enum { MAX_DEVICES = 16 };

static void print_devices(const attn_backend *b)
{
    attn_backend_device devices[MAX_DEVICES];
    size_t count = b->devices(devices, MAX_DEVICES);
    for (size_t i = 0; i < count && i < MAX_DEVICES; i++) {
        const attn_backend_device *d = &devices[i];
        printf("  %c %zu  %-40s %4u CUs  local %7.1f KiB  memory %6.1f GiB  %s\n",
               d->selected ? '*' : ' ', i, d->name, d->compute_units,
               (double)d->local_mem_bytes / 1024.0, (double)d->global_mem_bytes / 1073741824.0,
               d->detail);
    }
}

int cmd_backends(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope backends\n  lists the backends, whether each can run here (and "
             "why not), and their devices;\n  * marks the device runs use "
             "(ATTNSCOPE_OPENCL_DEVICE, ATTNSCOPE_CUDA_DEVICE or bench --device-index)");
        return CLI_OK;
    }
    if (argc > 1)
        return cli_fail(CLI_USAGE, "backends: unexpected argument '%s'", argv[1]);
    for (size_t i = 0; i < attn_backend_count(); i++) {
        const attn_backend *b = attn_backend_at(i);
        char why[200] = "";
        if (b->probe(why, sizeof why))
            printf("%-7s unavailable: %s\n", b->name, why);
        else
            printf("%-7s available\n", b->name);
        print_devices(b);
    }
    return CLI_OK;
}
