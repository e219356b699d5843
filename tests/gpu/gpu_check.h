/* gpu_check.h — what the GPU kernel tests share: the backend under test (BACKEND, "opencl" or
 * "cuda", set at build time) and its device, the visible skip when it cannot run here, running
 * a problem and checking its output against a double reference, and the key rows FlashAttention-2
 * loads. Tolerance: |got - ref| <= 1e-5 + 1e-4·|ref| on inputs in [-1, 1].
 */
#ifndef ATTN_TEST_GPU_CHECK_H
#define ATTN_TEST_GPU_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "gpu_job.h"

extern const attn_backend *gpu_backend;
extern attn_gpu_device gpu_device;

/* cmocka group setup: finds and probes BACKEND. */
int gpu_find_backend(void **state);
/* Skips the calling test, with the reason, when the backend cannot run. */
void gpu_require_backend(void);
/* main's exit status: cmocka's, or 77 (meson's "skipped") when the backend was unavailable. */
int gpu_exit_status(int failed);

/* A double reference of a problem's output; NULL = the ops' own. */
typedef int (*gpu_reference_fn)(const attn_problem *p, double *out);

/* Runs p with `ops` on the backend, checks every output element against the reference and
 * returns the run's counted stats. */
attn_kernel_stats gpu_run_and_check(const attn_kernel_ops *ops, const attn_problem *p,
                                    gpu_reference_fn reference, const char *what);

/* "BACKEND prefill b=.. h=.. ..." for failure messages. */
void gpu_describe(const attn_problem *p, char *text, size_t len);

/* Key rows one head's FlashAttention-2 pass loads: every query block of B_r rows loads the key
 * blocks of B_c rows up to the last key its last row sees (all of them when not causal). */
uint64_t gpu_flash_kv_rows(int64_t n, bool causal, int64_t block_rows, int64_t block_cols);

#endif
