/* backend.h — where kernels run (ggml's ggml_backend_i pattern): a table of functions plus a
 * context. The harness only talks to this interface, so a new backend is one file and one
 * line in backends.c, and a backend that is absent here says why in one line.
 */
#ifndef ATTN_BACKEND_H
#define ATTN_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops.h"

/* One device a backend sees, for `attnscope backends`. */
typedef struct attn_backend_device {
    char name[128];
    char detail[128];          /* platform, driver or compute capability */
    unsigned compute_units;    /* SMs, compute units or threads */
    uint64_t local_mem_bytes;  /* per work-group: the "SRAM" of the IO model */
    uint64_t global_mem_bytes;
    size_t max_group_size;     /* work-items per work-group (threads per block) */
    bool selected;             /* the one runs use */
} attn_backend_device;

/* What kernels a backend runs: a variant's cpu_ops, or its gpu_ops (the one OpenCL-C source,
 * which every GPU backend builds). A new GPU backend needs no variant to change. */
typedef enum attn_backend_kind { ATTN_BACKEND_KIND_CPU, ATTN_BACKEND_KIND_GPU } attn_backend_kind;

typedef struct attn_backend {
    const char *name;
    attn_backend_kind kind;
    /* 0 when usable on this machine; otherwise a negative code and why not */
    int (*probe)(char *why, size_t len);
    /* Devices seen (up to max written to list); the number seen, 0 when none. */
    size_t (*devices)(attn_backend_device *list, size_t max);
    /* The fast memory one work-group's tiles may use: the M of the IO model (the CPU's L2, a
     * GPU's local memory); problems default to it. 0 when the backend cannot run. */
    size_t (*sram_bytes)(void);
    /* GPU backends: the device limits their job plans are built from, so the model reads the
     * same blocks (kernel_tiling.c); NULL for other kinds, or NULL returned when unusable. */
    const struct attn_gpu_device *(*gpu_limits)(void);
    /* NULL when this backend runs `ops` (a variant's kernels of its kind; NULL when it has
     * none) on p; otherwise why not, in a few words. Callers ask before they prepare anything,
     * so a problem a backend does not take is skipped, never a failure. */
    const char *(*supports)(const attn_kernel_ops *ops, const attn_problem *p);
    /* Inputs made and placed on the device (setup + upload); *out_elems is the output size. */
    int (*alloc)(void **ctx, const attn_kernel_ops *ops, const attn_problem *p,
                 size_t *out_elems);
    /* One timed call of the kernel; *seconds is the kernel's own time. */
    int (*run)(void *ctx, attn_kernel_stats *stats, double *seconds);
    int (*sync)(void *ctx);
    int (*download)(void *ctx, float *out);
    /* The double reference of the same inputs, on the host. */
    int (*reference)(void *ctx, double *out);
    /* `hw` traffic from the device's own counters: DRAM bytes read and written by one more call
     * of the prepared run (0), or ATTN_ERR_UNSUPPORTED and why. NULL for a backend whose memory
     * is the host's (the CPU: the memory controller's counters, analyzer/traffic_hw.c). */
    int (*hw_traffic)(void *ctx, uint64_t *bytes, char *why, size_t len);
    void (*free)(void *ctx);
} attn_backend;

/* What every backend that runs kernels asks of a problem: a kernel of its kind, one that takes
 * p (low-rank has no causal prefill, ...). NULL, or why not. */
const char *attn_backend_supports_kernels(const attn_kernel_ops *ops, const attn_problem *p);

/* The end of every backend's run, said once: on success the kernel's own seconds are handed
 * back and `rc` returned; a failed call hands back no time. */
int attn_backend_ran(int rc, double elapsed, double *seconds);

/* Every backend compiled in, available or not. */
size_t attn_backend_count(void);
const attn_backend *attn_backend_at(size_t index);
const attn_backend *attn_backend_find(const char *name);

#endif
