/* traffic.h — DRAM traffic measured from outside the kernels' own counters (DESIGN.md,
 * "Measurement"): `sim`, a cache simulation of one kernel call under valgrind, and `hw`, the
 * memory controller's own counters. Each answers with bytes or with why it cannot; neither
 * ever guesses.
 *
 * sim runs `EXE bench --sim-child SPEC` under callgrind (traffic_sim.c); the child
 * (sim_child.c) makes the inputs, evicts every cache line, runs the kernel once with event
 * collection on (and dumps its counts), then evicts again with collection on so that the
 * dirty lines the call left behind are counted as the write-backs they will become. Callgrind rather than cachegrind
 * because valgrind 3.19 (Debian 12) has no cachegrind client requests, while callgrind can
 * switch collection on for named functions (--toggle-collect) and simulates write-backs
 * (--simulate-wb). The child runs one thread: callgrind collects per thread, and valgrind
 * serialises threads anyway.
 */
#ifndef ATTN_TRAFFIC_H
#define ATTN_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "attnscope.h"
#include "backend.h"

/* ---- sim: callgrind cache simulation ----------------------------------------------------- */

typedef struct attn_sim_options {
    const char *exe;     /* a program that understands `bench --sim-child` (NULL: this one) */
    uint64_t llc_bytes;  /* simulated last-level cache; 0 = this machine's (sysfs) */
} attn_sim_options;

typedef struct attn_sim_result {
    uint64_t read_bytes;   /* LL misses (read, write-allocate fills, instruction) x line */
    uint64_t write_bytes;  /* dirty LL lines written back, during the call or left at its end */
    uint64_t llc_bytes;    /* the simulated last level: size, ways, line */
    unsigned llc_ways, line_bytes;
} attn_sim_result;

/* Simulates one call of `variant`'s CPU kernel on p. ATTN_ERR_UNSUPPORTED with the reason in
 * why (valgrind absent, no CPU kernel, an LL size valgrind cannot model, the child failed). */
int attn_traffic_sim(const char *variant, const attn_problem *p, const attn_sim_options *o,
                     attn_sim_result *out, char *why, size_t len);

/* The LL geometry a simulation of `llc_bytes` (0: this machine's) would use, as
 * "262144,16,64" for valgrind's --LL; ATTN_ERR_RANGE with why when it cannot be modelled. */
int attn_sim_llc_config(uint64_t llc_bytes, attn_sim_result *geometry, char *why, size_t len);

/* The child side: SPEC is what attn_traffic_sim passes; returns the process exit status. */
int attn_sim_child_main(const char *spec);
/* "variant,phase,batch,..." for the child's argv; ATTN_ERR_RANGE when it does not fit. */
int attn_sim_spec_format(const char *variant, const attn_problem *p, char *spec, size_t len);

/* ---- hw: memory-controller counters ------------------------------------------------------ */

/* 0 when this machine's memory-controller counters can be read; otherwise
 * ATTN_ERR_UNSUPPORTED and why ("no uncore_imc PMU in /sys/bus/event_source/devices ..."). */
int attn_traffic_hw_probe(char *why, size_t len);

/* DRAM bytes read and written during one call of the kernel on p (after one warm-up call):
 * system-wide host DRAM for the CPU backend, the device's own DRAM for a backend that reads
 * its counters (CUDA: CUPTI). ATTN_ERR_UNSUPPORTED with why when unavailable. */
int attn_traffic_hw(const attn_backend *backend, const attn_kernel_ops *ops,
                    const attn_problem *p, uint64_t *bytes, char *why, size_t len);

#endif
