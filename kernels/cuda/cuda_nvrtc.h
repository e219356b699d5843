/* cuda_nvrtc.h — the CUDA side of "one kernel source": NVRTC, loaded at run time (dlopen),
 * compiles the embedded OpenCL-dialect source (portable.h maps it to CUDA C++) for one
 * architecture. No GPU and no driver are needed, so the compile is tested in CI; a machine
 * without libnvrtc gets a one-line reason.
 */
#ifndef ATTN_CUDA_NVRTC_H
#define ATTN_CUDA_NVRTC_H

#include <stdbool.h>
#include <stddef.h>

#include "gpu_job.h"

/* 0 when libnvrtc could be loaded; otherwise a negative code and why not. */
int attn_nvrtc_load(char *why, size_t len);
/* Compiles attn_gpu_source with `defines` ("-DA=1 -DB=2") for `arch` ("sm_90"): PTX when `ptx`,
 * else a cubin. *image is malloc'd (the caller frees it), *size its bytes (PTX: with the NUL).
 * On failure `why` holds the start of the compiler log. */
int attn_nvrtc_compile(const char *defines, const char *arch, bool ptx, char **image,
                       size_t *size, char *why, size_t len);
/* A job's defines for NVRTC: its own plus -DATTN_MAX_LOCAL (portable.h's launch bounds) = its
 * largest work-group. ATTN_ERR_RANGE when they do not fit in `len`. */
int attn_nvrtc_job_defines(const attn_gpu_job *job, char *defines, size_t len);

#endif
