/* sim_child.c — the process callgrind watches for `sim` traffic (see traffic.h).
 *
 * It makes the inputs, then calls functions whose names the parent passes to callgrind:
 * attn_sim_evict_before (not collected) reads a buffer twice the simulated last-level cache so
 * that the call starts cold and clean; attn_sim_kernel_call (collected) is the one measured
 * call; entering attn_sim_dump writes its counts to the first dump file; attn_sim_evict_after
 * (collected, in the final file) evicts again, so its write-back events are the dirty lines
 * the call left behind. The dump point is a function of its own because callgrind 3.19 lost
 * the counts of a function given both --toggle-collect and --dump-before/after. The buffer
 * comes from mmap and is only read, so the evictions add no dirty lines of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "traffic.h"
#include "variant.h"

enum { SPEC_FIELDS = 18 };

int attn_sim_spec_format(const char *variant, const attn_problem *p, char *spec, size_t len)
{
    int n = snprintf(spec, len,
                     "%s,%d,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%d,%d,%zu,%llu,%d,%lld",
                     variant, (int)p->phase, (long long)p->batch, (long long)p->heads,
                     (long long)p->kv_heads, (long long)p->n, (long long)p->d_qk,
                     (long long)p->d_v, (long long)p->d_c, (long long)p->d_r, (long long)p->d_n,
                     (long long)p->features, (long long)p->rank, (int)p->causal, (int)p->store,
                     p->sram_bytes, (unsigned long long)p->seed, (int)p->kv_layout,
                     (long long)p->block_size);
    return n > 0 && (size_t)n < len && !strchr(variant, ',') ? ATTN_OK : ATTN_ERR_RANGE;
}

static int spec_parse(const char *spec, char *variant, size_t len, attn_problem *p)
{
    const char *comma = strchr(spec, ',');
    if (!comma || (size_t)(comma - spec) >= len)
        return ATTN_ERR_PARSE;
    memcpy(variant, spec, (size_t)(comma - spec));
    variant[comma - spec] = '\0';
    long long v[SPEC_FIELDS];
    const char *s = comma + 1;
    for (int i = 0; i < SPEC_FIELDS; i++) {
        char *end;
        v[i] = strtoll(s, &end, 10);
        if (end == s || *end != (i + 1 < SPEC_FIELDS ? ',' : '\0') || v[i] < 0)
            return ATTN_ERR_PARSE;
        s = end + 1;
    }
    *p = (attn_problem){
        .phase = v[0] ? ATTN_PHASE_DECODE : ATTN_PHASE_PREFILL, .batch = v[1], .heads = v[2],
        .kv_heads = v[3], .n = v[4], .d_qk = v[5], .d_v = v[6], .d_c = v[7], .d_r = v[8],
        .d_n = v[9], .features = v[10], .rank = v[11], .causal = v[12] != 0,
        .store = (attn_dtype)v[13], .sram_bytes = (size_t)v[14], .seed = (uint64_t)v[15],
        .kv_layout = (attn_kv_layout)v[16], .block_size = v[17],
    };
    return v[13] < ATTN_DTYPE_COUNT && v[16] <= ATTN_KV_PAGED ? ATTN_OK : ATTN_ERR_PARSE;
}

static volatile uint64_t evict_sink;

/* One load per 32 bytes touches every line of any size valgrind accepts (a line must hold
 * the widest register, 32 bytes with AVX). */
static void evict(const uint64_t *buffer, size_t bytes)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < bytes / sizeof *buffer; i += 32 / sizeof *buffer)
        sum += buffer[i];
    evict_sink = sum;
}

/* The names the parent gives callgrind: extern and never inlined or cloned, so each keeps its
 * own symbol. */
#if defined(__clang__)
#define SIM_NAMED __attribute__((noinline))
#else
#define SIM_NAMED __attribute__((noipa))
#endif
SIM_NAMED void attn_sim_evict_before(const uint64_t *buffer, size_t bytes);
SIM_NAMED void attn_sim_evict_after(const uint64_t *buffer, size_t bytes);
SIM_NAMED int attn_sim_kernel_call(const attn_kernel_ops *ops, const attn_problem *p,
                                   void *work, float *out);
SIM_NAMED void attn_sim_dump(void);

void attn_sim_evict_before(const uint64_t *buffer, size_t bytes)
{
    evict(buffer, bytes);
}

void attn_sim_evict_after(const uint64_t *buffer, size_t bytes)
{
    evict(buffer, bytes);
}

int attn_sim_kernel_call(const attn_kernel_ops *ops, const attn_problem *p, void *work,
                         float *out)
{
    return ops->run(p, work, out, NULL);
}

/* Empty: callgrind dumps the kernel's counts when it is entered. */
void attn_sim_dump(void)
{
    evict_sink = 0;
}

/* The eviction buffer: ATTNSCOPE_SIM_EVICT_BYTES, set by the parent to twice the LL. */
static size_t evict_bytes(void)
{
    const char *text = getenv("ATTNSCOPE_SIM_EVICT_BYTES");
    char *end;
    unsigned long long bytes = text ? strtoull(text, &end, 10) : 0;
    return text && *end == '\0' && bytes >= 4096 ? (size_t)bytes : (size_t)64 << 20;
}

int attn_sim_child_main(const char *spec)
{
    char name[64];
    attn_problem p;
    if (spec_parse(spec, name, sizeof name, &p)) {
        fprintf(stderr, "attnscope: --sim-child '%s': malformed problem\n", spec);
        return 2;
    }
    const attn_variant_type *variant = attn_variant_find(name);
    const attn_kernel_ops *ops = variant ? variant->cpu_ops : NULL;
    const char *why = ops ? ops->unsupported(&p) : NULL;
    if (!ops || why) {
        fprintf(stderr, "attnscope: --sim-child: %s: %s\n", name,
                ops ? why : "no CPU kernel for this variant");
        return 2;
    }
    attn_kernels_set_threads(1);
    size_t bytes = evict_bytes(), out_elems = 0;
    void *work = NULL;
    float *out = NULL;
    void *buffer = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int rc = buffer == MAP_FAILED ? ATTN_ERR_NOMEM : ops->setup(&p, &work, &out_elems);
    if (!rc && !(out = calloc(out_elems ? out_elems : 1, sizeof *out)))
        rc = ATTN_ERR_NOMEM;
    if (!rc) {
        attn_sim_evict_before(buffer, bytes);
        rc = attn_sim_kernel_call(ops, &p, work, out);
        attn_sim_dump();
        attn_sim_evict_after(buffer, bytes);
    }
    if (work)
        ops->teardown(work);
    free(out);
    if (buffer != MAP_FAILED)
        munmap(buffer, bytes);
    if (rc)
        fprintf(stderr, "attnscope: --sim-child: %s: %s\n", name, attn_strerror(rc));
    return rc ? 1 : 0;
}
