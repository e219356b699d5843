/* gpu_job.h — one kernel run described for any GPU backend: which program to build (the -D
 * defines over the one embedded source), which host buffers to upload, which kernels to
 * launch on which buffers, and how the run's counted traffic follows from the tallies the
 * kernels write (kernels/gpu/attention.cl).
 *
 * A variant's GPU ops (ops_gpu_*.c) fill a job from the problem and the device; the OpenCL
 * and CUDA backends execute jobs and know nothing of variants, so a kernel is written once and
 * runs on both. Kernel arguments are buffers only, in the order of `args`.
 */
#ifndef ATTN_GPU_JOB_H
#define ATTN_GPU_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops.h"

enum { ATTN_GPU_MAX_BUFFERS = 12, ATTN_GPU_MAX_LAUNCHES = 4, ATTN_GPU_MAX_ARGS = 8 };
/* A job's -D defines, and a built program's key: the defines plus what a backend adds. */
enum { ATTN_GPU_DEFINES_BYTES = 512, ATTN_GPU_KEY_BYTES = ATTN_GPU_DEFINES_BYTES + 64 };

/* The kernel source, portable.h first (generated from kernels/gpu/ at build time). */
extern const char attn_gpu_source[];

/* What a job may use of the device it will run on. */
typedef struct attn_gpu_device {
    unsigned compute_units;
    uint64_t local_mem_bytes; /* per work-group */
    size_t max_group_size;    /* work-items per work-group */
} attn_gpu_device;

/* Static local memory that every backend can give one work-group: CUDA's 48 KiB limit on
 * __shared__ arrays, and what OpenCL GPUs guarantee in practice. */
#define ATTN_GPU_LOCAL_BYTES_MAX ((uint64_t)48 * 1024)

typedef struct attn_gpu_buffer {
    const void *host; /* uploaded once when the run is prepared; NULL = device-only */
    size_t bytes;
} attn_gpu_buffer;

typedef struct attn_gpu_launch {
    const char *kernel;
    size_t groups[3]; /* work-groups in x, y, z */
    size_t local;     /* work-items per work-group (1-D) */
    int args[ATTN_GPU_MAX_ARGS]; /* buffer indices; nargs of them */
    int nargs;
} attn_gpu_launch;

typedef struct attn_gpu_job {
    char defines[ATTN_GPU_DEFINES_BYTES]; /* "-DNAME=VALUE ..." separated by single spaces */
    attn_gpu_buffer buffers[ATTN_GPU_MAX_BUFFERS];
    int nbuffers;
    attn_gpu_launch launches[ATTN_GPU_MAX_LAUNCHES];
    int nlaunches;
    int output; /* buffer holding O (fp32, out_elems) */
    int tally;  /* buffer of uint32 units loaded per work-group (tally_count of them) */
    size_t tally_count;
    /* counted = base + Σ tally · bytes_per_row read; flops are fixed by the tiling. A unit is
     * a K/V row for the flash kernels, one float for the kernels that tally every load. */
    attn_kernel_stats base;
    uint64_t bytes_per_row;
} attn_gpu_job;

/* Appends " -DNAME=VALUE" (without the leading space on the first). */
void attn_gpu_define(attn_gpu_job *job, const char *name, long long value);
/* A plan's defines as one table, in order: ATTN_GPU_DEFINES(job, {"BR", br}, {"BC", bc}). */
typedef struct attn_gpu_def {
    const char *name;
    long long value;
} attn_gpu_def;
void attn_gpu_define_all(attn_gpu_job *job, const attn_gpu_def *defs, size_t count);
#define ATTN_GPU_DEFINES(job, ...)                                                          \
    attn_gpu_define_all((job), (const attn_gpu_def[]){__VA_ARGS__},                       \
                        sizeof((const attn_gpu_def[]){__VA_ARGS__}) / sizeof(attn_gpu_def))
