/* bench_preflight.h — will a benchmark run fit in memory? Asked before anything is allocated,
 * so a shape that needs more than the machine has is refused with the number instead of being
 * allocated, swapped, or wrapped past 2^64 (a heap overflow). */
#ifndef ATTN_BENCH_PREFLIGHT_H
#define ATTN_BENCH_PREFLIGHT_H

#include "attnscope.h"
#include "ops.h"

/* The bytes the run touches: fp32 inputs and outputs of the problem, the model's working
 * memory (`extra_bytes`, e.g. standard attention's N x N scores) and, when validating, the
 * double reference output. Exact in long double; never wraps. */
long double attn_bench_bytes(const attn_problem *p, const attn_cost *model, bool validate);
/* ATTN_ERR_RANGE with the numbers when attn_bench_bytes exceeds what this process may use:
 * MemAvailable (/proc/meminfo) and the address-space limit (ulimit -v). */
int attn_bench_preflight(const attn_problem *p, const attn_cost *model, bool validate,
                         attn_diag *diag);

#endif
