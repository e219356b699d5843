/* ops.h — one variant's kernels packaged for a backend: make seeded inputs for a problem,
 * run the kernel, run its double reference, release. The variant registry points at one
 * attn_kernel_ops per backend, so the harness never switches on a variant's name.
 */
#ifndef ATTN_OPS_H
#define ATTN_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnscope.h"
#include "kernels.h"

/* What to run: one layer's attention for `batch` sequences. */
typedef struct attn_problem {
    attn_phase phase;
    int64_t batch, heads, kv_heads;
    int64_t n;            /* prefill: tokens; decode: cached tokens t */
    int64_t d_qk, d_v;
    int64_t d_c, d_r, d_n; /* MLA */
    int64_t features;     /* Performer m */
    int64_t rank;         /* low-rank k */
    bool causal;          /* prefill only */
    attn_dtype store;     /* decode cache storage */
    attn_kv_layout kv_layout; /* decode cache: contiguous or paged (blocks scattered at random) */
    int64_t block_size;   /* paged: tokens per block */
    /* decode: [batch] cached tokens of each sequence (1 .. n), as a serving batch mixes them;
     * NULL: n for every sequence. Only kernels with honours_seq_lens take it. */
    const int32_t *seq_lens;
    size_t sram_bytes;    /* flash tiles; 0 = the backend's fast memory (CPU: L2) */
    uint64_t seed;
    /* Inputs: uniform on [-1, 1) (default, logits of std 1/3 after 1/sqrt(d)) or N(0, 1) for
     * q, k, v and the MLA latents (logits of std 1), so an error can be read against the
     * mean-of-V baseline on the same inputs. */
    bool normal_inputs;
} attn_problem;

struct attn_gpu_device;
struct attn_gpu_job;

typedef struct attn_kernel_ops {
    /* Allocates and fills the inputs (and any decode state built from the cached tokens);
     * *out_elems is the output length. */
    int (*setup)(const attn_problem *p, void **work, size_t *out_elems);
    int (*run)(const attn_problem *p, void *work, float *out, attn_kernel_stats *stats);
    int (*reference)(const attn_problem *p, void *work, double *out);
    void (*teardown)(void *work);
    /* NULL, or why this problem cannot run (e.g. low-rank has no causal prefill) */
    const char *(*unsupported)(const attn_problem *p);
    /* GPU ops only (run is NULL there): the job that runs the problem on the inputs setup made
     * (gpu_job.h); ATTN_ERR_UNSUPPORTED when the device cannot hold the tiles. */
    int (*gpu_job)(const attn_problem *p, void *work, const struct attn_gpu_device *device,
                   struct attn_gpu_job *job);
    /* The mean-of-V predictor on the problem's inputs (each query: the mean of the values it
     * sees), so an approximation's error has a yardstick; it draws the inputs itself, without
     * setup's decode state. NULL: none. */
    int (*baseline)(const attn_problem *p, double *out);
    /* true when decode reads its cache in p->store (flash-decoding); otherwise the cache or
     * state is fp32 whatever the store asks, and the harness runs it as fp32 */
    bool honours_store;
    /* GPU ops only: where the job for this problem on `device` re-reads by its tiling (the
     * same plan gpu_job builds from), so the model is evaluated with it; NULL: no re-reads. */
    int (*gpu_tiling)(const attn_problem *p, const struct attn_gpu_device *device,
                      attn_kernel_tiling *out);
    /* NULL, or puts back what a run changes in place (a recurrent decode step's state), so
     * the next run repeats the same step; the harness calls it outside the timed call. */
    void (*rewind)(const attn_problem *p, void *work);
    /* true when decode takes per-sequence lengths (p->seq_lens): flash-decoding on the CPU */
    bool honours_seq_lens;
} attn_kernel_ops;

/* A variant's own kernels (analyzer/variants/meson.build, 'kernels'): kernels/cpu/NAME.c
 * defines attn_cpu_ops_NAME and kernels/gpu/NAME_job.c attn_gpu_ops_NAME; the variant's file and
 * the kernel's file both declare it with ATTN_KERNEL_OPS(cpu, NAME), so no list grows. */
#define ATTN_KERNEL_OPS(kind, name) extern const attn_kernel_ops attn_##kind##_ops_##name

/* The CPU backend's kernels, one per registry variant that has them. */
extern const attn_kernel_ops attn_cpu_ops_standard;
extern const attn_kernel_ops attn_cpu_ops_flash;
extern const attn_kernel_ops attn_cpu_ops_performer;
extern const attn_kernel_ops attn_cpu_ops_lowrank;
extern const attn_kernel_ops attn_cpu_ops_mla;
extern const attn_kernel_ops attn_cpu_ops_mla_naive;

/* The GPU backends' kernels (OpenCL and CUDA run the same jobs). */
extern const attn_kernel_ops attn_gpu_ops_flash;
extern const attn_kernel_ops attn_gpu_ops_standard;
extern const attn_kernel_ops attn_gpu_ops_mla;
extern const attn_kernel_ops attn_gpu_ops_mla_naive;
extern const attn_kernel_ops attn_gpu_ops_performer;
extern const attn_kernel_ops attn_gpu_ops_lowrank;

/* Threads for OpenMP and OpenBLAS alike (threads.c); < 1 leaves them as they are. */
void attn_kernels_set_threads(int threads);
int attn_kernels_threads(void);

/* Seeded uniform inputs in [-scale, scale) (GSL mt19937), for every ops file. */
float *attn_ops_random(size_t count, uint64_t seed, float scale);
/* The problem's inputs: attn_ops_random(count, seed, 1), or N(0, 1) when p->normal_inputs. */
float *attn_ops_inputs(const attn_problem *p, size_t count, uint64_t seed);

#endif