/* The output buffer (out_bytes, device-only) and `tallies` uint32 counts of floats loaded, one
 * per work-group: what every job whose kernels tally each float they load sets up alike. */
void attn_gpu_job_tallied(attn_gpu_job *job, size_t out_bytes, size_t tallies);
/* The dims as HEADS, KV_HEADS, N_Q, N_KV, D_QK, D_V (ops_gpu_exact.c). */
void attn_gpu_define_dims(attn_gpu_job *job, const attn_dims *d);
/* Adds a buffer; returns its index. */
int attn_gpu_buffer_add(attn_gpu_job *job, const void *host, size_t bytes);
/* Adds a launch of `kernel` on the buffers given (count of them). */
void attn_gpu_launch_add(attn_gpu_job *job, const char *kernel, size_t gx, size_t gy, size_t gz,
                         size_t local, int count, const int *args);
/* The run's stats from the tallies downloaded after it. */
void attn_gpu_job_stats(const attn_gpu_job *job, const uint32_t *tally, attn_kernel_stats *out);

/* The local memory one work-group's tiles may use on `device`: all it has, at most
 * ATTN_GPU_LOCAL_BYTES_MAX. A problem's sram_bytes (0 = this) must not exceed it. */
uint64_t attn_gpu_sram_bytes(const attn_gpu_device *device);

/* ---- what the GPU backends share ---- */

/* The host half of a run: the ops' inputs (setup), the job that runs them, and the tallies. */
typedef struct attn_gpu_host {
    const attn_kernel_ops *ops;
    attn_problem problem;
    void *work;
    attn_gpu_job job;
    size_t out_elems;
    uint32_t *tally; /* job.tally_count, downloaded after each run */
} attn_gpu_host;
/* ATTN_ERR_UNSUPPORTED when the ops have no GPU job or the device cannot hold the tiles. */
int attn_gpu_host_init(attn_gpu_host *host, const attn_kernel_ops *ops, const attn_problem *p,
                       const attn_gpu_device *device);
void attn_gpu_host_free(attn_gpu_host *host);
/* A GPU backend's context begins with its attn_gpu_host, so these two serve every GPU
 * backend: its `reference` (the double reference of the run's inputs, on the host), and the end
 * of its `run` (on success the job's tallies as counts and the device's time; else neither). */
int attn_gpu_host_reference(void *ctx, double *out);
int attn_gpu_host_ran(const attn_gpu_host *host, bool ok, double elapsed,
                      attn_kernel_stats *stats, double *seconds);

/* Built programs (or modules) by their -D defines, kept for the process: PoCL compiles with
 * LLVM and NVRTC is no faster, so every run of one shape shares one build. Never evicts. */
enum { ATTN_GPU_CACHE_SLOTS = 64 };
typedef struct attn_gpu_cache {
    char keys[ATTN_GPU_CACHE_SLOTS][ATTN_GPU_KEY_BYTES];
    void *values[ATTN_GPU_CACHE_SLOTS];
    int count;
} attn_gpu_cache;
void *attn_gpu_cache_find(const attn_gpu_cache *cache, const char *key);
/* false when full: the caller keeps `value` and releases it itself. */
bool attn_gpu_cache_put(attn_gpu_cache *cache, const char *key, void *value);

/* ---- geometry of the exact kernels (ops_gpu_exact.c), for the tests ---- */

/* FlashAttention's tiles for M = the problem's sram_bytes (kernels.h's rule), so that counted
 * traffic is the model's for the same M; ATTN_ERR_UNSUPPORTED when M exceeds
 * attn_gpu_sram_bytes, B_r the prefill work-group size, or the padded tiles the local memory. */
int attn_gpu_flash_tiles(const attn_gpu_device *device, const attn_problem *p,
                         attn_flash_tiles *tiles);

/* Flash-decoding: tokens per tile (a power of two <= 64 whose tiles fit), and the cache of each
 * (sequence, KV head) split into `splits` ranges of split_len tokens, enough for about sixteen
 * work-groups of `threads` (256) per compute unit (measured best on an H100). */
