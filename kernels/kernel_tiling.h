/* kernel_tiling.h — the re-reads a backend's kernel will make for a problem (attnscope.h's
 * attn_kernel_tiling), for the model the bench holds the kernel against.
 *
 * A GPU kernel's blocks are chosen from the device (local memory, work-group size, compute
 * units) by the same plan its job is built from (kernels/gpu/ops_gpu_*.c); the CPU kernels read
 * every operand once per head, so their tiling is all zero. One plan, read by both sides: no
 * tile constant is written twice.
 */
#ifndef ATTN_KERNEL_TILING_H
#define ATTN_KERNEL_TILING_H

#include "backend.h"

/* *out for `ops` on `backend`'s selected device; zero when the kernel re-reads nothing (CPU,
 * no device); ATTN_ERR_UNSUPPORTED when the device cannot hold the tiles. */
int attn_kernel_tiling_of(const attn_backend *backend, const attn_kernel_ops *ops,
                          const attn_problem *p, attn_kernel_tiling *out);

#endif
