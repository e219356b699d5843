/* cuda_cupti.h — the CUDA backend's `hw` traffic: the DRAM bytes one call of a job really
 * moved, read from the GPU's own counters as dram__bytes_read.sum + dram__bytes_write.sum (the
 * metrics Nsight Compute reports) through CUPTI's range profiler. libcupti is loaded at run
 * time like the driver, so a machine without it (or without the right to read the counters:
 * ERR_NVGPUCTRPERM) gets a one-line reason instead of a number.
 */
#ifndef ATTN_CUDA_CUPTI_H
#define ATTN_CUDA_CUPTI_H

#include <cuda.h>
#include <stddef.h>
#include <stdint.h>

/* Runs the work to be measured (launches and waits for it); 0 on success. */
typedef int (*attn_cupti_work)(void *arg);

/* DRAM bytes read plus written on device `device_index` (context ctx, current) while `work`
 * runs: one user range, replayed as many passes as the counters need (work must be
 * repeatable: the kernels overwrite what they write). ATTN_ERR_UNSUPPORTED with why when
 * CUPTI is missing, the counters are not readable, or the work failed under the profiler. */
int attn_cupti_dram_bytes(CUcontext ctx, int device_index, attn_cupti_work work, void *arg,
                          uint64_t *bytes, char *why, size_t len);

#endif