typedef struct attn_gpu_decode_plan {
    int64_t block, splits, split_len, threads;
} attn_gpu_decode_plan;
int attn_gpu_decode_plan_for(const attn_gpu_device *device, const attn_problem *p,
                             attn_gpu_decode_plan *plan);
/* Its tiling (kernel_tiling.h): every split loads its group's queries. */
int attn_gpu_decode_tiling(const attn_problem *p, const attn_gpu_device *device,
                           attn_kernel_tiling *out);

/* Standard (ops_gpu_standard.c): the flash tiles for the scores and PV kernels, and the row
 * softmax's work-items (a power of two) and the row elements each holds. */
typedef struct attn_gpu_standard_plan {
    attn_flash_tiles tiles;
    int64_t softmax_threads, softmax_per;
} attn_gpu_standard_plan;
int attn_gpu_standard_plan_for(const attn_gpu_device *device, const attn_problem *p,
                               attn_gpu_standard_plan *plan);
/* Standard's tallies for d (they come first in job->tally), and its kernels as pieces of a job
 * whose output and tally buffers are set, on q, k, v already added: the defines, S, the
 * launches, and its counts added to job->base. Low-rank runs them on its projected K and V. */
size_t attn_gpu_standard_tallies(const attn_gpu_standard_plan *plan, const attn_dims *d);
void attn_gpu_standard_add(attn_gpu_job *job, const attn_gpu_standard_plan *plan,
                           const attn_dims *d, const int qkv[3]);

/* MLA absorbed (ops_gpu_mla.c): attend blocks of `positions` query positions (`blocks` per
 * sequence) × groups of `group_heads` heads (`head_groups` of them cover the heads; rows =
 * positions · group_heads stacked rows per work-group), each row served by `slices`
 * work-items; latent tiles of `block` rows; the cache cut into `splits` ranges of split_len
 * tokens; absorb and unabsorb take `chunk` positions per pass with `threads` work-items. */
typedef struct attn_gpu_mla_plan {
    int64_t positions, blocks, group_heads, head_groups, rows, slices, block, splits, split_len,
        chunk, threads;
} attn_gpu_mla_plan;
int attn_gpu_mla_plan_for(const attn_gpu_device *device, const attn_problem *p,
                          attn_gpu_mla_plan *plan);
/* MLA naive: latent rows per decompress work-group; 0 when one row's c does not fit. */
int64_t attn_gpu_mla_token_block(const attn_gpu_device *device, const attn_problem *p);

/* Performer (ops_gpu_performer.c): omega rows per chunk (`chunks` of them), key rows per
 * absorb tile, query rows per readout block, work-items (a power of two), the state elements
 * each absorb work-item holds and the [S | z] columns each readout work-item sums. */
typedef struct attn_gpu_performer_plan {
    int64_t chunk, chunks, keys, queries, threads, per, columns;
} attn_gpu_performer_plan;
int attn_gpu_performer_plan_for(const attn_gpu_device *device, const attn_problem *p,
                                attn_gpu_performer_plan *plan);

/* Low-rank (ops_gpu_lowrank.c): projected rows per projection work-group, each work-item
 * holding as many accumulators per column. */
enum { ATTN_GPU_PROJECT_ROWS = 32 };

/* The flash kernels as pieces of a job, on buffers already added (q, k, v fp32 in kernels.h's
 * layouts, or the cache as `store` for decode): the defines, the launches, the tally and the
 * counts of ops_gpu_exact.c. MLA naive runs them on its decompressed heads. */
int attn_gpu_flash_prefill_add(attn_gpu_job *job, const attn_gpu_device *device,
                               const attn_problem *p, const attn_dims *d, const int qkv[3]);
int attn_gpu_decode_add(attn_gpu_job *job, const attn_gpu_device *device, const attn_problem *p,
                        const attn_dims *d, const int qkv[3]);

#endif
